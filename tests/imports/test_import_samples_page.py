"""Imported items on the dashboard's samples page: the candidate's answer beside the
baseline's, and the failing filter showing the items the tool scored as wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clearance import governance
from clearance.cli import run
from clearance.policy import load_policy
from clearance.server import create_app
from clearance.store import Store
from imports.test_import_check import FILES, write_policy
from server.serverkit import sign_in


def test_the_samples_page_shows_imported_items_side_by_side(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, "lm-eval", FILES["lm-eval"][1])
    assert run(["check", "--policy", str(policy), "--db", store_url]) == 0
    capsys.readouterr()
    token = governance.create_user(store, "alice")
    app = create_app(store=store, policy=load_policy(policy))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sign_in(client, token)
        page = client.get("/ui/releases/arith-bot@2.0/samples?suite=arith")
    assert page.status_code == 200, page.text[:500]
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<tr class="[^"]*">\s*<th[^>]*><code>(\w+)</code>.*?</tr>', page.text, re.S
        )
    }
    # doc 2 (91 * 17): the baseline answered 1548 and failed, the candidate 1547 and passed
    row = rows["2"]
    assert "What is 91 * 17?" in row and "expected: 1547" in row
    candidate, baseline = row.split('data-label="baseline"')
    assert "v-pass" in candidate and ">1547<" in candidate
    assert "v-fail" in baseline and ">1548<" in baseline
