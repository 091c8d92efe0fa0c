"""Fixtures of the `rampart mcp` end-to-end tests: the upstream MCP server (the official
Python SDK, tests/mcp/server.py) and a real `rampart mcp` in front of it, with keys and
Cedar policies written per test into a temporary folder."""

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RAMPART = os.environ.get("RAMPART_BIN", str(ROOT / "target" / "debug" / "rampart"))

# alice may call every tool but `admin_reset`; bob only `demo/add`; the stdio client (the
# local user) everything but `admin_reset`.
POLICIES = """
@id("alice-calls-tools")
permit (principal == Rampart::Key::"alice", action == Rampart::Action::"call_tool", resource);

@id("bob-adds-only")
permit (
  principal == Rampart::Key::"bob",
  action == Rampart::Action::"call_tool",
  resource == Rampart::Tool::"demo/add"
);

@id("stdio-calls-tools")
permit (principal == Rampart::Key::"stdio", action == Rampart::Action::"call_tool", resource);

@id("no-admin-reset")
forbid (principal, action == Rampart::Action::"call_tool", resource == Rampart::Tool::"demo/admin_reset");
"""

KEYS = {"alice": "rk-test-alice-0123456789", "bob": "rk-test-bob-0123456789"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def upstream():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc, "the upstream MCP server")
    yield f"http://127.0.0.1:{port}/mcp"
    stop(proc)


def write_config(tmp: Path, upstream_url: str, listen_port: int) -> Path:
    (tmp / "policies").mkdir()
    (tmp / "policies" / "tools.cedar").write_text(POLICIES)
    keys = "".join(
        f'[[auth.keys]]\nid = "{name}"\ntenant = "acme"\n'
        f'sha256 = "{hashlib.sha256(key.encode()).hexdigest()}"\n\n'
        for name, key in KEYS.items()
    )
    server_py = str(HERE / "server.py")
    config = f"""
[storage]
url = "sqlite://{tmp}/rampart.db"

[audit]
spool_path = "{tmp}/audit.spool"

{keys}
[authz]
policy_dir = "policies"

[mcp]
listen = "127.0.0.1:{listen_port}"
pinning = "first-use"
lock_file = "mcp.lock.json"
request_timeout_secs = 20

[[mcp.servers]]
name = "demo"
url = "{upstream_url}"

[[mcp.servers]]
name = "local"
command = ["{sys.executable}", "{server_py}", "--stdio"]
"""
    path = tmp / "rampart.toml"
    path.write_text(config)
    return path


@pytest.fixture
def config(tmp_path, upstream):
    return write_config(tmp_path, upstream, free_port())


@pytest.fixture
def proxy_http(config):
    """`rampart mcp` serving Streamable HTTP; yields its /mcp URL."""
    port = int(config.read_text().split('listen = "127.0.0.1:')[1].split('"')[0])
    proc = subprocess.Popen(
        [RAMPART, "mcp", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(config.parent / "rampart.log", "w"),
    )
    wait_port(port, proc, "rampart mcp")
    yield f"http://127.0.0.1:{port}/mcp"
    stop(proc)
