"""Small helpers every layer shares, each defined once: times, digests, number formats."""

from clearance.common._time import utc

__all__ = ["utc"]
