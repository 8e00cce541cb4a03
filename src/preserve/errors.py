"""One root exception and a few meaningful subclasses.

Library code raises these and never prints or exits; the CLI turns them into one
sentence and an exit code. Each message says what to do, not only what went wrong.
"""


class PreserveError(Exception):
    """Root of every error preserve raises on purpose."""


class ConfigError(PreserveError):
    """The configuration or the command line is unusable (exit code 2)."""


class IntakeError(PreserveError):
    """One item cannot be taken in; the batch goes on without it."""


class PackageError(PreserveError):
    """A package could not be written, or did not validate once written."""


class UnsafePathError(PreserveError):
    """A path would read or write outside the folder it must stay in."""


class RepairError(PreserveError):
    """An edit log does not fit the text it is asked to undo or replay."""
