"""LiteLLM proxy request logs (``StandardLoggingPayload``) as telemetry events, and the
``model_list`` weights that put a rollout's traffic split into the proxy.

The proxy's ``generic_api`` logging callback posts one ``StandardLoggingPayload`` per
request. Which arm served it is read from its deployment id (``model_id``, the
deployment's ``model_info.id``), matched against the ids the caller names as candidate
and control; an id that is neither is refused, never guessed.

=========================  ===================================================
payload field              telemetry event
=========================  ===================================================
``id``                     ``event_id`` (a retried log is stored once)
``startTime``              ``ts``
``endTime - startTime``    ``latency_ms`` (successes only)
``prompt_tokens``          ``input_tokens`` (successes only)
``completion_tokens``      ``output_tokens`` (successes only)
``response_cost``          ``cost_usd`` (successes only)
``trace_id`` (default)     ``unit``; see :data:`UNIT_SOURCES`
``status``, errors, ...    attributes ``litellm.*``
=========================  ===================================================

A failed request carries no metric fields: LiteLLM logs zero tokens and zero cost for
it and the time to the error as its duration, which would make a failing candidate look
cheap and fast. Its absence is what the monitor counts (every trigger tests the share
of each arm's events lacking its field). A cache hit was not served by the deployment
it names, so it is refused too.

Nothing here raises for a malformed payload except :class:`ItemRefused` (with the
reason); what is mapped is validated by the telemetry schema like any other event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from clearance.rollout._state import RolloutState

UnitSource = Literal["trace_id", "id", "end_user", "user_api_key_hash", "user_api_key_user_id"]
UNIT_SOURCES: tuple[UnitSource, ...] = (
    "trace_id",
    "id",
    "end_user",
    "user_api_key_hash",
    "user_api_key_user_id",
)
"""Where an event's ``unit`` comes from. The proxy picks a deployment at random for each
request (``simple-shuffle`` by ``weight``), so the request is the unit of randomisation:
``trace_id`` (one request with its retries, the default) or ``id``. ``end_user`` (or the
key's ``user_api_key_end_user_id``) and the key's hash or user id cluster requests by
who sent them, but one user's requests land on both arms, so the sample-ratio check
(distinct units per arm against the weight) does not hold for them."""
MAX_TEXT = 200
"""Characters kept of a string attribute (an error message: :data:`MAX_MESSAGE`)."""
MAX_MESSAGE = 1000
_PREFIX = "litellm."


class ItemRefused(ValueError):
    """A payload that cannot be attributed to an arm (or is not a payload at all)."""


@dataclass(frozen=True)
class Deployments:
    """Which LiteLLM deployment ids serve the candidate, and which the control."""

    candidate: frozenset[str]
    control: frozenset[str]

    @classmethod
    def of(cls, candidate: Iterable[str], control: Iterable[str]) -> Deployments:
        """Raise ValueError unless both arms have ids and no id is on both."""
        found = cls(frozenset(candidate), frozenset(control))
        if not found.candidate or not found.control:
            raise ValueError("name at least one candidate and one control deployment id")
        both = found.candidate & found.control
        if both:
            raise ValueError(f"deployment ids on both arms: {', '.join(sorted(both))}")
        return found

    def arm(self, model_id: str) -> Literal["candidate", "control"] | None:
        if model_id in self.candidate:
            return "candidate"
        return "control" if model_id in self.control else None


def payload_event(
    payload: Any,
    deployments: Deployments,
    release: str,
    unit_from: UnitSource = "trace_id",
) -> dict[str, Any]:
    """One ``StandardLoggingPayload`` as a telemetry event dict, for :func:`ingest` to
    validate; raises :class:`ItemRefused` when it names no known deployment, is a cache
    hit, or is not a JSON object."""
    if not isinstance(payload, Mapping):
        raise ItemRefused(f"a log must be a JSON object, got {type(payload).__name__}")
    model_id = deployment_id(payload)
    if model_id is None:
        raise ItemRefused(_unknown(None))
    arm = deployments.arm(model_id)
    if arm is None:
        raise ItemRefused(_unknown(model_id))
    if payload.get("cache_hit") is True:
        raise ItemRefused("a cache hit: the response was not served by the deployment")
    event: dict[str, Any] = {"release": release, "arm": arm}
    _put(event, "ts", payload.get("startTime"))
    _put(event, "event_id", payload.get("id"))
    _put(event, "unit", unit_of(payload, unit_from))
    failed = payload.get("status") == "failure"
    if not failed:
        event.update(_metrics(payload))
    event.update(_attributes(payload, model_id))
    return event


def deployment_id(payload: Mapping[str, Any]) -> str | None:
    """The deployment id a payload names (``model_id``, else ``hidden_params.model_id``)."""
    found = payload.get("model_id")
    if found is None:
        found = _get(payload.get("hidden_params"), "model_id")
    return found if isinstance(found, str) and found else None


def _unknown(model_id: str | None) -> str:
    if model_id is None:
        return "model_id: missing; give each deployment a model_info.id in the model_list"
    return f"model_id: {model_id[:MAX_TEXT]!r} is neither a candidate nor a control deployment"


def unit_of(payload: Mapping[str, Any], source: UnitSource) -> Any:
    """The payload's routing unit from ``source`` (None when it has none)."""
    metadata = payload.get("metadata")
    if source in ("trace_id", "id"):
        return payload.get(source)
    if source == "end_user":
        found = payload.get("end_user")
        return found or _get(metadata, "user_api_key_end_user_id")
    return _get(metadata, source)


def _metrics(payload: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    _put(found, "latency_ms", _span_ms(payload.get("startTime"), payload.get("endTime")))
    _put(found, "input_tokens", payload.get("prompt_tokens"))
    _put(found, "output_tokens", payload.get("completion_tokens"))
    _put(found, "cost_usd", payload.get("response_cost"))
    return found


def _attributes(payload: Mapping[str, Any], model_id: str) -> dict[str, Any]:
    """What an operator reads next to the metrics: deployment, status, the error."""
    found: dict[str, Any] = {f"{_PREFIX}model_id": model_id[:MAX_TEXT]}
    for key in ("status", "model", "model_group", "call_type", "custom_llm_provider"):
        _put(found, _PREFIX + key, _text(payload.get(key)))
    ttft = _span_ms(payload.get("startTime"), payload.get("completionStartTime"))
    if payload.get("stream") is True and isinstance(ttft, float):
        found[f"{_PREFIX}ttft_ms"] = ttft
    if payload.get("status") == "failure":
        found.update(_error(payload))
    return found


def _error(payload: Mapping[str, Any]) -> dict[str, Any]:
    info = payload.get("error_information")
    found: dict[str, Any] = {}
    for key in ("error_class", "error_code", "llm_provider"):
        _put(found, _PREFIX + key, _text(_get(info, key)))
    message = _get(info, "error_message") or payload.get("error_str")
    _put(found, f"{_PREFIX}error_message", _text(message, MAX_MESSAGE))
    return found


def _span_ms(start: Any, end: Any) -> Any:
    """Milliseconds from ``start`` to ``end`` (epoch seconds); None when either is not a
    number. A negative span is passed on, for the schema to refuse."""
    if not (_number(start) and _number(end)):
        return None
    try:
        return (float(end) - float(start)) * 1000.0
    except OverflowError:
        return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)[:limit]


def _get(container: Any, key: str) -> Any:
    return container.get(key) if isinstance(container, Mapping) else None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def litellm_weights(
    state: RolloutState | None,
    candidate: Iterable[str],
    control: Iterable[str],
) -> dict[str, Any]:
    """The rollout's split as LiteLLM ``model_list`` entries: each deployment's
    ``model_info.id`` with its ``litellm_params.weight`` (the candidate's share split
    evenly over its deployments, the rest over the control's).

    The candidate gets nothing before a rollout, after a rollback, and in a stage whose
    audience is not ``everyone``: the proxy picks deployments at random for every caller,
    so it cannot keep a stage to internal or beta users."""
    deployments = Deployments.of(candidate, control)
    share, note = _candidate_share(state)
    cand, ctrl = sorted(deployments.candidate), sorted(deployments.control)
    entries = [_entry(i, share / len(cand)) for i in cand]
    entries += [_entry(i, (1.0 - share) / len(ctrl)) for i in ctrl]
    return {
        "release": state.release if state else None,
        "status": state.status if state else "none",
        "version": state.version if state else None,
        "candidate_weight": share,
        "note": note,
        "model_list": entries,
    }


def _candidate_share(state: RolloutState | None) -> tuple[float, str]:
    if state is None:
        return 0.0, "no rollout yet: all traffic to the control"
    if state.status == "rolled_back":
        return 0.0, "rolled back: all traffic to the control"
    if state.audience != "everyone":
        return 0.0, (
            f"stage {state.stage!r} is for audience {state.audience!r}, which the proxy "
            "cannot select: all traffic to the control"
        )
    return round(min(1.0, max(0.0, state.weight)), 6), f"stage {state.stage!r} ({state.status})"


def _entry(model_id: str, weight: float) -> dict[str, Any]:
    return {"model_info": {"id": model_id}, "litellm_params": {"weight": round(weight, 6)}}
