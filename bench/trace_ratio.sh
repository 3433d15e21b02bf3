#!/usr/bin/env bash
# Is the Java-traced FP32 file as fast as PyTorch's own trace of the same weights, under the same LibTorch? And what
# does PyTorch's CPU serving path (freeze + optimize_for_inference, bench's serving:FILE) gain over the plain file?
#   1. Debian's PyTorch (python3-torch, the oracle) writes a torchvision mobilenet_v2 state dict (torch.manual_seed(0))
#      and traces it with torch.jit.trace (bench/python_bench.py --trace-out);
#   2. edgetorch exports the same weights with its own tracer (export --weights);
#   3. edgetorch's bench runs both files and serving:<java trace> interleaved (A B C A B C ...) in one process, under
#      the jar's LibTorch, and prints the ratios of the medians: java / pytorch (target, issue #12: at most 1.05)
#      and serving / java. SERVING=0 leaves the serving variant out (jars before it).
# Usage: bench/trace_ratio.sh [JAR]     Env: RUNS (default 200), THREADS (default 1), OUT (default bench/out/trace-ratio)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
jar="${1:-$repo/target/edgetorch.jar}"
out="${OUT:-$repo/bench/out/trace-ratio}"
runs="${RUNS:-200}"
threads="${THREADS:-1}"
py=/usr/bin/python3
mkdir -p "$out"
if ! "$py" -c 'import torch, torchvision' 2>/dev/null; then
  echo "trace_ratio: needs Debian's python3-torch and python3-torchvision (apt-get install -y python3-torch python3-torchvision)" >&2
  exit 1
fi
"$py" - "$out/weights.pth" <<'PY'
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.mobilenet_v2()
torch.save(m.state_dict(), sys.argv[1])
PY
"$py" "$repo/bench/python_bench.py" --weights "$out/weights.pth" --trace-out "$out/pytorch_trace.pt" --runs 1 --min-time 0 \
  --warmup 0 --warmup-time 0 --quiet >/dev/null
java -jar "$jar" export --weights "$out/weights.pth" --out "$out/java_trace.pt" >/dev/null 2>"$out/export.log"
extra=()  # jars before --resources (for a before/after comparison) measure in one process anyway
serving=()
if [[ "${SERVING:-1}" == 1 ]]; then serving=(--model "serving:$out/java_trace.pt"); fi
if java -jar "$jar" bench --help 2>/dev/null | grep -q -- --resources; then extra=(--resources off); fi
java -jar "$jar" bench --model "$out/pytorch_trace.pt" --model "$out/java_trace.pt" "${serving[@]}" --runs "$runs" --min-time 0 \
  --threads "$threads" "${extra[@]}" --quiet --json --out "$out/bench.json" >/dev/null 2>"$out/bench.log"
"$py" - "$out/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in r["targets"]}
py, java = t["pytorch_trace.pt"], t["java_trace.pt"]
print("pytorch trace median %.2f ms, java trace median %.2f ms, ratio java/pytorch %.3f (%d runs each, interleaved, %s threads)"
      % (py["wall_ms"]["median"], java["wall_ms"]["median"], java["wall_ms"]["median"] / py["wall_ms"]["median"],
         java["runs"], r["settings"]["threads"]))
s = t.get("serving:java_trace.pt")
if s:
    print("serving (freeze + optimize_for_inference) median %.2f ms, ratio serving/java %.3f; its load %.0f ms vs %.0f ms"
          % (s["wall_ms"]["median"], s["wall_ms"]["median"] / java["wall_ms"]["median"], s["load_ms"], java["load_ms"]))
PY
