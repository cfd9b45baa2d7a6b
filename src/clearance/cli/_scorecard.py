"""``rollout status``'s view of a rollout (:func:`clearance.release.rollout_view`, the
same read model as the dashboard's): the stage scorecard's six comparisons, progress
toward the stage's minimums, and what must happen next, as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clearance.cli._common import out

if TYPE_CHECKING:
    from clearance.release import RolloutView
    from clearance.rollout import RolloutState, ScoreRow


def scorecard_json(state: RolloutState, view: RolloutView) -> str:
    """The rollout state's JSON with the scorecard, the look's decision, progress toward
    the stage's minimums, the triggers and what must happen next."""
    data: dict[str, Any] = state.model_dump(mode="json")
    data["scorecard"] = [row.model_dump(mode="json") for row in view.scorecard]
    data["next"] = {"action": view.decision, "reasons": view.reasons, "final": view.final}
    data["progress"] = [p.model_dump(mode="json") for p in view.progress]
    data["triggers"] = [t.model_dump(mode="json") for t in view.triggers]
    data["next_steps"] = view.next_steps
    return json.dumps(data, indent=2)


def show_scorecard(view: RolloutView) -> None:
    """The scorecard as an aligned table, then what the look decides and why, the
    stage's progress and what must happen next."""
    rows = [("comparison", "trigger", "candidate", "control", "candidate vs control", "status")]
    rows += [_cells(row) for row in view.scorecard]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["scorecard (anytime-valid intervals; each trigger at its share of alpha):"]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    which = "look at the end of the last stage" if view.final else "next look"
    lines.append(f"{which}: {view.decision}")
    lines += [f"  - {reason}" for reason in view.reasons[:3]]
    if view.progress:
        lines.append("progress:")
        lines += [f"  - {p.name}: {p.text}" + (" (met)" if p.met else "") for p in view.progress]
    if view.next_steps:
        lines.append("next:")
        lines += [f"  - {line}" for line in view.next_steps]
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
