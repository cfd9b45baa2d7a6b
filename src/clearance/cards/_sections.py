"""Card sections: their titles, which card kinds need them, and how each is filled."""

from __future__ import annotations

from dataclasses import dataclass

MODEL_SECTIONS: tuple[str, ...] = (
    "Intended use",
    "Out-of-scope use",
    "Training data summary",
    "Evaluation results",
    "Limitations",
    "Safety behaviour",
    "Known failure modes",
    "Privacy considerations",
    "Recommended mitigations",
)
SYSTEM_SECTIONS: tuple[str, ...] = (
    *MODEL_SECTIONS,
    "Components",
    "Tools and permissions",
    "Risk ratings",
    "Monitoring and rollback plan",
    "Rollout plan",
    "Release decision",
    "Changes since the previous version",
)
PLACEHOLDERS: tuple[str, ...] = ("[More Information Needed]", "TODO", "TBD", "FIXME", "XXX")


def required_sections(kind: str) -> tuple[str, ...]:
    return SYSTEM_SECTIONS if kind == "system" else MODEL_SECTIONS


@dataclass(frozen=True)
class Section:
    title: str
    body: str

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"
