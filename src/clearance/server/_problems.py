"""One mapping from errors to RFC 9457 ``application/problem+json`` responses.

clearance's own errors carry their HTTP status (:mod:`clearance.errors`); FastAPI's
validation errors become 422, Starlette's HTTP errors keep their status, and anything
unexpected is a 500 whose body says nothing about the internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from clearance.errors import ClearanceError, ConflictError, StoreError

MEDIA_TYPE = "application/problem+json"
_log = logging.getLogger("clearance.server")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    fix: str | None = None
    """What to do about it, when clearance knows."""
    errors: list[dict[str, Any]] | None = None
    """Field-level validation errors (422 only)."""
    current: dict[str, Any] | None = None
    """The object as it is now (409 only: the caller's version was stale)."""


class Unauthorized(HTTPException):
    """401 with a ``WWW-Authenticate: Bearer`` challenge."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": "Bearer"})


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, **extra)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _redact(request: Request, text: str) -> str:
    redact = getattr(request.app.state, "redact", None)
    return redact(text) if redact is not None else text


async def _clearance_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClearanceError)
    if isinstance(exc, StoreError):
        return await _store_down(request, exc)
    detail = _redact(request, exc.message)
    fix = _redact(request, exc.fix) if exc.fix else None
    extra: dict[str, Any] = {}
    if isinstance(exc, ConflictError) and isinstance(exc.current, BaseModel):
        extra["current"] = exc.current.model_dump(mode="json")
    return problem(exc.http_status, _title(exc.http_status), detail, fix=fix, **extra)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    response = problem(exc.status_code, _title(exc.status_code), str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return problem(422, "Unprocessable Content", f"{where}: {first['msg']}", errors=errors)


async def _store_down(request: Request, exc: Exception) -> JSONResponse:
    _log.warning("store unavailable: %s", exc)
    return problem(503, "Service Unavailable", "the store cannot be reached; retry shortly")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "an unexpected error occurred; see the log")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ClearanceError, _clearance_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": _title(status)}
    for status in (400, 401, 403, 404, 409, 422, 503)
}
"""Documented error responses shared by every authenticated route."""
