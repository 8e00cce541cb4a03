"""preserve: keep raw text forever, exactly as received, and make it usable.

The pipeline, in order (see :mod:`preserve.pipeline`): intake → identify → repair →
describe → bag → validate → record.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("preserve")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
