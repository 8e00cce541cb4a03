"""Strict, safe BagIt validation: every problem in a report, nothing read outside the bag.

- :func:`validate_bag`: one bag folder → :class:`~preserve.report.Report`.
- :func:`validate_path`: a bag folder or a serialized bag (``.tar``, ``.tar.gz``, ``.zip``).
- :func:`open_bag`: a context manager yielding a bag folder, unpacking an archive safely.

Profiles live in :mod:`preserve.validation.profile` (imported only when needed).

>>> from preserve.validation import validate_bag
>>> validate_bag("no/such/bag").errors[0].code
'bag-not-found'
"""

from preserve.validation.archive import open_bag, validate_path
from preserve.validation.validator import validate_bag

__all__ = ["open_bag", "validate_bag", "validate_path"]
