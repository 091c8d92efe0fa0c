"""`rampart mcp` with real MCP software: the official Python SDK client through the proxy
(Streamable HTTP and stdio) to an upstream written with the Python SDK (conftest.py)."""

import asyncio
import json
import subprocess
import sys

import httpx2
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from conftest import KEYS, RAMPART


def http_client(url: str, who: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEYS[who]}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy", cache=None)


def run(coro):
    return asyncio.run(coro)


async def tool_names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def call_error(client: Client, name: str, args: dict | None = None) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await client.call_tool(name, args or {})
    return caught.value


def test_listing_is_filtered_by_caller(proxy_http):
    async def go():
        async with http_client(proxy_http, "alice") as alice:
            names = await tool_names(alice)
        async with http_client(proxy_http, "bob") as bob:
            bobs = await tool_names(bob)
        return names, bobs

    alice, bob = run(go())
    assert {"demo__add", "demo__weather", "demo__config_dump", "local__add"} <= alice
    assert "demo__admin_reset" not in alice
    assert bob == {"demo__add"}


def test_allowed_call_works_and_forbidden_call_names_the_policy(proxy_http):
    async def go():
        async with http_client(proxy_http, "bob") as bob:
            ok = await bob.call_tool("demo__add", {"a": 2, "b": 40})
            refused = await call_error(bob, "demo__weather", {"city": "Oslo"})
        async with http_client(proxy_http, "alice") as alice:
            forbidden = await call_error(alice, "demo__admin_reset")
        return ok, refused, forbidden

    ok, refused, forbidden = run(go())
    assert ok.content[0].text == "42"
    assert "default_deny" in refused.error.message
    assert "no-admin-reset" in forbidden.error.message
    assert forbidden.error.data["policy"] == "no-admin-reset"


def test_unauthenticated_clients_are_refused(proxy_http):
    response = httpx2.post(
        proxy_http,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_methods_and_malformed_messages_get_json_rpc_errors(proxy_http):
    headers = {
        "Authorization": f"Bearer {KEYS['alice']}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    unknown = httpx2.post(
        proxy_http,
        json={"jsonrpc": "2.0", "id": 5, "method": "resources/list"},
        headers=headers,
    ).json()
    assert unknown["id"] == 5 and unknown["error"]["code"] == -32601
    malformed = httpx2.post(proxy_http, content=b'{"jsonrpc": "2.0", "id": ', headers=headers)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == -32700
    batch = httpx2.post(proxy_http, content=b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', headers=headers)
    assert batch.json()["error"]["code"] == -32600


def test_changed_tool_is_refused_until_relocked(proxy_http, config):
    async def before_and_after():
        async with http_client(proxy_http, "alice") as alice:
            assert "demo__add" in await tool_names(alice)  # first use: approved
            await alice.call_tool("demo__rug_pull", {})
            listed = await tool_names(alice)
            refused = await call_error(alice, "demo__add", {"a": 1, "b": 2})
        return listed, refused

    listed, refused = run(before_and_after())
    assert "demo__add" not in listed
    assert "pinning" in refused.error.message
    assert refused.error.data["reason"] == "pinning"

    # The operator reviews and re-approves: `rampart mcp lock` rewrites the lock file,
    # which the running proxy re-reads.
    locked = subprocess.run(
        [RAMPART, "mcp", "lock", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert locked.returncode == 0, locked.stderr
    lock = json.loads((config.parent / "mcp.lock.json").read_text())
    assert "add" in lock["servers"]["demo"]

    async def relocked():
        async with http_client(proxy_http, "alice") as alice:
            return await alice.call_tool("demo__add", {"a": 1, "b": 2})

    assert run(relocked()).content[0].text == "3"


def test_secret_in_a_result_is_redacted(proxy_http):
    async def go():
        async with http_client(proxy_http, "alice") as alice:
            return await alice.call_tool("demo__config_dump", {})

    text = run(go()).content[0].text
    assert "AKIAZ3MHQW7ELRTX4P2K" not in text
    assert "region = eu-west-1" in text


def test_injection_in_a_result_is_blocked(proxy_http):
    async def go():
        async with http_client(proxy_http, "alice") as alice:
            return await call_error(alice, "demo__weather", {"city": "Oslo"})

    error = run(go())
    assert "prompt_injection" in error.error.message
    assert "attacker.example" not in json.dumps(error.error.model_dump())


def test_upstream_crash_gives_a_clean_error_and_the_server_is_restarted(proxy_http):
    async def go():
        async with http_client(proxy_http, "alice") as alice:
            crashed = await call_error(alice, "local__crash")
            again = await alice.call_tool("local__add", {"a": 2, "b": 2})
        return crashed, again

    crashed, again = run(go())
    assert crashed.error.code == -32002
    assert "local" in crashed.error.message
    assert again.content[0].text == "4"


def test_stdio_transport_lists_calls_and_refuses(config):
    params = StdioServerParameters(command=RAMPART, args=["mcp", "--config", str(config), "--stdio"])

    async def go():
        async with Client(params, mode="legacy", cache=None) as client:
            names = await tool_names(client)
            ok = await client.call_tool("local__add", {"a": 20, "b": 22})
            forbidden = await call_error(client, "demo__admin_reset")
            secret = await client.call_tool("local__config_dump", {})
        return names, ok, forbidden, secret

    names, ok, forbidden, secret = run(go())
    assert "local__add" in names and "demo__admin_reset" not in names
    assert ok.content[0].text == "42"
    assert "no-admin-reset" in forbidden.error.message
    assert "AKIAZ3MHQW7ELRTX4P2K" not in secret.content[0].text
