# Sourced by run.sh, callgrind.sh and stream.sh: one definition of what the gateway
# benchmarks measure, so that their figures describe the same setup. Expects `root` and
# `out` set; reads PROFILE (release, or debug to skip release builds) and GUARD_EXTRA
# (more lines for the `[guard]` table, e.g. `stream_release_ms = 75`) and SEMANTIC
# (`off` by default, `on` or `auto`: `[guard.semantic] enabled`; `none`: no such table,
# for builds that predate it).
#   - the builds (rampart unless RAMPART_BIN is given, and the mock upstream);
#   - the 2 KB prompt of business prose, which the full guard policy lets through;
#   - the gateway config (full default policy in enforce, SQLite audit, static key);
#   - background processes killed on exit, and waiting for a port.

# Free ports on 127.0.0.1, so that two runs (or a run and a test suite) never collide.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP="127.0.0.1:$(free_port)" GW="127.0.0.1:$(free_port)"
KEY=rk-bench-not-a-secret

# Two builds: with `--example`, cargo builds only the example, not the packages' binaries.
PROFILE="${PROFILE:-release}"
profile_flag=(--release); [[ "$PROFILE" == release ]] || profile_flag=()
[[ -n "${RAMPART_BIN:-}" ]] || cargo build "${profile_flag[@]}" -p rampart-cli
cargo build "${profile_flag[@]}" -p rampart-gateway --example bench_upstream
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
rampart_bin="${RAMPART_BIN:-$target/$PROFILE/rampart}"
upstream_bin="$target/$PROFILE/examples/bench_upstream"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; return 1; }

# A 2 KB prompt of ordinary business prose: the full guard policy runs on it and lets it
# through, so every request reaches the upstream.
python3 - "$out/body.json" <<'PY'
import json, sys
sentence = ("The regional sales team met on Tuesday to review the third-quarter pipeline, "
            "agree on next steps for the renewal of the logistics contract, and plan the "
            "onboarding of two new account managers in the Madrid office. ")
prompt = (sentence * 20)[:2048]
json.dump({"model": "bench", "messages": [{"role": "system", "content": "You are a helpful assistant."},
          {"role": "user", "content": prompt}]}, open(sys.argv[1], "w"))
PY

sha=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
# SEMANTIC=on measures the semantic tier too (model installed); SEMANTIC=none leaves the
# table out, for a baseline build older than `[guard.semantic]` (it refuses unknown keys).
semantic_table="[guard.semantic]
enabled = \"${SEMANTIC:-off}\""
[[ "${SEMANTIC:-off}" != none ]] || semantic_table=""
cat > "$out/rampart.toml" <<TOML
[server]
listen = "$GW"

[storage]
url = "sqlite://$out/rampart.db"

[[providers]]
name = "upstream"
kind = "openai_compatible"
base_url = "http://$UP/v1"

[[models]]
name = "bench"
provider = "upstream"
upstream_model = "bench"

[guard]
mode = "enforce"   # the full default policy: injection, jailbreak, PII, secrets, invisible text
${GUARD_EXTRA:-}

${semantic_table}

[[auth.keys]]
id = "bench"
tenant = "bench"
sha256 = "$sha"
TOML
