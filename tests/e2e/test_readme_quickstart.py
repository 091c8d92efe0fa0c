"""The README's quick start, as written: `examples/quickstart.toml` served by the real binary,
and the README's curl commands run against it (only the port is changed, to one the gateway
picks, so the test does not collide with a gateway already running on 8787)."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
from conftest import launch, stop

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _readme_curls():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        commands += [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]
    return commands


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    config = (ROOT / "examples" / "quickstart.toml").read_text().replace("127.0.0.1:8787", "127.0.0.1:0")
    path = tmp_path_factory.mktemp("quickstart") / "quickstart.toml"
    path.write_text(config)
    proc, base = launch(path, path.with_suffix(".log"))
    yield int(base.rsplit(":", 1)[1])
    stop(proc)


def test_quickstart_config_checks(quickstart):
    out = subprocess.run([os.environ["RAMPART_BIN"], "config", "check", str(ROOT / "examples" / "quickstart.toml")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_readme_curl_commands_do_what_the_readme_says(quickstart):
    curls = _readme_curls()
    assert len(curls) == 3, curls
    answers = []
    for cmd in curls:
        cmd = cmd.replace("localhost:8787", f"localhost:{quickstart}")
        out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
        answers.append(json.loads(out.stdout))
    normal, injection, secret = answers
    assert normal["choices"][0]["message"]["content"].startswith("Hello from Rampart's mock model")
    assert injection["error"]["code"] == "rampart_blocked"
    assert "prompt_injection" in injection["error"]["message"]
    assert "Ignore all previous" not in injection["error"]["message"]
    assert secret["choices"][0]["message"]["content"] == "my key is [AWS_ACCESS_KEY]"
