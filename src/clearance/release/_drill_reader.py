"""The rollback drill's reader: a :class:`~clearance.rollout.Router` in its own process.

``python -P _drill_reader.py RELEASE UNIT REFRESH DEADLINE``, the store's URL in
``CLEARANCE_DATABASE_URL``: it routes UNIT on RELEASE and prints the arm it serves each
time it changes, and exits once it has served the candidate and then the control. It
imports the router and the store only (started by path, so not the release package, and
the rollout package loads the router alone), so it starts in a fraction of the time the
whole library takes: the drill times the switch, not an import.
"""

from __future__ import annotations

import sys
import time

from clearance.rollout import Router
from clearance.store import open_store


def _serve(argv: list[str]) -> int:
    """The reader process: a Router on the drill release, printing each arm it serves."""
    release, unit, refresh, deadline = argv
    store = open_store(migrate=False)
    router = (
        Router(store, release) if refresh == "default" else Router(store, release, float(refresh))
    )
    end = time.monotonic() + float(deadline)
    last, armed = "", False
    try:
        while time.monotonic() < end:
            arm = router.route(unit)
            if arm != last:
                print(arm, flush=True)
                last = arm
                armed = armed or arm == "candidate"
                if armed and arm == "control":
                    return 0
            time.sleep(0.002)
    finally:
        store.close()
    return 1


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
