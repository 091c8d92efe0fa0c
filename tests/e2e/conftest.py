"""Start the real `rampart` binary for the end-to-end tests.

`RAMPART_BIN` names the binary (scripts/test sets it). Each test session gets a gateway on a
port of its own choosing, in a temporary directory of its own, with a generated config: the offline mock provider, a full-access key and a key
limited to two requests per minute.
"""

import hashlib
import os
import re
import subprocess
import time
import urllib.request

import pytest

KEY = "rk-e2e-full-access"
LIMITED_KEY = "rk-e2e-limited"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def launch(config_path, log_path):
    """Start `rampart serve --config config_path` in the config's own directory (so that its
    default `rampart.db` and audit spool are private to it) with standard output and error
    in `log_path`; returns `(process, base_url)` once `/healthz` answers.

    The config listens on port 0: the port is read from the gateway's own "listening" log
    line, so no port is reserved and released before the gateway binds it (another process
    could take it in between)."""
    binary = os.environ.get("RAMPART_BIN")
    if not binary:
        pytest.fail("RAMPART_BIN is not set: run ./scripts/test, or point it at target/debug/rampart")
    log = open(log_path, "w")
    proc = subprocess.Popen([binary, "serve", "--config", str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                            cwd=os.path.dirname(str(config_path)))
    log.close()
    deadline = time.time() + 30
    base = None
    while True:
        if base is None:
            for line in open(log_path).read().splitlines():
                if "rampart gateway listening" in line:
                    match = re.search(r"127\.0\.0\.1:(\d+)", line)
                    if match:
                        base = f"http://127.0.0.1:{match.group(1)}"
        if base is not None:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return proc, base
            except OSError:
                pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail("rampart serve did not start:\n" + open(log_path).read())
        time.sleep(0.05)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
    """Start `rampart serve` with `config_template` (formatted with `port` 0, the key hashes
    and `fields`) in a directory of its own; yields `{"base", "log"}` and stops it
    afterwards."""
    config = tmp_path_factory.mktemp("rampart") / "gateway.toml"
    config.write_text(config_template.format(port=0, full=_sha256(KEY), limited=_sha256(LIMITED_KEY), **fields))
    log_path = config.with_suffix(".log")
    proc, base = launch(config, log_path)
    yield {"base": base, "log": log_path}
    stop(proc)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    yield from start_gateway(tmp_path_factory, CONFIG)
