"""What the release page shows, gathered from the library in one place."""

from __future__ import annotations

from typing import Any

from clearance import governance
from clearance.errors import ClearanceError
from clearance.release import RolloutView
from clearance.server._auth import Principal
from clearance.server._markdown import to_html
from clearance.server._queries import latest_check, release_row, summary
from clearance.server._state import ServerState
from clearance.server.web._charts import interval, metric_chart, stage_chart
from clearance.server.web._timeline import timeline


def release_page(state: ServerState, name: str, who: Principal) -> dict[str, Any]:
    row = release_row(state, name)
    check = latest_check(state, row)
    authors = {row.created_by, row.evidence_changed_by}
    return {
        "release": summary(row, check.created_at if check else None),
        "check": check,
        "report": check.report if check else None,
        "interval": interval,
        "approvals": governance.approvals(state.store, name, valid_only=False),
        "missing": _missing(state, name, row.policy_hash),
        "waivers": governance.waivers(state.store, name),
        "incidents": governance.incidents(state.store, name),
        "card": _card(state, name) if check else "",
        "can_approve": _may(state, who, "approve") and who.name not in authors,
        **timeline_context(state, name, who),
    }


def _may(state: ServerState, who: Principal, action: governance.Action) -> bool:
    """Whether to show a button: the rulebook's answer (the action itself asks again)."""
    return state.policy is not None and governance.may(state.policy, who.name, action)


def timeline_context(state: ServerState, name: str, who: Principal) -> dict[str, Any]:
    """The rollout section (also served alone for the page's live refresh): the rollout
    as the person ``who`` sees it (:func:`clearance.release.rollout_view`) and its charts
    on the rollout's clock."""
    view = _rollout_view(state, name, who)
    tl = timeline(state.store, name, view.clock if view is not None else None)
    charts = [metric_chart(metric, arms, tl) for metric, arms in tl.metrics.items()]
    return {
        "timeline": tl,
        "view": view,
        "stage_chart": stage_chart(tl),
        "metric_charts": charts,
        "scorecard": view.scorecard if view is not None else [],
    }


def _rollout_view(state: ServerState, name: str, who: Principal) -> RolloutView | None:
    """None without a policy, or when the policy cannot read this rollout."""
    from clearance.release import rollout_view

    if state.policy is None:
        return None
    try:
        return rollout_view(state.store, state.policy, name, who.name)
    except ClearanceError:
        return None


def _missing(state: ServerState, name: str, policy_hash: str) -> list[str]:
    policy = state.policy
    if policy is None or policy.source is None or policy.source.digest != policy_hash:
        return ["the server's policy is not the one this release was checked with"]
    return governance.missing_approvals(state.store, policy, name, ["approve_changes"])


def _card(state: ServerState, name: str) -> str:
    """The card as HTML, or '' when it cannot be built (no policy)."""
    from clearance.server.api.releases import build_release_card

    try:
        return build_release_card(state, name, None).html
    except ClearanceError:
        return ""


__all__ = ["release_page", "timeline_context", "to_html"]
