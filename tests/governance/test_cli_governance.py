"""The governance commands: exit 0 done, 1 failed/missing/tampered, 2 refused or bad input."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from clearance import governance
from clearance.cli import run
from clearance.policy import Policy
from clearance.store import Store

R = "bot@v2"
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(released: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``cli(*args, as_=NAME)`` runs a command on the test store and policy and returns
    ``(exit code, stdout, stderr)``."""
    policy = str(tmp_path / "clearance.yaml")

    def call(
        *args: str, as_: str | None = None, policy_opt: bool = True, db_opt: bool = True
    ) -> tuple[int, str, str]:
        argv = [*args, *(["--db", store_url] if db_opt else [])]
        argv += ["--policy", policy] if policy_opt else []
        argv += ["--as", as_] if as_ else []
        code = run(argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_approve_and_approvals(cli: Cli) -> None:
    code, _, err = cli("approve", R, "--role", "approve_changes", as_="carol")
    assert code == 2 and "separation of duties" in err and "fix:" in err
    code, _, err = cli("approve", R, "--role", "approve_changes", as_="mallory")
    assert code == 2 and "may not approve" in err and "owners.approve_changes" in err
    code, out, err = cli("approve", R, "--role", "approve_changes", as_="alice")
    assert code == 0 and "alice approved bot@v2" in out and "1 of 2" in err
    code, out, _ = cli("approvals", R, "--require", "approve_changes")
    assert code == 1 and "alice" in out and "ask bob" in out
    assert cli("approve", R, "--role", "approve_changes", as_="bob")[0] == 0
    code, out, _ = cli("approvals", R, "--require", "approve_changes")
    assert code == 0 and "bob" in out and "missing" not in out
    code, _, err = cli("approve", "bot@nope", "--role", "approve_changes", as_="bob")
    assert code == 2 and "clearance check" in err


def test_waive(cli: Cli) -> None:
    args = ("waive", R, "safety", "--reason", "beta only", "--expires", "7d")
    code, _, err = cli(*args, as_="erin")
    assert code == 2 and "review_incidents" in err
    code, out, _ = cli(*args, as_="rita")
    assert code == 0 and "rita waived safety" in out
    code, _, err = cli("waive", R, "safety", "--reason", "x", "--expires", "yesterday", as_="rita")
    assert code == 2 and "duration like 14d" in err
    assert cli("waive", R, "safety", "--expires", "7d", as_="rita")[0] == 2  # no --reason


def test_tools(cli: Cli, released: Store) -> None:
    code, _, err = cli("tools", "disable", "refunds", as_="alice")
    assert code == 2 and "disable_tools" in err
    assert cli("tools", "disable", "refunds", "--reason", "bad refunds", as_="tom")[0] == 0
    assert governance.disabled_tools(released) == {"refunds"}
    code, out, _ = cli("tools", "list", policy_opt=False)
    assert code == 0 and "DISABLED" in out and "bad refunds" in out
    assert cli("tools", "enable", "refunds", as_="tom")[0] == 0
    assert governance.disabled_tools(released) == set()


def test_incidents(cli: Cli, released: Store, gov_policy: Policy) -> None:
    code, out, _ = cli(
        "incident", "open", R, "--severity", "high", "--title", "PII in answer", as_="alice"
    )
    assert code == 0 and "awaiting confirmation by review_incidents" in out
    number = re.search(r"incident (\d+)", out)
    assert number is not None
    ident = number[1]
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    code, out, _ = cli("incident", "list", "--release", R)
    assert code == 0 and "awaiting" in out
    code, _, err = cli("incident", "close", ident, as_="alice")
    assert code == 2 and "review_incidents" in err
    assert cli("incident", "review", ident, "--note", "seen", as_="alice")[0] == 0
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    code, _, err = cli("incident", "review", ident, "--confirm", as_="alice")
    assert code == 2 and "review_incidents" in err
    assert cli("incident", "review", ident, "--confirm", "--note", "real", as_="rita")[0] == 0
    assert len(governance.open_severe_incidents(released, gov_policy, R)) == 1
    code, out, _ = cli("incident", "list", "--release", R)
    assert code == 0 and "yes (rita)" in out
    assert cli("incident", "close", ident, "--resolution", "fixed", as_="rita")[0] == 0
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    code, out, _ = cli("incident", "list", "--release", R, policy_opt=False)
    assert code == 0 and "closed" in out and "PII in answer" in out
    code, _, err = cli("incident", "open", R, "--severity", "huge", "--title", "x")
    assert code == 2 and "critical" in err


def test_keys_register(cli: Cli) -> None:
    add = ("keys", "add", "openai", "--owner", "kim", "--max-age-days", "30")
    code, _, err = cli(*add, as_="alice")
    assert code == 2 and "rotate_provider_keys" in err
    assert cli(*add, "--last-rotated", "2020-01-01", as_="kim")[0] == 0
    code, out, _ = cli("keys", "list", "--check", policy_opt=False)
    assert code == 1 and "OVERDUE" in out and "clearance keys rotate" in out
    assert cli("keys", "list", policy_opt=False)[0] == 0  # listing alone does not fail
    assert cli("keys", "rotate", "openai", as_="kim")[0] == 0
    assert cli("keys", "list", "--check", policy_opt=False)[0] == 0
    code, _, err = cli("keys", "rotate", "nope", as_="kim")
    assert code == 2 and "keys add" in err


def test_data_requests(cli: Cli) -> None:
    add = ("data-requests", "add", "DSR-7", "--kind", "deletion", "--received", "2020-01-01")
    assert cli(*add, as_="alice", policy_opt=False)[0] == 0
    code, out, _ = cli("data-requests", "list", "--check", policy_opt=False)
    assert code == 1 and "OVERDUE" in out
    code, _, err = cli("data-requests", "close", "DSR-7", as_="alice")
    assert code == 2 and "handle_data_requests" in err
    assert cli("data-requests", "close", "DSR-7", as_="dana")[0] == 0
    code, out, _ = cli("data-requests", "list", "--check", policy_opt=False)
    assert code == 0 and "closed" in out


def test_user_add_prints_token_once(cli: Cli, released: Store) -> None:
    code, out, err = cli("user", "add", "alice", as_="ada")
    assert code == 0 and "shown once" in err
    assert governance.authenticate(released, out.strip()) == "alice"
    code, _, err = cli("user", "add", "alice", as_="ada")
    assert code == 2 and "--replace" in err
    assert cli("user", "revoke", "alice", as_="ada")[0] == 0
    assert governance.authenticate(released, out.strip()) is None
    assert "revoked" in cli("user", "list", policy_opt=False)[1]


def test_only_manage_users_may_mint_tokens(cli: Cli, released: Store) -> None:
    """`clearance user add dave --as mallory` used to mint a token for dave."""
    code, out, err = cli("user", "add", "dave", as_="mallory")
    assert code == 2 and "manage_users" in err and out == ""
    assert [n for n, _ in governance.users(released)] == []
    token = governance.create_user(released, "erin")
    assert cli("user", "revoke", "erin", as_="alice")[0] == 2
    assert governance.authenticate(released, token) == "erin"


def test_audit_checkpoint_and_verify(
    cli: Cli, released: Store, tmp_path: Path, rewrite_history: Callable[[Store, int], None]
) -> None:
    key = tmp_path / "keys" / "audit.key"
    pub = str(key) + ".pub"
    assert cli("audit", "keygen", "--out", str(key), policy_opt=False, db_opt=False)[0] == 0
    code, out, _ = cli("audit", "verify", "--key", pub, policy_opt=False)
    assert code == 1 and "audit checkpoint" in out  # nothing signed yet
    copy = tmp_path / "cp.json"
    code, out, _ = cli(
        "audit", "checkpoint", "--key", str(key), "--out", str(copy), policy_opt=False
    )
    assert code == 0 and "checkpoint signed" in out and copy.exists()
    code, out, _ = cli("audit", "verify", "--key", pub, "--checkpoint", str(copy), policy_opt=False)
    assert code == 0 and "2 signed checkpoint(s)" in out
    rewrite_history(released, 1)
    assert cli("audit", "verify", policy_opt=False)[0] == 0  # the bare chain is fooled
    code, out, _ = cli("audit", "verify", "--key", pub, policy_opt=False)
    assert code == 1 and "history rewritten" in out
    code, _, err = cli("audit", "checkpoint", "--key", pub, policy_opt=False)
    assert code == 2 and "private key" in err


def test_release_export_and_verify(cli: Cli, tmp_path: Path) -> None:
    key, offline = tmp_path / "audit.key", {"policy_opt": False, "db_opt": False}
    assert cli("audit", "keygen", "--out", str(key), **offline)[0] == 0
    (tmp_path / "MODEL_CARD.md").write_text("# card\n")
    bundle = tmp_path / "bundle.json"
    code, _, err = cli("release", "export", R, "--out", str(bundle), "--key", str(key))
    assert code == 0 and "signed" in err
    args = ("release", "verify", str(bundle), "--key", str(key) + ".pub")
    code, out, _ = cli(*args, "--card", str(tmp_path / "MODEL_CARD.md"), **offline)
    assert code == 0 and "verified" in out
    code, _, err = cli("release", "verify", str(bundle), **offline)
    assert code == 0 and "--key" in err
    envelope = json.loads(bundle.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["decision"] = "cleared-by-me"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    bundle.write_text(json.dumps(envelope))
    code, out, _ = cli(*args, **offline)
    assert code == 1 and "no valid signature" in out
    bundle.write_text("not json")
    assert cli(*args, **offline)[0] == 1
