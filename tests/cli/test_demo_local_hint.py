"""The demo's hint for installing the local-model extra prints the command as typed."""

from __future__ import annotations

from typing import Any

import pytest

from clearance.cli import _demo_local


def test_the_install_hint_keeps_the_extra_in_brackets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_demo_local, "_installed", lambda: False)
    demo: Any = object()
    _demo_local.local_model_act(demo)
    out = capsys.readouterr().out
    assert '.[local-model]"' in out, out
