"""What the governance modules share: content hashes, policy sameness, reading times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from clearance.common import canonical_sha256, utc
from clearance.errors import UsageError
from clearance.policy import Policy
from clearance.store import ReleaseRecord

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def content_hash(policy_hash: str, candidate_fingerprint: str, evidence_hash: str | None) -> str:
    """What an approval is bound to: SHA-256 over (policy, candidate, evidence) hashes."""
    return canonical_sha256([policy_hash, candidate_fingerprint, evidence_hash or ""])


def row_content_hash(row: ReleaseRecord) -> str:
    return content_hash(row.policy_hash, row.candidate_fingerprint, row.evidence_hash)


def same_policy(policy: Policy, row: ReleaseRecord) -> None:
    """Refuse to act on a release with a policy other than the one it was checked with,
    so nobody can add themselves to the owners locally and then approve or waive."""
    digest = policy.source.digest if policy.source is not None else ""
    if digest != row.policy_hash:
        raise UsageError(
            f"the policy given is not the one release '{row.name}' was checked with "
            f"({digest[:12] or 'unsaved'} vs {row.policy_hash[:12]})",
            fix="run `clearance check` with this policy first, or pass the policy it used",
        )


def parse_when(value: str, *, now: datetime | None = None, end_of_day: bool = True) -> datetime:
    """An ISO date (the end of that day in UTC, or its start with ``end_of_day=False``),
    an ISO datetime (UTC if no offset), or a duration from now: ``30m``, ``12h``, ``14d``."""
    now = now or datetime.now(UTC)
    match = _DURATION.match(value)
    if match:
        return now + timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        return utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise UsageError(
            f"cannot read the time '{value}'",
            fix="give an ISO date (2026-12-31), an ISO datetime or a duration like 14d",
        ) from None


def parse_future(value: str, *, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    moment = parse_when(value, now=now)
    if moment <= now:
        raise UsageError(
            f"'{value}' is not in the future ({moment.isoformat(timespec='seconds')})",
            fix="give a later date or a duration such as 14d",
        )
    return moment
