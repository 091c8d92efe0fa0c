"""Start the real `rampart` binary for the end-to-end tests.

`RAMPART_BIN` names the binary (scripts/test sets it). Each test session gets a gateway on a
free port with a generated config: the offline mock provider, a full-access key and a key
limited to two requests per minute.
"""

import hashlib
import os
import socket
import subprocess
import time
import urllib.request

import pytest

KEY = "rk-e2e-full-access"
LIMITED_KEY = "rk-e2e-limited"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """
[server]
listen = "127.0.0.1:{port}"

[[providers]]
name = "mock"
kind = "mock"

[[models]]
name = "mock"
provider = "mock"
upstream_model = "mock"
aliases = ["openai/mock"]

[[models]]
name = "mock-echo"
provider = "mock"
upstream_model = "echo"

[[models]]
name = "mock-embed"
provider = "mock"
upstream_model = "embed"

[guard]
mode = "enforce"

[[auth.keys]]
id = "e2e"
tenant = "tests"
sha256 = "{full}"

[[auth.keys]]
id = "e2e-limited"
tenant = "tests"
sha256 = "{limited}"
models = ["mock"]
rpm = 2
"""


def start_gateway(tmp_path_factory, config_template: str, **fields):
    """Start `rampart serve` with `config_template` (formatted with a free `port`, the key
    hashes and `fields`); yields `{"base", "log"}` and stops it afterwards."""
    binary = os.environ.get("RAMPART_BIN")
    if not binary:
        pytest.fail("RAMPART_BIN is not set: run ./scripts/test, or point it at target/debug/rampart")
    port = _free_port()
    config = tmp_path_factory.mktemp("rampart") / "gateway.toml"
    config.write_text(config_template.format(port=port, full=_sha256(KEY), limited=_sha256(LIMITED_KEY), **fields))
    log = open(config.with_suffix(".log"), "w")
    proc = subprocess.Popen([binary, "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log.close()
            pytest.fail("rampart serve did not start:\n" + config.with_suffix(".log").read_text())
        time.sleep(0.1)
    yield {"base": base, "log": config.with_suffix(".log")}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    yield from start_gateway(tmp_path_factory, CONFIG)
