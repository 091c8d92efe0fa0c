#!/usr/bin/env bash
# Streaming benchmark: time to first token (TTFT) and inter-chunk delay of a slowly
# streamed answer, through `rampart serve` (full default guard policy, enforce) and calling
# the same upstream directly, in the same run (issue 12).
#
#   bench/gateway/stream.sh                          # 26 words, 300 ms apart, 5 runs each
#   WORDS=50 DELAY_MS=50 RUNS=10 bench/gateway/stream.sh
#   RAMPART_BIN=/path/to/rampart bench/gateway/stream.sh
#   PROFILE=debug bench/gateway/stream.sh            # debug builds (no release build needed)
#
# The upstream is `bench_upstream` (example of rampart-gateway) in streaming mode: one word
# per SSE chunk with a leading space, as OpenAI sends them. Times are taken by the client
# when each `data:` line carrying text arrives. Ports are picked free on 127.0.0.1; every
# process started here is stopped on exit. Prints a Markdown table; raw figures go to
# bench/out/stream-*/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$root/bench/out/stream-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
WORDS="${WORDS:-26}" DELAY_MS="${DELAY_MS:-300}" RUNS="${RUNS:-5}"
RELEASE_MS="${RELEASE_MS:-75}"   # [guard] stream_release_ms
GUARD_EXTRA="stream_release_ms = $RELEASE_MS"
# shellcheck source=bench/gateway/common.sh
source "$root/bench/gateway/common.sh"

BENCH_STREAM_WORDS="$WORDS" BENCH_STREAM_DELAY_MS="$DELAY_MS" \
  "$upstream_bin" "$UP" 2> "$out/upstream.log" & pids+=($!)
wait_port "$UP"
"$rampart_bin" serve --config "$out/rampart.toml" > "$out/rampart.log" 2>&1 & pids+=($!)
wait_port "$GW"

python3 - "$UP" "$GW" "$KEY" "$RUNS" "$WORDS" "$DELAY_MS" "$out" <<'PY'
import http.client, json, sys, time
up, gw, key, runs, words, delay, out = sys.argv[1:8]
runs, words, delay = int(runs), int(words), int(delay)
body = json.dumps({"model": "bench", "stream": True,
                   "messages": [{"role": "user", "content": "Summarise the quarterly report."}]})

def one(addr):
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body,
                 {"content-type": "application/json", "authorization": f"Bearer {key}"})
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    times, text = [], ""
    while True:
        line = resp.readline()
        if not line:
            break
        line = line.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        ev = json.loads(line[6:])
        for c in ev.get("choices", []):
            t = (c.get("delta") or {}).get("content")
            if t:
                times.append(time.perf_counter() - start)
                text += t
    conn.close()
    return times, text

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

res = {"direct": [], "rampart": []}
for _ in range(runs):
    for name, addr in (("direct", up), ("rampart", gw)):
        res[name].append(one(addr))
json.dump(res, open(f"{out}/raw.json", "w"))
texts = {n: {t for _, t in r} for n, r in res.items()}
assert texts["direct"] == texts["rampart"], texts
rows = {}
for name, r in res.items():
    ttft = [ts[0] * 1000 for ts, _ in r]
    gaps = [(b - a) * 1000 for ts, _ in r for a, b in zip(ts, ts[1:])]
    chunks = [len(ts) for ts, _ in r]
    total = [ts[-1] * 1000 for ts, _ in r]
    rows[name] = (pct(ttft, 50), pct(ttft, 99), pct(gaps, 50), pct(gaps, 99),
                  sum(chunks) / len(chunks), pct(total, 50))
print(f"{words} words, {delay} ms apart, {runs} runs each (client-side times, ms)\n")
print("| measure | direct | through rampart | difference |")
print("|---|---|---|---|")
names = ["TTFT p50 (ms)", "TTFT p99 (ms)", "inter-chunk delay p50 (ms)",
         "inter-chunk delay p99 (ms)", "text chunks per answer", "last text p50 (ms)"]
for i, n in enumerate(names):
    d, g = rows["direct"][i], rows["rampart"][i]
    print(f"| {n} | {d:.1f} | {g:.1f} | {g - d:+.1f} |")
PY
