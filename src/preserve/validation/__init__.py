"""Strict, safe BagIt validation: every problem in a report, nothing read outside the bag.

>>> from preserve.validation import validate_bag
>>> validate_bag("no/such/bag").errors[0].code
'bag-not-found'
"""

from preserve.validation.validator import validate_bag

__all__ = ["validate_bag"]
