#!/usr/bin/env bash
# User-space instructions per proxied request of `rampart serve`, under callgrind: a
# figure that a busy machine does not move, to compare builds of the gateway.
#
#   bench/gateway/callgrind.sh                                  # builds, 2000 requests
#   RAMPART_BIN=/path/to/rampart N=2000 bench/gateway/callgrind.sh
#
# Same config and prompt as run.sh (full guard policy in enforce, SQLite audit, static
# key, `bench_upstream`). Counters are zeroed after 300 warm-up requests and dumped after
# N more (`oha -n N -c 8`); all threads of the gateway count, the kernel does not.
# Needs valgrind and oha.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
N="${N:-2000}"
out="$root/bench/out/gateway-callgrind-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
# shellcheck source=bench/gateway/common.sh
source "$root/bench/gateway/common.sh"
"$upstream_bin" "$UP" 2> "$out/upstream.log" & pids+=($!)
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "$rampart_bin" serve --config "$out/rampart.toml" > "$out/rampart.log" 2>&1 & gw_pid=$!; pids+=($gw_pid)
for _ in $(seq 1 600); do (echo > "/dev/tcp/${GW%:*}/${GW#*:}") 2>/dev/null && break; sleep 0.2; done
load() {
  oha --no-tui --output-format json -m POST -H "Authorization: Bearer $KEY" \
      -H 'content-type: application/json' -D "$out/body.json" "$@" "http://$GW/v1/chat/completions"
}
load -n 300 -c 8 > /dev/null
sleep 1
callgrind_control -z "$gw_pid" > /dev/null
load -n "$N" -c 8 > "$out/run.json"
sleep 1
callgrind_control -d "$gw_pid" > /dev/null
sleep 1
python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
served = sum(json.load(open(os.path.join(out, "run.json")))["statusCodeDistribution"].values())
ir = 0
for f in glob.glob(os.path.join(out, "callgrind.out.*")):
    for line in open(f, errors="replace"):
        if line.startswith("summary:"):
            ir += int(line.split()[1])
print(f"requests answered: {served}; instructions: {ir}; per request: {ir // max(served, 1)}")
print(f"profile: callgrind_annotate {out}/callgrind.out.*")
PY
