"""Governance: owners and roles, approvals, waivers, registers and the audit log."""

from clearance.governance._audit import (
    GENESIS,
    Entry,
    Verification,
    append,
    append_in,
    canonical,
    count,
    entries,
    entry_hash,
    head,
    verify,
)

__all__ = [
    "GENESIS",
    "Entry",
    "Verification",
    "append",
    "append_in",
    "canonical",
    "count",
    "entries",
    "entry_hash",
    "head",
    "verify",
]
