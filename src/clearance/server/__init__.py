"""The clearance web service: a JSON API under ``/v1`` and a server-rendered dashboard,
both thin shells over the library. Create it with :func:`create_app`."""

from clearance.server._app import app_from_env, create_app
from clearance.server._auth import Principal, csrf_token

__all__ = ["Principal", "app_from_env", "create_app", "csrf_token"]
