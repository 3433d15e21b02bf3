#!/usr/bin/env bash
# The emulated ARM end-to-end test, one command:
#   1. builds (or reuses) the arm64 sysroot from Debian trixie packages (bench/arm64-sysroot.sh);
#   2. builds the linux-arm64 jar (bridge cross-compiled with g++-aarch64-linux-gnu) in a copy of the tree;
#   3. with the x86 jar: exports MobileNet-V2 to FP32 TorchScript, and, where those commands exist,
#      a lite-interpreter .ptl (optimize) and an INT8 .pt (quantize); runs them (predict on two images,
#      --save-io) as the reference;
#   4. runs the arm64 jar under qemu-aarch64 on the same files (bench, one JVM for all variants, its own
#      preprocessing of one image plus --replay of the x86 tensors, --save-io);
#   5. runs `compare` (bounds: docs/readme/raspberry-pi.md) and exits non-zero when outputs disagree beyond
#      them, or when a variant cannot run on ARM.
#
# Usage: bench/arm64-e2e.sh            Env: E2E_OUT (default bench/out/e2e), X86_JAR (default: target/edgetorch.jar,
#        rebuilt when older than the sources), E2E_THREADS (default 2), KEEP_BUILD=1 reuses the arm64 jar.
# Needs (Debian/Ubuntu): JDK 17+, Maven, g++-aarch64-linux-gnu, qemu-user-static, apt-get, dpkg-deb;
#        network to deb.debian.org (sysroot, first run) and Maven Central (arm64 OpenCV/JavaCPP natives).
# Timing on the 2-core CI machine: see docs/readme/raspberry-pi.md ("Emulated end-to-end test").
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${E2E_OUT:-$repo/bench/out/e2e}"
threads="${E2E_THREADS:-2}"
sysroot="$repo/bench/sysroot-arm64"
t_start=$(date +%s)
step() { echo "== [$(( $(date +%s) - t_start )) s] $*"; }

for tool in java mvn aarch64-linux-gnu-g++ qemu-aarch64-static apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "arm64-e2e: missing $tool (see the header of $0)" >&2; exit 2; }
done
mkdir -p "$out/models"

# 1. sysroot ------------------------------------------------------------------------------------------
step "arm64 sysroot"
"$repo/bench/arm64-sysroot.sh" "$sysroot"

# 2. jars ---------------------------------------------------------------------------------------------
newest_source() { find "$repo/pom.xml" "$repo/src/main" "$repo/native" "$repo/images" -type f -newer "$1" -print -quit 2>/dev/null; }
x86_jar="${X86_JAR:-$repo/target/edgetorch.jar}"
if [[ -z "${X86_JAR:-}" ]] && { [[ ! -f "$x86_jar" ]] || [[ -n "$(newest_source "$x86_jar")" ]]; }; then
  step "building the x86 jar (mvn package)"
  (cd "$repo" && mvn -q -B -ntp -DskipTests package)
fi
arm_jar="$out/edgetorch-linux-arm64.jar"
if [[ -z "${KEEP_BUILD:-}" || ! -f "$arm_jar" ]] || [[ -n "$(newest_source "$arm_jar")" ]]; then
  step "building the linux-arm64 jar (bridge cross-compiled against Debian trixie's LibTorch)"
  build="$out/build-arm64"
  # A copy of the tree with its own target/, so the developer's x86 build stays as it is.
  rm -rf "$build" && mkdir -p "$build"
  tar -C "$repo" --exclude=./target --exclude=./bench --exclude=./models --exclude=./results --exclude=./.git \
    -cf - . | tar -C "$build" -xf -
  (cd "$build" && mvn -q -B -ntp -Djavacpp.platform=linux-arm64 -Dedgetorch.arm64.sysroot="$sysroot" -DskipTests package)
  cp "$build/target/edgetorch.jar" "$arm_jar"
fi

# 3. x86 artifacts and reference run -----------------------------------------------------------------
x86() { java -jar "$x86_jar" "$@"; }
has_command() { x86 help "$1" >/dev/null 2>&1; }
models=()
step "x86: export FP32 TorchScript"
x86 export --out "$out/models/mobilenet_v2_fp32.pt" >/dev/null
models+=("$out/models/mobilenet_v2_fp32.pt")
if has_command quantize; then
  step "x86: quantize INT8 (static)"
  # ONEDNN: the one quantized engine Debian's arm64 LibTorch has (no QNNPACK), and one the x86 presets have.
  x86 quantize --mode static --engine onednn --calib-count 8 --eval-count 0 \
    --in "$out/models/mobilenet_v2_fp32.pt" --out "$out/models/mobilenet_v2_int8.pt" >/dev/null
  models+=("$out/models/mobilenet_v2_int8.pt")
fi
if has_command optimize; then
  step "x86: optimize for mobile (.ptl)"
  x86 optimize --in "$out/models/mobilenet_v2_fp32.pt" --out "$out/models/mobilenet_v2.ptl" --no-verify --runs 0 --load-runs 0 >/dev/null
  models+=("$out/models/mobilenet_v2.ptl")
fi
images=("$repo/images/apple.jpg" "$repo/images/baboon.jpg")
rm -f "$out/x86.json" "$out/arm64.json"
step "x86: reference outputs (predict --save-io) for ${#models[@]} variant(s) on ${#images[@]} images"
for m in "${models[@]}"; do
  x86 predict --model "$m" --threads "$threads" --batch 1 --save-io "$out/x86.json" "${images[@]}" >/dev/null
done
model_args=()
for m in "${models[@]}"; do model_args+=(--model "$m"); done
step "x86: bench (latency reference)"
x86 bench "${model_args[@]}" --input "${images[0]}" --threads "$threads" --quiet --save-io "$out/x86.json" >/dev/null

# 4. the arm64 jar under qemu ------------------------------------------------------------------------
# Emulate a Raspberry Pi 4's core (Cortex-A72: NEON, no SVE). qemu's default "max" CPU offers SVE, which
# oneDNN then uses and qemu emulates about 20x slower. oneDNN also reads the core's MIDR from sysfs; qemu
# finds it in the sysroot (-L), where we put an A72's.
midr="$sysroot/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"
mkdir -p "$(dirname "$midr")" && echo 0x00000000410fd083 > "$midr"
arm() {
  EDGETORCH_EMULATION="qemu-aarch64 -cpu cortex-a72" qemu-aarch64-static -cpu cortex-a72 -L "$sysroot" "$sysroot/usr/bin/java" \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$arm_jar" "$@"
}
step "arm64 (qemu): bench on all variants, own preprocessing of one image + replay of the x86 tensors"
# Latency under emulation means nothing: the fewest runs the harness accepts.
arm bench "${model_args[@]}" --input "${images[0]}" --threads "$threads" --warmup 0 --warmup-time 0 --runs 1 --min-time 0 \
  --save-io "$out/arm64.json" --replay "$out/x86.json" | tee "$out/arm64-bench.txt"

# 5. compare -------------------------------------------------------------------------------------------
step "compare"
set +e
x86 compare "$out/x86.json" "$out/arm64.json" | tee "$out/compare.txt"
status=${PIPESTATUS[0]}
set -e
step "done (exit $status); files in $out"
exit "$status"
