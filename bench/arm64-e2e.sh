#!/usr/bin/env bash
# The emulated ARM end-to-end test, one command:
#   1. builds (or reuses) an arm64 sysroot from Debian packages (bench/arm64-sysroot.sh; trixie: LibTorch 2.6,
#      the base of current Raspberry Pi OS; SUITE=bookworm: LibTorch 1.13.1);
#   2. builds the linux-arm64 jar (bridge cross-compiled with g++-aarch64-linux-gnu against that sysroot's
#      libtorch-dev) in a copy of the tree;
#   3. with the x86 jar: exports MobileNet-V2 to FP32 TorchScript, quantizes it to INT8 (ONEDNN) and optimizes
#      it to a lite-interpreter .ptl; exports the same weights to FP32 ONNX and INT8 QDQ ONNX (ONNX Runtime);
#      records reference outputs (predict on two images) and latency (bench) with --save-io;
#   4. runs the arm64 jar under qemu-aarch64 (as a Cortex-A72) on the same files: one bench for all variants,
#      with its own preprocessing of one image and --replay of the x86 tensors, --save-io;
#   5. runs `compare`; exits non-zero when outputs disagree beyond the bounds (src/site/markdown/arm.md),
#      when a variant cannot run on ARM (e.g. a file too new for its LibTorch), or when a step fails;
#   6. runs `edgetorch remote` against an SSH server on 127.0.0.1 whose java is the arm64 JVM under qemu
#      (src/site/markdown/remote.md); exits non-zero when it fails or leaves temporary files on the "board".
#
# Usage: bench/arm64-e2e.sh
# Env:   SUITE=trixie|bookworm (default trixie)   E2E_OUT (default bench/out/e2e, bench/out/e2e-<suite> otherwise)
#        X86_JAR (default target/edgetorch.jar, rebuilt when older than the sources)   E2E_THREADS (default 1)
# Needs: Debian/Ubuntu with JDK 17+ and Maven; installs g++-aarch64-linux-gnu and qemu-user-static with apt-get
#        when missing (as root); network to deb.debian.org (sysroot) and Maven Central (arm64 OpenCV/JavaCPP natives).
# Runtime on the 2-core CI machine: about 6 minutes (src/site/markdown/arm.md, "Emulated end-to-end test").
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
suite="${SUITE:-trixie}"
if [[ "$suite" == trixie ]]; then
  sysroot="$repo/bench/sysroot-arm64"; out="${E2E_OUT:-$repo/bench/out/e2e}"
else
  sysroot="$repo/bench/sysroot-arm64-$suite"; out="${E2E_OUT:-$repo/bench/out/e2e-$suite}"
fi
threads="${E2E_THREADS:-1}"
t_start=$(date +%s)
step() { echo "== [$(( $(date +%s) - t_start )) s] $*"; }

# 0. tools ---------------------------------------------------------------------------------------------
missing=()
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]]; then
    step "installing ${missing[*]}"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "arm64-e2e: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi
for tool in java mvn apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { echo "arm64-e2e: missing $tool (see the header of $0)" >&2; exit 2; }
done
mkdir -p "$out/models"

# 1. sysroot ------------------------------------------------------------------------------------------
step "arm64 sysroot (Debian $suite)"
SUITE="$suite" "$repo/bench/arm64-sysroot.sh" "$sysroot"

# 2. jars ---------------------------------------------------------------------------------------------
newer_source() { find "$repo/pom.xml" "$repo/src/main" "$repo/native" "$repo/images" -type f -newer "$1" -print -quit 2>/dev/null; }
x86_jar="${X86_JAR:-$repo/target/edgetorch.jar}"
if [[ -z "${X86_JAR:-}" ]] && { [[ ! -f "$x86_jar" ]] || [[ -n "$(newer_source "$x86_jar")" ]]; }; then
  step "building the x86 jar (mvn package)"
  (cd "$repo" && mvn -q -B -ntp -DskipTests package)
fi
arm_jar="$out/edgetorch-linux-arm64.jar"
if [[ ! -f "$arm_jar" ]] || [[ -n "$(newer_source "$arm_jar")" ]] || [[ "$sysroot/.edgetorch-sysroot" -nt "$arm_jar" ]]; then
  step "building the linux-arm64 jar (bridge cross-compiled against Debian $suite's LibTorch)"
  build="$out/build-arm64"
  # A copy of the tree with its own target/, so the developer's x86 build stays as it is.
  rm -rf "$build" && mkdir -p "$build"
  tar -C "$repo" --exclude=./target --exclude=./bench --exclude=./models --exclude=./results --exclude=./.git \
    -cf - . | tar -C "$build" -xf -
  (cd "$build" && mvn -q -B -ntp -Djavacpp.platform=linux-arm64 -Dedgetorch.arm64.sysroot="$sysroot" -DskipTests package)
  cp "$build/target/edgetorch.jar" "$arm_jar"
  rm -rf "$build"
fi

# 3. x86 artifacts and reference run -----------------------------------------------------------------
x86() { java -jar "$x86_jar" "$@"; }
fp32="$out/models/mobilenet_v2_fp32.pt"
int8="$out/models/mobilenet_v2_int8.pt"
ptl="$out/models/mobilenet_v2.ptl"
onnx_fp32="$out/models/mobilenet_v2_fp32.onnx"
onnx_int8="$out/models/mobilenet_v2_int8.onnx"
tfl32="$out/models/mobilenet_v2_fp32.tflite"
tfl8="$out/models/mobilenet_v2_int8.tflite"
step "x86: export FP32 TorchScript, quantize INT8 (static, ONEDNN), optimize to .ptl, FP32 and INT8 ONNX and .tflite"
x86 export --out "$fp32" >/dev/null 2>&1
# ONEDNN: the one quantized engine Debian's arm64 LibTorch has (no QNNPACK), and one the x86 presets have.
x86 quantize --mode static --engine onednn --calib-count 8 --eval-count 0 --in "$fp32" --out "$int8" >/dev/null 2>&1
x86 optimize --in "$fp32" --out "$ptl" --no-verify --runs 0 --load-runs 0 >/dev/null
# ONNX Runtime's own linux-aarch64 natives travel in the arm64 jar: no system library on the board.
x86 export --format onnx --in "$fp32" --out "$onnx_fp32" >/dev/null 2>&1
x86 quantize --mode static --format onnx --calib-count 8 --eval-count 0 --in "$fp32" --out "$onnx_int8" >/dev/null 2>&1
# TensorFlow Lite: Bytedeco's linux-arm64 natives (XNNPACK included) need nothing on the board beyond glibc.
x86 export --format tflite --in "$fp32" --out "$tfl32" >/dev/null 2>&1
x86 quantize --mode static --format tflite --calib-count 8 --eval-count 0 --in "$fp32" --out "$tfl8" >/dev/null 2>&1
models=("$fp32" "$int8" "$ptl" "$onnx_fp32" "$onnx_int8" "$tfl32" "$tfl8")
model_args=()
for m in "${models[@]}"; do model_args+=(--model "$m"); done
images=("$repo/images/apple.jpg" "$repo/images/baboon.jpg")
rm -f "$out/x86.json" "$out/arm64.json"
step "x86: reference outputs (predict --save-io) for ${#models[@]} variants on ${#images[@]} images"
for m in "${models[@]}"; do
  x86 predict --model "$m" --threads "$threads" --batch 1 --save-io "$out/x86.json" "${images[@]}" >/dev/null
done
step "x86: bench (reference latency)"
x86 bench "${model_args[@]}" --input "${images[0]}" --threads "$threads" --warmup 3 --runs 10 --min-time 0 --quiet \
  --save-io "$out/x86.json" | tee "$out/x86-bench.txt"

# 4. the arm64 jar under qemu ------------------------------------------------------------------------
# Emulate a Raspberry Pi 4's core (Cortex-A72: NEON, no SVE). qemu's default "max" CPU offers SVE, which
# oneDNN then uses and qemu emulates about 20x slower. oneDNN also reads the core's MIDR from sysfs; qemu
# finds it in the sysroot (-L), where we put an A72's.
midr="$sysroot/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"
mkdir -p "$(dirname "$midr")" && echo 0x00000000410fd083 > "$midr"
arm() {
  # Debian's arm64 LibTorch pulls in UCX (via Open MPI), whose libucs installs its own SIGSEGV handler and
  # takes the JVM's own (implicit null checks, safepoints) for crashes: switch UCX's error handling off.
  UCX_HANDLE_ERRORS=none UCX_ERROR_SIGNALS="" \
  EDGETORCH_EMULATION="qemu-aarch64 -cpu cortex-a72" qemu-aarch64-static -cpu cortex-a72 -L "$sysroot" "$sysroot/usr/bin/java" \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$arm_jar" "$@"
}
step "arm64 (qemu): bench on all variants, own preprocessing of one image + replay of the x86 tensors"
# Latency under emulation means nothing: the fewest runs the harness takes, no per-model child processes (memory,
# CPU, energy: emulated figures mean nothing either, and a child would need qemu too). One JVM for everything:
# starting the JVM and LibTorch under qemu costs over a minute.
arm bench "${model_args[@]}" --input "${images[0]}" --threads "$threads" --warmup 0 --warmup-time 0 --runs 1 --min-time 0 --resources off \
  --save-io "$out/arm64.json" --replay "$out/x86.json" | tee "$out/arm64-bench.txt"

# 5. compare -------------------------------------------------------------------------------------------
step "compare (x86 reference vs emulated arm64)"
# The weights are untrained (seeded): logits are nearly flat, so one INT8 rounding difference between the
# engines' kernels can swap the top class; the INT8 check rests on cosine here (src/site/markdown/arm.md).
set +e
x86 compare --int8-min-top1 0 "$out/x86.json" "$out/arm64.json" | tee "$out/compare.txt"
status=${PIPESTATUS[0]}
set -e

# 6. edgetorch remote ------------------------------------------------------------------------------------
# The same through `edgetorch remote`: the "board" is an SSH server on 127.0.0.1 (LoopbackSshServer, from the
# test classes: Apache MINA SSHD with a throwaway host key and client key), whose `java` is the wrapper below:
# the sysroot's arm64 JVM under qemu. Checks that the board reports aarch64 and that no host or variant failed
# (--no-check: the INT8 top-1 bound is the untrained-weights caveat of step 5, not remote's business).
step "remote: edgetorch remote against a loopback SSH server whose java is the arm64 JVM under qemu"
rdir="$out/remote"
rm -rf "$rdir" && mkdir -p "$rdir/home"
(cd "$repo" && mvn -q -B -ntp test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$rdir/cp.txt")
server_cp="$repo/target/test-classes:$repo/target/classes:$(cat "$rdir/cp.txt")"
cat > "$rdir/arm-java" <<WRAPPER
#!/bin/sh
export UCX_HANDLE_ERRORS=none UCX_ERROR_SIGNALS="" EDGETORCH_EMULATION="qemu-aarch64 -cpu cortex-a72"
exec qemu-aarch64-static -cpu cortex-a72 -L "$sysroot" "$sysroot/usr/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "\$@"
WRAPPER
chmod +x "$rdir/arm-java"
java -cp "$server_cp" org.edgetorch.remote.LoopbackSshServer keygen "$rdir/id"
java -cp "$server_cp" org.edgetorch.remote.LoopbackSshServer serve "$rdir/home" "$rdir/id.pub" "$rdir/known_hosts" \
  >"$rdir/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [[ -s "$rdir/known_hosts" ]] && break; sleep 1; done
[[ -s "$rdir/known_hosts" ]] || { echo "arm64-e2e: the loopback SSH server did not start (see $rdir/server.log)" >&2; exit 1; }
port=$(sed -E 's/^\[127\.0\.0\.1\]:([0-9]+) .*/\1/' "$rdir/known_hosts")
set +e
x86 remote --host "root@127.0.0.1:$port" --identity "$rdir/id" --known-hosts "$rdir/known_hosts" \
  --jar "$arm_jar" --java "$rdir/arm-java" "${model_args[@]}" --threads "$threads" \
  --warmup 0 --runs 1 --min-time 0 --no-check --out "$rdir/report" 2>&1 | tee "$rdir/remote.txt"
remote_status=${PIPESTATUS[0]}
set -e
kill "$server_pid" 2>/dev/null || true
if [[ $remote_status -ne 0 ]]; then
  echo "arm64-e2e: edgetorch remote failed (exit $remote_status; $rdir/remote.txt)" >&2
  status=1
elif ! grep -q '"arch": "aarch64"' "$rdir/report/report.json" || grep -q '"status": "failed"' "$rdir/report/report.json"; then
  echo "arm64-e2e: the remote report does not show an aarch64 board that ran ($rdir/report/report.json)" >&2
  status=1
elif [[ -n "$(find "$rdir/home/.edgetorch/remote" -name '*.part-*' -o -name 'session-*')" ]]; then
  echo "arm64-e2e: edgetorch remote left temporary files on the board ($rdir/home/.edgetorch/remote)" >&2
  status=1
fi
step "done (exit $status); files in $out"
exit "$status"
