"""The whole clearance exception tree, split by who must act.

::

    ClearanceError                  base of everything clearance raises on purpose
    ├── UserError                   the user must fix an input (exit code 2, HTTP 400/422)
    │   ├── PolicyError             clearance.yaml is malformed, invalid or inconsistent
    │   ├── DataError               a dataset, telemetry file or other input file is malformed
    │   ├── UsageError              a command or API call was given bad arguments
    │   └── NotFoundError           a named release, run or entry does not exist (HTTP 404)
    ├── PermissionDenied            the acting user lacks the role the policy requires (HTTP 403)
    ├── ConflictError               the object changed since the caller read it (exit 3, HTTP 409)
    └── RuntimeFailure              something outside the user's input failed (exit 3, HTTP 500/503)
        ├── StoreError              the database could not be reached or migrated
        └── TargetError             an endpoint or callable under test failed its preflight

Every error carries a message that says what is wrong and how to fix it. Errors about a
file also carry ``file``, ``line`` and ``column`` (1-based) and the key ``path``.
``exit_code`` and ``http_status`` give the one mapping the CLI and the server use.
"""

from __future__ import annotations

__all__ = [
    "ClearanceError",
    "ConflictError",
    "DataError",
    "NotFoundError",
    "PermissionDenied",
    "PolicyError",
    "RuntimeFailure",
    "StoreError",
    "TargetError",
    "UsageError",
    "UserError",
]


class ClearanceError(Exception):
    """Base class of every error clearance raises on purpose."""

    exit_code: int = 3
    http_status: int = 500

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.fix = fix

    def where(self) -> str:
        """``file:line:column`` (as much as is known), or an empty string."""
        if self.file is None:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        head = self.where()
        text = f"{head}: {self.message}" if head else self.message
        if self.path:
            text += f" (at {self.path})"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class UserError(ClearanceError):
    """The user must change an input: a file, an argument, an environment variable."""

    exit_code = 2
    http_status = 400


class PolicyError(UserError):
    """The policy file is malformed, fails validation or is inconsistent."""

    http_status = 422


class DataError(UserError):
    """A data file (dataset, telemetry, recording) is malformed."""

    http_status = 422


class UsageError(UserError):
    """A command or library call was given bad arguments."""


class NotFoundError(UserError):
    """A named object (release, run, audit entry) does not exist."""

    http_status = 404


class PermissionDenied(ClearanceError):
    """The acting user does not hold the role the policy requires for this action."""

    exit_code = 2
    http_status = 403


class ConflictError(ClearanceError):
    """The caller acted on a version of an object that is no longer current (another
    person or controller changed it first). Nothing was changed: read again and retry.
    ``current`` holds the object as it is now, for the 409 response."""

    exit_code = 3
    http_status = 409

    def __init__(self, message: str, *, current: object = None, fix: str | None = None) -> None:
        super().__init__(message, fix=fix)
        self.current = current


class RuntimeFailure(ClearanceError):
    """Something outside the user's input failed at run time."""

    exit_code = 3
    http_status = 500


class StoreError(RuntimeFailure):
    """The store could not be reached, migrated or written."""

    http_status = 503


class TargetError(RuntimeFailure):
    """A target (endpoint or callable) is unreachable or refuses us."""

    exit_code = 2
    http_status = 502
