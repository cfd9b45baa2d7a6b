"""clearance: decide whether a model or AI system may ship, ship it in stages, take it back.

The public API is re-exported here; everything else lives in one package per concept.
The policy names are loaded on first use, so ``import clearance.cli`` (and ``clearance
--help``) does not pay for the policy models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clearance.errors import ClearanceError, PolicyError, UserError

if TYPE_CHECKING:
    from clearance.policy import Policy, load_policy

__version__ = "0.1.0"

__all__ = ["ClearanceError", "Policy", "PolicyError", "UserError", "__version__", "load_policy"]

_LAZY = {"Policy", "load_policy"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import clearance.policy

        return getattr(clearance.policy, name)
    raise AttributeError(f"module 'clearance' has no attribute {name!r}")
