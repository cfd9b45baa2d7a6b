"""Token prices: the policy's own, else the maintained ``genai-prices`` table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from clearance.policy import ImportedTarget, OpenAITarget, PythonTarget, RecordedTarget
from clearance.targets import Usage

TargetSpec = OpenAITarget | PythonTarget | RecordedTarget | ImportedTarget


@dataclass(frozen=True, slots=True)
class ResolvedPrices:
    """USD per million tokens, and where the figures came from.

    Attributes:
        input_per_mtok: Price of a million input tokens; None when unknown.
        output_per_mtok: Price of a million output tokens; None when unknown.
        source: ``policy``, ``genai-prices`` or ``unknown``.
        note: Why the price is unknown, or which table entry was used.
    """

    input_per_mtok: float | None
    output_per_mtok: float | None
    source: str
    note: str = ""

    @property
    def known(self) -> bool:
        return self.input_per_mtok is not None and self.output_per_mtok is not None

    def cost(self, usage: Usage) -> float | None:
        """USD for one call; None when the price is unknown."""
        if self.input_per_mtok is None or self.output_per_mtok is None:
            return None
        return (
            usage.input_tokens * self.input_per_mtok + usage.output_tokens * self.output_per_mtok
        ) / 1_000_000


def prices_for(spec: TargetSpec) -> ResolvedPrices:
    """The prices of a target: policy ``prices``, else a table lookup by model name."""
    if spec.prices is not None:
        return ResolvedPrices(spec.prices.input_per_mtok, spec.prices.output_per_mtok, "policy")
    model = spec.price_model or (spec.model if isinstance(spec, OpenAITarget) else None)
    if model is None:
        return ResolvedPrices(
            None, None, "unknown", "no price: set 'prices' or 'price_model' on the target"
        )
    return table_prices(model)


@lru_cache(maxsize=64)
def table_prices(model: str) -> ResolvedPrices:
    """Per-million-token prices of ``model`` in ``genai-prices`` (flat-rate part)."""
    try:
        from genai_prices import Usage as TableUsage
        from genai_prices import calc_price
    except ImportError:
        return ResolvedPrices(
            None, None, "unknown", f"no price for '{model}': install genai-prices or set 'prices'"
        )
    try:
        inp = calc_price(TableUsage(input_tokens=1_000_000, output_tokens=0), model)
        out = calc_price(TableUsage(input_tokens=0, output_tokens=1_000_000), model)
    except LookupError:
        return ResolvedPrices(
            None,
            None,
            "unknown",
            f"'{model}' is not in the price table: set 'prices' or 'price_model'",
        )
    note = f"genai-prices: {inp.provider.id}/{inp.model.id}"
    return ResolvedPrices(float(inp.total_price), float(out.total_price), "genai-prices", note)
