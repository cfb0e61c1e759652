"""The errors the shared stores report through `StoreEvents.backend_error`. None is raised into a
call: each is passed to the events and the call goes on as a miss (or a dropped write). Each
message names what failed and what to do."""

from __future__ import annotations

from ...errors import BackendError

__all__ = [
    "BackendTimeoutError",
    "BackendUnavailableError",
    "ValueNotSerializableError",
    "ValueTooLargeError",
    "ValueUnreadableError",
    "DiskUnusableError",
]


class BackendTimeoutError(BackendError):
    """An operation took longer than `commandTimeoutMs`; the call went on as a miss."""

    def __init__(self, backend: str, op: str, timeout_ms: float) -> None:
        super().__init__(
            f"{backend} {op} took longer than {timeout_ms:g} ms (commandTimeoutMs); answered as a miss. "
            "Check the server, or raise commandTimeoutMs."
        )


class BackendUnavailableError(BackendError):
    """An operation failed on the server or the connection; the call went on as a miss."""

    def __init__(self, backend: str, op: str, cause: BaseException) -> None:
        super().__init__(
            f"{backend} {op} failed ({type(cause).__name__}: {cause}); answered as a miss. "
            "Check that the server is reachable."
        )
        self.__cause__ = cause


class ValueNotSerializableError(BackendError):
    """A result cannot be stored by a shared backend (pickle refused it); it was returned uncached."""

    def __init__(self, namespace: str, why: str) -> None:
        super().__init__(
            f"a value of {namespace} cannot be cached ({why}); it was returned uncached. "
            "Return data that pickle can store (no lambdas, locks, open files, generators or local classes)."
        )


class ValueTooLargeError(BackendError):
    """A result's stored form is larger than `maxValueBytes`; it was returned uncached."""

    def __init__(self, namespace: str, size: int, limit: int) -> None:
        super().__init__(
            f"a value of {namespace} takes {size} bytes, more than maxValueBytes ({limit}); it was returned "
            "uncached. Raise maxValueBytes or lower compressAboveBytes."
        )


class ValueUnreadableError(BackendError):
    """A stored value does not decode (another format, a class that no longer imports, damage); read as a miss."""

    def __init__(self, why: str) -> None:
        super().__init__(f"a cached value could not be decoded ({why}); it was treated as a miss and will be overwritten.")


class DiskUnusableError(BackendError):
    """The disk store's directory cannot be created, opened or written (read-only, under a regular
    file, full). Calls compute and return their result uncached meanwhile."""

    def __init__(self, directory: str, cannot: str, fix: str, cause: BaseException) -> None:
        super().__init__(
            f"the disk cache directory {directory} cannot {cannot} ({type(cause).__name__}: {cause}); "
            f"calls run uncached meanwhile. To fix: {fix}."
        )
        self.directory = directory
        self.__cause__ = cause
