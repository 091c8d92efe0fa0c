"""The official `openai` SDK with a JWT from a real OpenID provider as its API key.

The provider is the `oidc-provider` npm package run by tests/oidc/provider.mjs (client
credentials, RS256 JWT access tokens); `rampart serve` trusts it through `[[auth.oidc]]`
with the interim role → model mapping. Needs node and `npm ci` in tests/oidc (scripts/test
does both, and lists this suite as skipped when node or npm is missing).
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
import urllib.request

import openai
import pytest

from conftest import start_gateway

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROVIDER_DIR = os.path.join(ROOT, "tests", "oidc")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isdir(os.path.join(PROVIDER_DIR, "node_modules", "oidc-provider")),
    reason="needs node and `npm ci` in tests/oidc (scripts/test installs it)",
)

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

[[models]]
name = "mock-echo"
provider = "mock"
upstream_model = "echo"

[[auth.keys]]
id = "e2e"
tenant = "tests"
sha256 = "{full}"

[[auth.oidc]]
name = "e2e-idp"
issuer = "{issuer}"
audience = "urn:rampart"
allowed_algs = ["RS256"]
clock_skew_secs = 0
roles_claim = "roles"
groups_claim = "groups"
tenant = "tests"
allow_private_network = true

[auth.oidc.role_models]
reader = ["mock"]
"""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def provider():
    proc = subprocess.Popen(["node", "provider.mjs", "0"], cwd=PROVIDER_DIR, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        issuer = json.loads(proc.stdout.readline())["issuer"]
        yield issuer
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def oidc_gateway(tmp_path_factory, provider):
    yield from start_gateway(tmp_path_factory, CONFIG, issuer=provider)


def token(issuer: str, client: str) -> str:
    request = urllib.request.Request(
        f"{issuer}/token",
        data=b"grant_type=client_credentials&scope=api&resource=urn%3Arampart",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "authorization": "Basic " + base64.b64encode(f"{client}:{client}-secret".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.load(r)["access_token"]


def client(gateway, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway['base']}/v1", api_key=api_key, max_retries=0)


def ask(gateway, api_key: str, model: str):
    return client(gateway, api_key).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hello"}])


def test_a_provider_jwt_is_an_api_key_for_the_allowed_model(oidc_gateway, provider):
    answer = ask(oidc_gateway, token(provider, "svc"), "mock")
    assert answer.choices[0].message.content
    # A Rampart key still works beside the tokens.
    assert ask(oidc_gateway, "rk-e2e-full-access", "mock-echo").choices[0].message.content


def test_a_model_the_roles_do_not_grant_is_403(oidc_gateway, provider):
    with pytest.raises(openai.PermissionDeniedError) as refused:
        ask(oidc_gateway, token(provider, "svc"), "mock-echo")
    assert refused.value.status_code == 403
    assert refused.value.body["code"] == "model_not_allowed"


def test_an_expired_token_is_401(oidc_gateway, provider):
    short = token(provider, "svc-short")
    time.sleep(3.2)
    with pytest.raises(openai.AuthenticationError):
        ask(oidc_gateway, short, "mock")


def forged(header: dict, claims: dict, signature: bytes) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


def test_unknown_issuer_alg_none_and_hs256_are_401(oidc_gateway, provider):
    good = token(provider, "svc")
    header = json.loads(unb64(good.split(".")[0]))
    claims = json.loads(unb64(good.split(".")[1]))

    elsewhere = dict(claims, iss="https://idp.elsewhere.example")
    unknown_issuer = forged(header, elsewhere, unb64(good.split(".")[2]))

    none = forged({"alg": "none", "typ": "JWT"}, claims, b"")

    # HS256 keyed with what the issuer publishes (its JWKS document and the RSA modulus).
    with urllib.request.urlopen(f"{provider}/jwks", timeout=10) as r:
        jwks = r.read()
    hs256 = []
    for secret in (jwks, json.loads(jwks)["keys"][0]["n"].encode()):
        hs_header = {"alg": "HS256", "typ": "JWT", "kid": header["kid"]}
        message = f"{b64(json.dumps(hs_header).encode())}.{b64(json.dumps(claims).encode())}"
        mac = hmac.new(secret, message.encode(), hashlib.sha256).digest()
        hs256.append(f"{message}.{b64(mac)}")

    for bad in [unknown_issuer, none, *hs256]:
        with pytest.raises(openai.AuthenticationError) as refused:
            ask(oidc_gateway, bad, "mock")
        assert refused.value.status_code == 401
        assert bad not in json.dumps(refused.value.body)
    # No token material reached the gateway's log.
    log = open(oidc_gateway["log"]).read()
    assert good.split(".")[2] not in log and hs256[0].split(".")[2] not in log
