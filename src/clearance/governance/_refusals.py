"""Refused attempts are audited too: ``denied.<action>`` with the actor, subject and reason.

:func:`record_refusal` is the one place that writes them; the server's role check calls it,
and :func:`recording_refusals` wraps governance actions so that a
:class:`~clearance.errors.PermissionDenied` they raise is recorded before it propagates.
The refused action's own transaction has been rolled back by then, so the entry is written
in a transaction of its own. Recording never masks the refusal: if the entry cannot be
written, the refusal is still raised (and the failure logged).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from clearance.errors import PermissionDenied
from clearance.governance._audit import Entry, append
from clearance.store import Store

P = ParamSpec("P")
R = TypeVar("R")
_log = logging.getLogger("clearance.governance")


def record_refusal(
    store: Store,
    actor: str,
    action: str,
    subject: str,
    reason: str,
    details: Mapping[str, Any] | None = None,
) -> Entry | None:
    """Append ``denied.<action>`` about ``subject``; None when it could not be written
    (the caller raises its refusal either way)."""
    payload = {"reason": reason, **(details or {})}
    try:
        return append(store, actor or "unknown", f"denied.{action}", subject, payload)
    except Exception:  # never let the record of a refusal replace the refusal
        _log.warning("could not record the refusal of %s by %s", action, actor, exc_info=True)
        return None


def recording_refusals(
    action: str, subject: str = "{release}"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a governance action taking ``store`` and ``actor`` arguments: a
    :class:`PermissionDenied` it raises is recorded as ``denied.<action>``, then raised
    again. ``action`` and ``subject`` are formatted from the arguments: ``subject``
    as the action's own entries name it (``{release}``, ``incident:{incident}``), and
    ``action`` may name a step (``rollout.{step}``)."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except PermissionDenied as exc:
                _record(signature, action, subject, exc, args, kwargs)
                raise

        return guarded

    return wrap


def _record(
    signature: inspect.Signature,
    action: str,
    subject: str,
    exc: PermissionDenied,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    try:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
        about, doing = subject.format_map(given), action.format_map(given)
    except (TypeError, KeyError, ValueError):
        return
    store = given.get("store")
    if isinstance(store, Store):
        record_refusal(store, str(given.get("actor", "")), doing, about, exc.message)
