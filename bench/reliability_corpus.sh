#!/usr/bin/env bash
# Runs a corpus of damaged files (TorchScript, ONNX, TFLite, images, JSON), special files, hostile options,
# unsupported ops, bad SSH settings, full disks and interruptions through the jar and counts what must never
# happen (src/site/markdown/reliability.md):
#   N cases, 0 crashes, 0 stack traces, 0 accepted, 0 leftovers, 0 hangs
# crash: the JVM died (signal, hs_err file, "terminate called"); stack trace: one printed without --verbose;
# accepted: bad input that exited 0; leftover: a temporary or partial file left in an output folder (or a
# device replaced); hang: no exit within the time limit. Exits 1 when any count is not 0.
# Needs: the jar (nice mvn -B -ntp -q package -DskipTests), python3 (stdlib only), mkfifo, timeout. The
# full-disk cases mount a 1 MB tmpfs and need root; without it they are skipped (and say so). The models with
# ops the ONNX/TFLite writers cannot express, and the ONNX file with external data, are made with a Python
# that has torch and onnx ($TORCH_PYTHON, default /usr/bin/python3); ssh-keygen makes the key for the remote
# cases. Without them those cases are skipped (and say so).
# Run: bench/reliability_corpus.sh [--keep]     (about 20 minutes on a shared 2-core machine)
set -uo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-target/edgetorch.jar}
[ -f "$JAR" ] || { echo "no $JAR: run nice mvn -B -ntp -q package -DskipTests" >&2; exit 2; }
KEEP=${1:-}
W=$(mktemp -d /tmp/edgetorch-corpus.XXXXXX)
SMALL=""
cleanup() {
  [ -n "$SMALL" ] && umount "$SMALL" 2>/dev/null
  [ "$KEEP" = "--keep" ] && echo "corpus kept in $W" || rm -rf "$W"
}
trap cleanup EXIT
LIMIT=${LIMIT:-300} # seconds per case: generous, the machine may be shared
cases=0 crashes=0 traces=0 accepted=0 leftovers=0 hangs=0
et() { timeout -k 5 "$LIMIT" nice java -jar "$JAR" "$@"; }

# check NAME EXPECT(fail|ok) RC ERRFILE [OUTDIR...]: classify one run
check() {
  local name=$1 expect=$2 rc=$3 err=$4; shift 4
  cases=$((cases + 1))
  local bad=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then hangs=$((hangs + 1)); bad+=" HANG";
  elif [ "$rc" -ge 128 ] || grep -q "terminate called\|SIGSEGV\|A fatal error has been detected" "$err" || ls "$W"/hs_err_pid* >/dev/null 2>&1; then
    crashes=$((crashes + 1)); bad+=" CRASH"; rm -f "$W"/hs_err_pid*
  fi
  if grep -qE '^\s+at [a-zA-Z_$.]+\(|^Exception in thread|^Caused by: ' "$err"; then traces=$((traces + 1)); bad+=" STACK-TRACE"; fi
  if [ "$expect" = fail ] && [ "$rc" -eq 0 ]; then accepted=$((accepted + 1)); bad+=" ACCEPTED"; fi
  if [ "$expect" = ok ] && [ "$rc" -ne 0 ]; then bad+=" FAILED"; accepted=$((accepted + 1)); fi
  for d in "$@"; do
    if [ -n "$(find "$d" -mindepth 1 \( -name '.edgetorch-*' -o -name '.*.partial-*' -o -name '*.tmp' \) 2>/dev/null)" ]; then
      leftovers=$((leftovers + 1)); bad+=" LEFTOVER($d)"
    fi
  done
  local line
  line=$(grep -m1 '^edgetorch: ' "$err" || true)
  printf '%-34s exit %-3s %s\n' "$name" "$rc" "${bad:-ok}  ${line:0:150}"
}

# run NAME EXPECT [OUTDIR...] -- ARGS: one jar invocation
run() {
  local name=$1 expect=$2; shift 2
  local outs=()
  while [ "$1" != "--" ]; do outs+=("$1"); shift; done; shift
  et "$@" >"$W/out.txt" 2>"$W/err.txt" </dev/null
  check "$name" "$expect" $? "$W/err.txt" "${outs[@]}"
}

echo "corpus in $W"
mkdir -p "$W/out"
# --- one real model, exported by the jar ---
LIMIT=900 et export --out "$W/m.pt" >/dev/null 2>"$W/export.err" || { echo "export failed (exit $?):"; cat "$W/export.err"; exit 2; }
python3 - "$W" <<'EOF'
import sys, zipfile, struct, os, random
w = sys.argv[1]
src = zipfile.ZipFile(os.path.join(w, "m.pt"))
def rewrite(dst, change):
    with zipfile.ZipFile(os.path.join(w, dst), "w", zipfile.ZIP_STORED) as z:
        for i in src.infolist():
            data = change(i.filename, src.read(i.filename))
            if data is not None:
                z.writestr(i.filename, data)
def offset(name, data):  # first tensor record's storage offset -> 200 (BININT1)
    if not name.endswith("/data.pkl"): return data
    r = data.index(b"_rebuild_tensor_v2"); q = data.index(b"Q", r) + 1
    q += 2 if data[q:q+1] == b"q" else 5 if data[q:q+1] == b"r" else 0
    assert data[q:q+1] == b"K"
    return data[:q+1] + bytes([200]) + data[q+2:]
rewrite("offset.pt", offset)
rewrite("short-storage.pt", lambda n, d: d[:len(d)//2] if n.endswith("/data/0") else d)
rewrite("missing-storage.pt", lambda n, d: None if n.endswith("/data/0") else d)
rewrite("nan-weights.pt", lambda n, d: struct.pack("<f", float("nan")) * (len(d)//4) if n.endswith("/data/0") else d)
rewrite("bad-pickle.pt", lambda n, d: b"\x80\x02(X\x05\x00\x00\x00" if n.endswith("/data.pkl") else d)
raw = open(os.path.join(w, "m.pt"), "rb").read()
open(os.path.join(w, "truncated.pt"), "wb").write(raw[: len(raw) // 2])
random.seed(1)
open(os.path.join(w, "noise.pt"), "wb").write(bytes(random.getrandbits(8) for _ in range(4096)))
open(os.path.join(w, "empty.pt"), "wb").close()
# JPEG whose first frame header declares 12000x12000 (144 MP), followed by the real, small one
jpg = open("images/orange.jpg", "rb").read()
i = jpg.index(b"\xff\xc0"); n = struct.unpack(">H", jpg[i+2:i+4])[0]
big = bytearray(jpg[i:i+2+n]); big[5:7] = struct.pack(">H", 12000); big[7:9] = struct.pack(">H", 12000)
open(os.path.join(w, "bomb.jpg"), "wb").write(jpg[:i] + bytes(big) + jpg[i:])
open(os.path.join(w, "deep.json"), "w").write("[" * 100000 + "]" * 100000)
with open(os.path.join(w, "sparse.json"), "wb") as f: f.truncate(3 << 30)
open(os.path.join(w, "text.jpg"), "w").write("not a picture\n")
EOF
mkfifo "$W/fifo.pt" "$W/fifo.pth"
IMG=images/orange.jpg

run "tensor offset past storage"     fail -- predict --model "$W/offset.pt" $IMG
run "optimize: offset past storage"  fail "$W/out" -- optimize --in "$W/offset.pt" --out "$W/out/o.ptl" --runs 0 --load-runs 0
run "quantize: offset past storage"  fail "$W/out" -- quantize --in "$W/offset.pt" --out "$W/out/q.pt" --mode dynamic
run "storage shorter than declared"  fail -- predict --model "$W/short-storage.pt" $IMG
run "storage missing"                fail -- predict --model "$W/missing-storage.pt" $IMG
run "pickle cut short"               fail -- predict --model "$W/bad-pickle.pt" $IMG
run "truncated zip"                  fail -- predict --model "$W/truncated.pt" $IMG
run "random bytes"                   fail -- predict --model "$W/noise.pt" $IMG
run "empty model file"               fail -- predict --model "$W/empty.pt" $IMG
run "NaN weights"                    fail -- predict --model "$W/nan-weights.pt" $IMG
run "FIFO as --model"                fail -- predict --model "$W/fifo.pt" $IMG
run "FIFO as --weights"              fail "$W/out" -- export --weights "$W/fifo.pth" --out "$W/out/w.pt"
echo "data" | timeout -k 5 "$LIMIT" java -jar "$JAR" predict --model /dev/stdin $IMG >"$W/out.txt" 2>"$W/err.txt"
check "/dev/stdin as --model" fail "${PIPESTATUS[1]}" "$W/err.txt"
run "directory as --model"           fail -- predict --model "$W/out" $IMG
run "--out /dev/null"                fail -- export --out /dev/null
cases=$((cases + 1)); if [ ! -c /dev/null ]; then leftovers=$((leftovers + 1)); echo "/dev/null REPLACED"; fi; cases=$((cases - 1))
run "two-frame JPEG bomb"            fail -- predict --model "$W/m.pt" "$W/bomb.jpg"
run "text named .jpg"                fail -- predict --model "$W/m.pt" "$W/text.jpg"
run "--threads 100000"               fail -- predict --model "$W/m.pt" --threads 100000 $IMG
run "--threads 0"                    fail -- bench --model "$W/m.pt" --threads 0
run "--backend cuda"                 fail -- --backend cuda info
run "--topk word"                    fail -- predict --topk many $IMG

# --- io files: saved by predict, then damaged ---
run "predict --save-io"              ok   "$W" -- predict --model "$W/m.pt" --save-io "$W/a.json" $IMG
cp "$W/m.pt" "$W/m2.pt"
( et predict --model "$W/m.pt" --save-io "$W/both.json" $IMG >/dev/null 2>"$W/c1.err" & et predict --model "$W/m2.pt" --save-io "$W/both.json" $IMG >/dev/null 2>"$W/c2.err"; wait )
cases=$((cases + 1))
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['variants']))" "$W/both.json" 2>/dev/null || echo 0)
if [ "$n" = 2 ]; then echo "concurrent --save-io (2 runs)       ok   both variants kept"; else echo "concurrent --save-io: $n variants  LOST"; accepted=$((accepted + 1)); fi
python3 - "$W" <<'EOF'
import json, sys, os
w = sys.argv[1]
d = json.load(open(os.path.join(w, "both.json")))
d["variants"] = d["variants"][:1]
json.dump(d, open(os.path.join(w, "one-side.json"), "w"))
EOF
run "compare: variant on one side"   fail -- compare "$W/both.json" "$W/one-side.json"
run "compare: deeply nested JSON"    fail -- compare "$W/a.json" "$W/deep.json"
run "compare: 3 GB sparse file"      fail -- compare "$W/sparse.json" "$W/a.json"
run "compare --max-abs-diff NaN"     fail -- compare --max-abs-diff NaN "$W/a.json" "$W/a.json"
run "compare --min-cosine NaN"       fail -- compare --min-cosine NaN "$W/a.json" "$W/a.json"
run "verify --tolerance NaN"         fail -- verify --tolerance NaN --model "$W/m.pt" --reference "$W/a.json"
run "compare: FIFO"                  fail -- compare "$W/fifo.pt" "$W/a.json"

# --- ONNX and TFLite files: written by the jar from m.pt, then damaged ---
LIMIT=900 et export --format onnx --in "$W/m.pt" --out "$W/m.onnx" >/dev/null 2>"$W/export.err" || { echo "ONNX export failed:"; cat "$W/export.err"; exit 2; }
LIMIT=900 et export --format tflite --in "$W/m.pt" --out "$W/m.tflite" >/dev/null 2>"$W/export.err" || { echo "TFLite export failed:"; cat "$W/export.err"; exit 2; }
python3 - "$W" <<'EOF'
import os, struct, sys
w = sys.argv[1]
onnx = open(os.path.join(w, "m.onnx"), "rb").read()
open(os.path.join(w, "truncated.onnx"), "wb").write(onnx[: len(onnx) // 2])
jpg = open("images/orange.jpg", "rb").read()
open(os.path.join(w, "photo.onnx"), "wb").write(jpg)
open(os.path.join(w, "photo.tflite"), "wb").write(jpg)
open(os.path.join(w, "pt.onnx"), "wb").write(open(os.path.join(w, "m.pt"), "rb").read())
# FlatBuffer offsets and counts made wrong: walk the TFLite schema (Model.subgraphs = field 2; SubGraph.tensors
# = 0, inputs = 1; Tensor.shape = 0, buffer = 2) and overwrite one word each
raw = open(os.path.join(w, "m.tflite"), "rb").read()
u32 = lambda p: struct.unpack_from("<I", raw, p)[0]
i32 = lambda p: struct.unpack_from("<i", raw, p)[0]
u16 = lambda p: struct.unpack_from("<H", raw, p)[0]
def field(table, i):
    vt = table - i32(table)
    return table + u16(vt + 4 + 2 * i) if 4 + 2 * i < u16(vt) and u16(vt + 4 + 2 * i) else None
deref = lambda p: p + u32(p)
root = u32(0)
subgraphs = deref(field(root, 2)); subgraph = deref(subgraphs + 4)
tensors = deref(field(subgraph, 0)); inputs = deref(field(subgraph, 1))
shape = deref(field(deref(tensors + 4 + 4 * u32(inputs + 4)), 0))
tensor = lambda k: deref(tensors + 4 + 4 * k)
weights = next(tensor(k) for k in range(u32(tensors)) if field(tensor(k), 2) is not None and u32(field(tensor(k), 2)) > 0)
def put(name, pos, fmt, value):
    b = bytearray(raw); struct.pack_into(fmt, b, pos, value); open(os.path.join(w, name), "wb").write(b)
put("root-past-end.tflite", 0, "<I", 0x7FFFFFF0)
put("vtable-garbage.tflite", root, "<i", -0x3FFFFFFF)
put("subgraph-count.tflite", subgraphs, "<I", 0x40000000)
put("shape-count.tflite", shape, "<I", 0x7FFFFFFF)
put("input-index.tflite", inputs + 4, "<I", 0x00FFFFFF)
put("buffer-index.tflite", field(weights, 2), "<I", 999999)
EOF
run "ONNX: truncated"                fail -- predict --model "$W/truncated.onnx" $IMG
run "ONNX: a JPEG named .onnx"       fail -- predict --model "$W/photo.onnx" $IMG
run "ONNX: a .pt named .onnx"        fail -- predict --model "$W/pt.onnx" $IMG
run "ONNX: input of other channels"  fail -- bench --model "$W/m.onnx" --shape 1,1,224,224 --runs 1 --warmup 0 --resources off
run "ONNX: input of other size"      fail -- bench --model "$W/m.onnx" --shape 1,3,64,64 --runs 1 --warmup 0 --resources off
run "TFLite: a JPEG named .tflite"   fail -- predict --model "$W/photo.tflite" $IMG
for f in root-past-end vtable-garbage subgraph-count shape-count input-index buffer-index; do
  run "TFLite: $f"                   fail -- predict --model "$W/$f.tflite" $IMG
done
run "TFLite: input of other size"    fail -- bench --model "$W/m.tflite" --shape 1,3,64,64 --runs 1 --warmup 0 --resources off
run "TFLite: batch of 2"             fail -- bench --model "$W/m.tflite" --shape 2,3,224,224 --runs 1 --warmup 0 --resources off

# --- ops the ONNX/TFLite writers cannot express (traced by PyTorch), ONNX external data in a FIFO ---
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
if "$TORCH_PYTHON" -c "import torch, onnx" 2>/dev/null && "$TORCH_PYTHON" - "$W" <<'EOF'
import os, sys, torch, torch.nn as nn, onnx
w = sys.argv[1]
class M(nn.Module):
    def __init__(s, tail):
        super().__init__(); s.c = nn.Conv2d(3, 8, 3, padding=1); s.tail = tail
    def forward(s, x):
        y = torch.flatten(nn.functional.adaptive_avg_pool2d(s.c(x), 1), 1)
        return torch.log_softmax(y, 1) if s.tail == "log_softmax" else torch.sort(y, 1)[0]
torch.manual_seed(0)
for t in ["log_softmax", "sort"]:
    torch.jit.save(torch.jit.trace(M(t).eval(), torch.randn(1, 3, 32, 32)), os.path.join(w, t + ".pt"))
m = onnx.load(os.path.join(w, "m.onnx"))
t = m.graph.initializer[0]
t.ClearField("raw_data"); t.data_location = onnx.TensorProto.EXTERNAL
e = t.external_data.add(); e.key = "location"; e.value = "weights.fifo"
onnx.save(m, os.path.join(w, "external.onnx"))
EOF
then
  mkfifo "$W/weights.fifo"
  run "export onnx: aten::log_softmax" fail "$W/out" -- export --format onnx --in "$W/log_softmax.pt" --input-shape 1,3,32,32 --out "$W/out/l.onnx"
  run "export tflite: aten::sort"    fail "$W/out" -- export --format tflite --in "$W/sort.pt" --input-shape 1,3,32,32 --out "$W/out/s.tflite"
  run "quantize onnx: aten::sort"    fail "$W/out" -- quantize --mode static --format onnx --in "$W/sort.pt" --out "$W/out/s.onnx" --calib-count 1 --eval-count 0
  run "quantize tflite: log_softmax" fail "$W/out" -- quantize --mode static --format tflite --in "$W/log_softmax.pt" --out "$W/out/l.tflite" --calib-count 1 --eval-count 0
  run "ONNX: external data in a FIFO" fail -- predict --model "$W/external.onnx" $IMG
else
  echo "unsupported-op and external-data cases skipped (need $TORCH_PYTHON with torch and onnx)"
fi

# --- remote: nothing listens, no such host, bad keys, no known_hosts (found before or at the connection) ---
if command -v ssh-keygen >/dev/null && ssh-keygen -q -t ed25519 -N '' -f "$W/id_test" </dev/null >/dev/null; then
  : > "$W/known_hosts"; echo "not a key" > "$W/garbage.key"; mkdir -p "$W/keys"
  R=(remote --known-hosts "$W/known_hosts" --model "$W/m.onnx" --runs 1 --warmup 0 --min-time 0 --connect-timeout 5)
  run "remote: nothing listens"      fail "$W/out" -- "${R[@]}" --identity "$W/id_test" --host root@127.0.0.1:1 --out "$W/out/r1"
  run "remote: no such host"         fail "$W/out" -- "${R[@]}" --identity "$W/id_test" --host root@no-such-board.invalid --out "$W/out/r2"
  run "remote: --identity missing"   fail "$W/out" -- "${R[@]}" --identity "$W/no-such-key" --host root@127.0.0.1:1 --out "$W/out/r3"
  run "remote: --identity a folder"  fail "$W/out" -- "${R[@]}" --identity "$W/keys" --host root@127.0.0.1:1 --out "$W/out/r4"
  run "remote: --identity garbage"   fail "$W/out" -- "${R[@]}" --identity "$W/garbage.key" --host root@127.0.0.1:1 --out "$W/out/r5"
  run "remote: --identity a .pub"    fail "$W/out" -- "${R[@]}" --identity "$W/id_test.pub" --host root@127.0.0.1:1 --out "$W/out/r6"
  run "remote: no known_hosts"       fail "$W/out" -- remote --known-hosts "$W/no-such-known-hosts" --identity "$W/id_test" --model "$W/m.onnx" --host root@127.0.0.1:1 --out "$W/out/r7"
  run "remote: known_hosts a FIFO"   fail "$W/out" -- remote --known-hosts "$W/fifo.pt" --identity "$W/id_test" --model "$W/m.onnx" --host root@127.0.0.1:1 --out "$W/out/r8"
  rm -rf "$W/out"/r[0-9]
else
  echo "remote cases skipped (need ssh-keygen)"
fi

# --- names, full disks, interruptions ---
long=$(printf 'm%.0s' $(seq 247)).pt
run "250-byte --out name"            ok   "$W/out" -- optimize --in "$W/m.pt" --out "$W/out/$long" --runs 0 --load-runs 0 --no-verify
if [ "$(id -u)" = 0 ] && mkdir -p "$W/small" && mount -t tmpfs -o size=1m tmpfs "$W/small" 2>/dev/null; then
  SMALL="$W/small"
  echo old > "$SMALL/m.pt"
  run "full disk: export"            fail "$SMALL" -- export --out "$SMALL/m.pt"
  run "full disk: optimize"          fail "$SMALL" -- optimize --in "$W/m.pt" --out "$SMALL/m.pt" --runs 0 --load-runs 0
  cases=$((cases + 1)); [ "$(cat "$SMALL/m.pt")" = old ] || { leftovers=$((leftovers + 1)); echo "full disk: the existing --out was changed"; }; cases=$((cases - 1))
  echo old > "$SMALL/q.pt"; echo old > "$SMALL/m.onnx"; echo old > "$SMALL/m.tflite"
  run "full disk: quantize"          fail "$SMALL" -- quantize --mode dynamic --in "$W/m.pt" --out "$SMALL/q.pt" --eval-count 0
  run "full disk: export onnx"       fail "$SMALL" -- export --format onnx --in "$W/m.pt" --out "$SMALL/m.onnx"
  run "full disk: export tflite"     fail "$SMALL" -- export --format tflite --in "$W/m.pt" --out "$SMALL/m.tflite"
  for f in q.pt m.onnx m.tflite; do
    cases=$((cases + 1)); [ "$(cat "$SMALL/$f")" = old ] || { leftovers=$((leftovers + 1)); echo "full disk: the existing $f was changed"; }; cases=$((cases - 1))
  done
  rm -f "$SMALL/m.pt" "$SMALL/q.pt" "$SMALL/m.onnx" "$SMALL/m.tflite"
  run "full disk: preprocess"        fail "$SMALL" -- preprocess --out "$SMALL/pre" images
  if [ -n "$(ls -A "$SMALL" 2>/dev/null)" ] && [ "$(ls -A "$SMALL")" != pre ] || [ -n "$(ls -A "$SMALL/pre" 2>/dev/null)" ]; then
    leftovers=$((leftovers + 1)); echo "full disk: preprocess left $(ls -A "$SMALL" "$SMALL/pre" 2>/dev/null | tr '\n' ' ')"
  fi
else
  echo "full-disk cases skipped (need root to mount a 1 MB tmpfs)"
fi

# SIGINT while preprocess stages 200 images (all or nothing): nothing may remain
mkdir -p "$W/many" "$W/sigINT"
for i in $(seq 200); do cp $IMG "$W/many/o$i.jpg"; done
nice java -jar "$JAR" preprocess --out "$W/sigINT" "$W/many" >/dev/null 2>"$W/sig.err" &
pid=$!
for _ in $(seq 30000); do compgen -G "$W/sigINT/.edgetorch-*" >/dev/null && break; sleep 0.005; done
kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && rc=1
[ $rc -eq 0 ] && { echo "(preprocess finished before SIGINT arrived)"; rc=1; rm -f "$W/sigINT"/*; }
[ -n "$(ls -A "$W/sigINT")" ] && { leftovers=$((leftovers + 1)); echo "SIGINT: left $(ls -A "$W/sigINT" | head -3 | tr '\n' ' ')"; }
check "SIGINT during preprocess" fail "$rc" "$W/sig.err" "$W/sigINT"

# SIGKILL while export writes: the target is never partial, and the next write there sweeps the temporary
mkdir -p "$W/sigKILL"
nice java -jar "$JAR" export --out "$W/sigKILL/m.pt" >/dev/null 2>"$W/sig.err" &
pid=$!
for _ in $(seq 60000); do compgen -G "$W/sigKILL/.edgetorch-*" >/dev/null && break; sleep 0.005; done
kill -KILL $pid; wait $pid
[ -e "$W/sigKILL/m.pt" ] && echo "(export finished before SIGKILL arrived)"
et preprocess --out "$W/sigKILL" $IMG >/dev/null 2>&1; rm -f "$W/sigKILL"/orange.* "$W/sigKILL/m.pt"
check "SIGKILL during export, next run" fail 1 "$W/sig.err" "$W/sigKILL"

echo
echo "$cases cases, $crashes crashes, $traces stack traces, $accepted accepted, $leftovers leftovers, $hangs hangs"
[ $((crashes + traces + accepted + leftovers + hangs)) -eq 0 ]
