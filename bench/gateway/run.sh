#!/usr/bin/env bash
# Gateway benchmark: overhead, saturation throughput and memory of `rampart serve` against
# calling the same upstream directly, and LiteLLM's proxy on the same upstream and load.
#
#   bench/gateway/run.sh                 # everything (installs oha and LiteLLM if missing)
#   SKIP_LITELLM=1 bench/gateway/run.sh  # without the LiteLLM comparison
#   SKIP_NGINX=1 bench/gateway/run.sh    # without the nginx pass-through peer (run when installed)
#   RAMPART_BIN=/path/to/rampart bench/gateway/run.sh  # an already built binary (e.g. a
#                                        # copy of a baseline build, to compare in turn)
#
# Besides latency and throughput it reports the CPU time (user + system, from /proc) that
# the gateway and the upstream processes spent per request served in each load run: less
# sensitive to a noisy machine than latency or req/s.
#
# Needs: cargo, python3, and `oha` (installed with `cargo install oha --locked` if absent).
# Everything listens on 127.0.0.1 only, and every load run is bounded in time.
# Prints a Markdown table for bench/RESULTS.md and writes the raw oha JSON to bench/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$root/bench/out/gateway-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
RATE="${RATE:-1000}"          # requests per second for the latency runs
DURATION="${DURATION:-20s}"   # length of each latency run
SAT_DURATION="${SAT_DURATION:-15s}"
SAT_CONC="${SAT_CONC:-64}"
LL=127.0.0.1:14000 NX=127.0.0.1:18888

command -v oha >/dev/null || cargo install oha --locked
# shellcheck source=bench/gateway/common.sh
source "$root/bench/gateway/common.sh"

"$upstream_bin" "$UP" 2> "$out/upstream.log" & up_pid=$!; pids+=($up_pid)
wait_port "$UP"

"$rampart_bin" serve --config "$out/rampart.toml" > "$out/rampart.log" 2>&1 & gw_pid=$!; pids+=($gw_pid)
wait_port "$GW"

# CPU ticks (user + system) a process has used so far, and the ticks per second.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
load() { # name url extra-oha-args...
  local name=$1 url=$2; shift 2
  local gw0 up0
  gw0=$(ticks "$gw_pid"); up0=$(ticks "$up_pid")
  oha --no-tui --output-format json -m POST -H "Authorization: Bearer $KEY" \
      -H 'content-type: application/json' -D "$out/body.json" "$@" "$url" > "$out/$name.json"
  echo "{\"gateway\": $(( $(ticks "$gw_pid") - gw0 )), \"upstream\": $(( $(ticks "$up_pid") - up0 )), \"hz\": $hz}" > "$out/$name.cpu.json"
}
# Warm up both paths (connection pools, allocator) before measuring.
load warm-direct "http://$UP/v1/chat/completions" -z 3s -c 16
load warm-gateway "http://$GW/v1/chat/completions" -z 3s -c 16

load latency-direct "http://$UP/v1/chat/completions" -z "$DURATION" -q "$RATE" -c 50
load latency-gateway "http://$GW/v1/chat/completions" -z "$DURATION" -q "$RATE" -c 50
load saturation-direct "http://$UP/v1/chat/completions" -z "$SAT_DURATION" -c "$SAT_CONC"
load saturation-gateway "http://$GW/v1/chat/completions" -z "$SAT_DURATION" -c "$SAT_CONC"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$gw_pid/status")

if [[ -z "${SKIP_LITELLM:-}" ]]; then
  venv="${LITELLM_VENV:-$root/bench/out/litellm-venv}"
  [[ -x "$venv/bin/litellm" ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet 'litellm[proxy]'; }
  cat > "$out/litellm.yaml" <<YAML
model_list:
  - model_name: bench
    litellm_params:
      model: openai/bench
      api_base: http://$UP/v1
      api_key: sk-upstream-not-a-secret
general_settings:
  master_key: $KEY
YAML
  "$venv/bin/litellm" --config "$out/litellm.yaml" --host 127.0.0.1 --port "${LL#*:}" > "$out/litellm.log" 2>&1 & pids+=($!)
  wait_port "$LL"
  load warm-litellm "http://$LL/v1/chat/completions" -z 3s -c 16
  load saturation-litellm "http://$LL/v1/chat/completions" -z "$SAT_DURATION" -c "$SAT_CONC"
fi

# nginx as a pass-through reverse proxy (no inspection, no logs, keep-alive to the
# upstream): what any proxy costs on this machine, the floor under the saturation ratio.
# Measured when nginx is installed (`apt install nginx-light`); SKIP_NGINX=1 skips it.
if [[ -z "${SKIP_NGINX:-}" ]] && command -v nginx >/dev/null; then
  mkdir -p "$out/nginx"
  cat > "$out/nginx/nginx.conf" <<NGINX
worker_processes auto;
error_log $out/nginx/error.log warn;
pid $out/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_buffer_size 64k;
  client_body_temp_path $out/nginx/body;
  proxy_temp_path $out/nginx/proxy;
  upstream bench_upstream { server $UP; keepalive 64; }
  server {
    listen $NX;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
  nginx -p "$out/nginx" -c "$out/nginx/nginx.conf" -g 'daemon off;' & pids+=($!)
  wait_port "$NX"
  load warm-nginx "http://$NX/v1/chat/completions" -z 3s -c 16
  load latency-nginx "http://$NX/v1/chat/completions" -z "$DURATION" -q "$RATE" -c 50
  load saturation-nginx "http://$NX/v1/chat/completions" -z "$SAT_DURATION" -c "$SAT_CONC"
fi

python3 - "$out" "$rss_kb" "$RATE" <<'PY'
import json, os, sys
out, rss_kb, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(name):
    p = os.path.join(out, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None
def served(r): return sum(r["statusCodeDistribution"].values())
def cpu_us(name, proc):
    c = get(name + ".cpu")
    return c[proc] / c["hz"] * 1e6 / max(served(get(name)), 1)
def pct(r, p): return r["latencyPercentiles"][p] * 1000
def rps(r): return r["summary"]["requestsPerSec"]
def ok(r): return r["statusCodeDistribution"]
ld, lg = get("latency-direct"), get("latency-gateway")
sd, sg, sl = get("saturation-direct"), get("saturation-gateway"), get("saturation-litellm")
print(f"| measure | direct | through rampart | ratio / overhead |")
print(f"|---|---|---|---|")
for p in ("p50", "p99"):
    print(f"| latency {p} at {rate} req/s (ms) | {pct(ld,p):.3f} | {pct(lg,p):.3f} | +{pct(lg,p)-pct(ld,p):.3f} ms |")
print(f"| saturation throughput (req/s) | {rps(sd):.0f} | {rps(sg):.0f} | {rps(sg)/rps(sd)*100:.0f} % of direct |")
if sl:
    print(f"| LiteLLM proxy saturation (req/s) | | {rps(sl):.0f} | rampart = {rps(sg)/max(rps(sl),1e-9):.1f}× LiteLLM |")
ln, sn = get("latency-nginx"), get("saturation-nginx")
if sn:
    print(f"| nginx pass-through proxy saturation (req/s) | | {rps(sn):.0f} | nginx {rps(sn)/rps(sd)*100:.0f} % of direct; rampart = {rps(sg)/rps(sn)*100:.0f} % of nginx |")
if ln:
    print(f"| nginx p99 at {rate} req/s (ms) | | {pct(ln,'p99'):.3f} | +{pct(ln,'p99')-pct(ld,'p99'):.3f} ms |")
print(f"| rampart peak RSS (MB) | | {rss_kb/1024:.1f} | |")
for label, d, g in (("at " + rate + " req/s", "latency-direct", "latency-gateway"),
                    ("at saturation", "saturation-direct", "saturation-gateway")):
    print(f"| CPU per request {label} (µs): gateway | | {cpu_us(g, 'gateway'):.0f} | |")
    print(f"| CPU per request {label} (µs): upstream | {cpu_us(d, 'upstream'):.0f} | {cpu_us(g, 'upstream'):.0f} | |")
print()
print("status codes:", {k: ok(v) for k, v in [("latency-gateway", lg), ("saturation-gateway", sg), ("saturation-litellm", sl), ("saturation-nginx", sn)] if v})
PY
