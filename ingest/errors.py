"""The one error type of the readers: its message says where (row, column) and what to do."""


class UsageFileError(ValueError):
    """A file we cannot use; the message says where and what to do."""
