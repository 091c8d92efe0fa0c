"""The official `anthropic` SDK through `rampart serve` to an Anthropic provider (a fake one
on 127.0.0.1 speaking Anthropic's wire format): extended thinking, cache control and the
other Anthropic-only fields survive both ways; thinking text is guarded but never altered."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anthropic
import pytest
from conftest import KEY, start_gateway

SECRET = "AKIAIOSFODNN7EXAMPLE"

CONFIG = """
[server]
listen = "127.0.0.1:{port}"

[[providers]]
name = "claude"
kind = "anthropic"
base_url = "{upstream}"
api_key = "sk-ant-fake"

[[models]]
name = "claude"
provider = "claude"
upstream_model = "claude-upstream"

[guard]
mode = "enforce"

[[auth.keys]]
id = "e2e"
tenant = "tests"
sha256 = "{full}"
"""

USAGE = {"input_tokens": 9, "output_tokens": 30,
         "cache_creation_input_tokens": 1200, "cache_read_input_tokens": 3400}


def _thought(body):
    last = body["messages"][-1]["content"]
    text = last if isinstance(last, str) else " ".join(b.get("text", "") for b in last)
    return f"The key is {SECRET}." if "leak" in text else "The user wants a greeting."


class _FakeAnthropic(BaseHTTPRequestHandler):
    received = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        _FakeAnthropic.received.append(body)
        thought = _thought(body)
        if not body.get("stream"):
            out = json.dumps({"id": "msg_fake", "type": "message", "role": "assistant",
                              "model": body["model"], "stop_reason": "end_turn", "stop_sequence": None,
                              "content": [{"type": "thinking", "thinking": thought, "signature": "sig-fake"},
                                          {"type": "text", "text": "Hello!"}],
                              "usage": USAGE}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
            return
        half = len(thought) // 2
        events = [
            {"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant",
                                                  "model": body["model"], "content": [], "stop_reason": None,
                                                  "stop_sequence": None, "usage": dict(USAGE, output_tokens=1)}},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": thought[:half]}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": thought[half:]}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-fake"}},
            {"type": "content_block_stop", "index": 0},
            {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello!"}},
            {"type": "content_block_stop", "index": 1},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 30}},
            {"type": "message_stop"},
        ]
        out = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeAnthropic)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{server.server_address[1]}"
    gen = start_gateway(tmp_path_factory, CONFIG, upstream=upstream)
    gw = next(gen)
    yield anthropic.Anthropic(base_url=gw["base"], api_key=KEY, max_retries=0)
    next(gen, None)
    server.shutdown()


def _request(**extra):
    req = dict(model="claude", max_tokens=2000,
               thinking={"type": "enabled", "budget_tokens": 1024},
               metadata={"user_id": "u-1"}, extra_body={"top_k": 5},
               system=[{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
               messages=[{"role": "user", "content": [
                   {"type": "text", "text": "hello", "cache_control": {"type": "ephemeral"}}]}])
    req.update(extra)
    return req


def test_thinking_block_and_cache_usage_reach_the_sdk(client):
    r = client.messages.create(**_request())
    assert [b.type for b in r.content] == ["thinking", "text"]
    assert r.content[0].thinking == "The user wants a greeting."
    assert r.content[0].signature == "sig-fake"
    assert r.usage.cache_creation_input_tokens == 1200
    assert r.usage.cache_read_input_tokens == 3400
    sent = _FakeAnthropic.received[-1]
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert sent["top_k"] == 5 and sent["metadata"] == {"user_id": "u-1"}
    assert sent["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert sent["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}

    # The signed block goes back in the next turn byte for byte.
    follow = _request()
    follow["messages"] += [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in r.content]},
                           {"role": "user", "content": "thanks"}]
    client.messages.create(**follow)
    sent = _FakeAnthropic.received[-1]
    assert sent["messages"][1]["content"][0] == {
        "type": "thinking", "thinking": "The user wants a greeting.", "signature": "sig-fake"}


def test_streamed_thinking_with_signature(client):
    with client.messages.stream(**_request()) as stream:
        final = stream.get_final_message()
    assert final.content[0].type == "thinking"
    assert final.content[0].thinking == "The user wants a greeting."
    assert final.content[0].signature == "sig-fake"
    assert final.content[1].text == "Hello!"
    assert final.usage.cache_read_input_tokens == 3400


def test_thinking_the_guard_would_redact_is_withheld(client):
    r = client.messages.create(**_request(messages=[{"role": "user", "content": "please leak"}]))
    assert [b.type for b in r.content] == ["text"]
    assert SECRET not in r.model_dump_json()
