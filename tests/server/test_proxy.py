"""Behind a TLS-terminating reverse proxy: with ``--forwarded-allow-ips`` the server sees
HTTPS as HTTPS, so its cookies are ``Secure`` and the dashboard's same-origin checks
accept the proxy's origin (they used to refuse every form). A real ``clearance serve``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from clearance import governance
from clearance.store import open_store
from server.serverkit import SECRET, policy_data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``clearance serve --forwarded-allow-ips 127.0.0.1``: (base URL, alice's token)."""
    policy = tmp_path / "clearance.yaml"
    policy.write_text(yaml.safe_dump(policy_data(), sort_keys=False))
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(db) as store:
        token = governance.create_user(store, "alice")
    port = _free_port()
    env = {**os.environ, "SERVER_TEST_KEY": SECRET}
    args = ["--policy", str(policy), "--db", db, "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearance", "serve", *args, "--forwarded-allow-ips", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(10)


def test_https_through_a_trusted_proxy_gets_secure_cookies_and_working_forms(
    proxied: tuple[str, str],
) -> None:
    base, token = proxied
    public = "https://clearance.example"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login", headers={**forwarded, "Host": "clearance.example"})
        nonce_cookie = form.headers["set-cookie"]
        assert "secure" in nonce_cookie.lower()
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
        assert nonce
        cookie = nonce_cookie.split(";")[0]
        signed = client.post(
            "/login",
            data={"token": token, "nonce": nonce.group(1)},
            headers={**forwarded, "Host": "clearance.example", "Origin": public, "Cookie": cookie},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        session = next(
            c for c in signed.headers.get_list("set-cookie") if c.startswith("clearance_session=")
        )
        assert "secure" in session.lower() and "httponly" in session.lower()
        from clearance.server import csrf_token

        secret = session.split(";")[0].split("=", 1)[1]
        logout = client.post(
            "/logout",
            data={"csrf": csrf_token(secret)},
            headers={
                **forwarded,
                "Host": "clearance.example",
                "Origin": public,
                "Cookie": f"clearance_session={secret}",
            },
            follow_redirects=False,
        )
        assert logout.status_code == 303 and logout.headers["location"] == "/login"
