"""``rollout status``'s stage scorecard: the six comparisons as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clearance.cli._common import out

if TYPE_CHECKING:
    from clearance.rollout import Decision, RolloutState
    from clearance.rollout._scorecard import ScoreRow


def scorecard_json(state: RolloutState, decision: Decision) -> str:
    """The rollout state's JSON with the scorecard and the next look's decision added."""
    data: dict[str, Any] = state.model_dump(mode="json")
    data["scorecard"] = [row.model_dump(mode="json") for row in decision.scorecard]
    data["next"] = {"action": decision.action, "reasons": decision.reasons}
    return json.dumps(data, indent=2)


def show_scorecard(decision: Decision) -> None:
    """The scorecard as an aligned table, then what the next look would do and why."""
    rows = [("comparison", "trigger", "candidate", "control", "candidate vs control", "status")]
    rows += [_cells(row) for row in decision.scorecard]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["scorecard (anytime-valid intervals; each trigger at its share of alpha):"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"next look: {decision.action}")
    lines += [f"  - {reason}" for reason in decision.reasons[:3]]
    out("\n".join(lines))


def _cells(row: ScoreRow) -> tuple[str, str, str, str, str, str]:
    if row.status == "not_watched":
        return (row.comparison, "-", "-", "-", "not watched by any trigger", "not_watched")
    return (
        row.comparison,
        row.trigger or "-",
        _value(row, row.candidate, row.n_candidate),
        _value(row, row.control, row.n_control),
        _effect(row),
        row.status,
    )


def _value(row: ScoreRow, value: float | None, n: int) -> str:
    if value is None:
        return f"n/a (n={n})"
    if row.statistic in ("rate", "share_above"):
        return f"{value:.2%} (n={n})"
    if row.statistic in ("count", "incident_split"):
        return f"{value:g} in {n}"
    return f"{value:.4g} (n={n})"


def _effect(row: ScoreRow) -> str:
    if row.scale == "split":
        shown = "n/a" if row.effect is None else f"incident rate x{row.effect + 1:.3g}"
        if row.interval is None:
            return shown
        return f"{shown} [x{row.interval[0] + 1:.3g}, x{row.interval[1] + 1:.3g}]"
    if row.effect is None:
        return "n/a"
    lo, hi = row.interval if row.interval is not None else (None, None)
    if row.scale == "ratio":
        band = "" if lo is None or hi is None else f" [{lo:+.1%}, {hi:+.1%}]"
        return f"{row.effect:+.1%}{band}"
    band = "" if lo is None or hi is None else f" [{lo:+.3g}, {hi:+.3g}]"
    return f"{row.effect:+.3g}{band}"
