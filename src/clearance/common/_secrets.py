"""Secret values masked out of text that leaves the process (reports, cards, API)."""

from __future__ import annotations

from collections.abc import Iterable

SECRET_MASK = "[SECRET]"
"""What stands in for a secret value: a placeholder like the PII redactor's ``[EMAIL]``."""


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty value of ``secrets`` replaced by :data:`SECRET_MASK`,
    longest first, so no secret that contains another is left half-masked."""
    for secret in sorted({s for s in secrets if s}, key=lambda s: (-len(s), s)):
        text = text.replace(secret, SECRET_MASK)
    return text
