"""clearance: decide whether a model or AI system may ship, ship it in stages, take it back.

The public API is re-exported here; everything else lives in one package per concept.
"""

from clearance.errors import ClearanceError, PolicyError, UserError
from clearance.policy import Policy, load_policy

__version__ = "0.1.0"

__all__ = ["ClearanceError", "Policy", "PolicyError", "UserError", "__version__", "load_policy"]
