#!/usr/bin/env bash
# Runs a corpus of damaged files, special files, hostile options, full disks and interruptions through the
# jar and counts what must never happen (src/site/markdown/reliability.md):
#   N cases, 0 crashes, 0 stack traces, 0 accepted, 0 leftovers, 0 hangs
# crash: the JVM died (signal, hs_err file, "terminate called"); stack trace: one printed without --verbose;
# accepted: bad input that exited 0; leftover: a temporary or partial file left in an output folder (or a
# device replaced); hang: no exit within the time limit. Exits 1 when any count is not 0.
# Needs: the jar (nice mvn -B -ntp -q package -DskipTests), python3 (stdlib only), mkfifo, timeout. The
# full-disk cases mount a 1 MB tmpfs and need root; without it they are skipped (and say so).
# Run: bench/reliability_corpus.sh [--keep]     (about 4 minutes; the first export takes most of it)
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

# --- names, full disks, interruptions ---
long=$(printf 'm%.0s' $(seq 247)).pt
run "250-byte --out name"            ok   "$W/out" -- optimize --in "$W/m.pt" --out "$W/out/$long" --runs 0 --load-runs 0 --no-verify
if [ "$(id -u)" = 0 ] && mkdir -p "$W/small" && mount -t tmpfs -o size=1m tmpfs "$W/small" 2>/dev/null; then
  SMALL="$W/small"
  echo old > "$SMALL/m.pt"
  run "full disk: export"            fail "$SMALL" -- export --out "$SMALL/m.pt"
  run "full disk: optimize"          fail "$SMALL" -- optimize --in "$W/m.pt" --out "$SMALL/m.pt" --runs 0 --load-runs 0
  cases=$((cases + 1)); [ "$(cat "$SMALL/m.pt")" = old ] || { leftovers=$((leftovers + 1)); echo "full disk: the existing --out was changed"; }; cases=$((cases - 1))
  rm -f "$SMALL/m.pt"
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
