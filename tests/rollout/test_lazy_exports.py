"""The rollout package loads what is used: a router alone (the rollback drill's reader,
an application's embedded router) does not pay for the monitor, its statistics and
SciPy; every exported name still resolves."""

from __future__ import annotations

import subprocess
import sys

import clearance.rollout as rollout


def test_every_exported_name_resolves() -> None:
    for name in rollout.__all__:
        assert getattr(rollout, name) is not None, name


def test_a_router_alone_does_not_load_the_monitor_or_scipy() -> None:
    code = (
        "import sys\n"
        "from clearance.rollout import Router\n"
        "from clearance.store import open_store\n"
        "heavy = [m for m in ('scipy', 'clearance.rollout._monitor', 'clearance.stats')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", done.stdout


def test_the_drill_reader_is_started_by_its_own_small_script() -> None:
    from clearance.release import _drill

    command = _drill._reader_command("r")
    assert command[2].endswith("_drill_reader.py")
