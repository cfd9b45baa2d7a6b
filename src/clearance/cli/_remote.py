"""Team mode: the CLI acts through ``clearance serve`` instead of writing the store.

Identity on a shared store must not be self-asserted. With ``CLEARANCE_SERVER`` set
(e.g. ``https://clearance.internal``) the governed commands (approve, waive, rollout
steps, incidents, users) are sent to that server with the API token in
``CLEARANCE_TOKEN``; the server knows who holds it, so ``--as`` is refused. Without it
the CLI works on a local store in single-user mode: ``--as`` names who is acting, and
every audit entry the CLI writes is marked unauthenticated.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from clearance.errors import (
    ClearanceError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuntimeFailure,
    UsageError,
)

SERVER_ENV = "CLEARANCE_SERVER"
TOKEN_ENV = "CLEARANCE_TOKEN"
_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Remote:
    """A clearance server and the token to call it with."""

    base: str
    token: str

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One JSON request; the server's problem answer becomes the matching error."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise _problem(exc) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise RuntimeFailure(
                f"cannot reach the clearance server at {self.base}: {exc}",
                fix=f"check {SERVER_ENV}, or unset it to work on a local store",
            ) from None


def remote(as_: str | None) -> Remote | None:
    """The server to act through (``CLEARANCE_SERVER``), or None in local mode."""
    base = os.environ.get(SERVER_ENV, "").strip()
    if not base:
        return None
    if as_ is not None:
        raise UsageError(
            f"--as cannot be used with {SERVER_ENV}: the server knows who you are from your token",
            fix=f"drop --as, or set {TOKEN_ENV} to the token of the person acting",
        )
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"{SERVER_ENV} must be an http(s) URL, got {base!r}")
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(
            f"{SERVER_ENV} is set but {TOKEN_ENV} is not",
            fix=f"export {TOKEN_ENV}=clr_... (from `clearance user add`)",
        )
    return Remote(base, token)


def release_path(release: str, *rest: str) -> str:
    return "/v1/releases/" + quote(release, safe="@") + "".join("/" + part for part in rest)


def _problem(exc: urllib.error.HTTPError) -> ClearanceError:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    detail = str(body.get("detail") or exc.reason)
    fix = body.get("fix")
    kinds: dict[int, type[ClearanceError]] = {
        403: PermissionDenied,
        404: NotFoundError,
        409: ConflictError,
    }
    if exc.code in kinds:
        return kinds[exc.code](f"server: {detail}", fix=fix)
    if exc.code == 401:
        return PermissionDenied(f"server: {detail}", fix=f"check {TOKEN_ENV}")
    if 400 <= exc.code < 500:
        return UsageError(f"server: {detail}", fix=fix)
    return RuntimeFailure(f"server answered {exc.code}: {detail}", fix=fix)
