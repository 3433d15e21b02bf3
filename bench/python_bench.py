#!/usr/bin/python3
"""Python reproduction of `edgetorch bench`: eager torchvision MobileNet-V2 vs a TorchScript file.

Run with the Python that has PyTorch (on the project machine: /usr/bin/python3, Debian's torch 1.13 and
torchvision 0.14). Same methodology as the Java harness (see src/site/markdown/benchmarking.md): per model a timed
load, a timed first inference, warm-up by count and/or time, then measured runs interleaved one call
each (A B A B ...) until every model has --runs calls and --min-time seconds; the same statistics
(type-7 percentiles, sample stdev) and the same JSON schema (edgetorch.bench/2, without the child-process "resources").

  /usr/bin/python3 bench/python_bench.py --model eager --model models/mobilenet_v2_fp32.pt
  /usr/bin/python3 bench/python_bench.py --model eager --model models/mobilenet_v2_fp32.pt \
      --input dummy --input images/squirrel_cls.jpg --json --out bench/out/python.json
  /usr/bin/python3 bench/python_bench.py --trace-out bench/out/mobilenet_v2_traced.pt   # trace, then bench

The dummy input equals the Java one bit for bit: standard-normal float32 values drawn with
java.util.Random(seed).nextGaussian(), reimplemented below.
"""
import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

SCHEMA = "edgetorch.bench/2"  # without "resources": this script measures in one process
OVERHEAD_SAMPLES = 10000
PROGRESS_INTERVAL_S = 2.0


def die(message, code=1):
    print("python_bench: " + message, file=sys.stderr)
    sys.exit(code)


try:
    import torch
    import torchvision
except ImportError as e:  # the pyenv python3 on PATH has no torch
    die("needs PyTorch and torchvision (%s); run it with /usr/bin/python3" % e)


# ---------------------------------------------------------------- clocks, memory

if hasattr(time, "CLOCK_MONOTONIC_RAW"):
    WALL_CLOCK = "CLOCK_MONOTONIC_RAW"

    def wall_ns():
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
else:
    WALL_CLOCK = "perf_counter"
    wall_ns = time.perf_counter_ns

cpu_ns = time.thread_time_ns  # CLOCK_THREAD_CPUTIME_ID on Linux: this thread only


def proc_status_bytes(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes():
    hwm = proc_status_bytes("VmHWM:")
    if hwm >= 0:
        return hwm
    try:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):
        return -1


# ---------------------------------------------------------------- statistics (as org.edgetorch.bench.Stats)

def percentile(sorted_values, p):
    """Type 7 (NumPy's default): linear interpolation between closest ranks."""
    h = (len(sorted_values) - 1) * p
    lo = int(math.floor(h))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def stats(values, scale=1.0):
    s = sorted(v * scale for v in values)
    n = len(s)
    mean = sum(s) / n
    stdev = math.sqrt(sum((v - mean) ** 2 for v in s) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "min": s[0], "mean": mean, "median": percentile(s, 0.5), "p10": percentile(s, 0.1),
            "p90": percentile(s, 0.9), "p99": percentile(s, 0.99), "max": s[-1], "stdev": stdev}


# ---------------------------------------------------------------- inputs

def java_gaussians(seed, n):
    """java.util.Random(seed).nextGaussian() n times (48-bit LCG, Marsaglia polar method)."""
    mask = (1 << 48) - 1
    state = (seed ^ 0x5DEECE66D) & mask
    out = []
    while len(out) < n:
        while True:
            draws = []
            for _ in range(2):
                state = (state * 0x5DEECE66D + 0xB) & mask
                hi = state >> (48 - 26)
                state = (state * 0x5DEECE66D + 0xB) & mask
                lo = state >> (48 - 27)
                draws.append(2 * (((hi << 27) + lo) * 2.0 ** -53) - 1)
            v1, v2 = draws
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        out.append(v1 * multiplier)
        out.append(v2 * multiplier)
    return out[:n]


def dummy_input(shape, seed):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor(java_gaussians(seed, n), dtype=torch.float32).reshape(shape)


def image_input(path):
    """torchvision's ImageNet evaluation transform: resize 256, center crop 224, normalize."""
    from PIL import Image
    from torchvision import transforms
    if not os.path.isfile(path):
        die("--input %s: no such file" % path)
    try:
        image = Image.open(path).convert("RGB")
    except OSError as e:
        die("--input %s: not a readable image (%s)" % (path, e))
    t = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    return t(image).unsqueeze(0)


# ---------------------------------------------------------------- targets

def eager_model(seed, weights):
    torch.manual_seed(seed)
    model = torchvision.models.mobilenet_v2()
    if weights:
        model.load_state_dict(torch.load(weights, map_location="cpu"))
    return model.eval()


def load_target(spec, seed, weights):
    if spec == "eager":
        return eager_model(seed, weights)
    if not os.path.isfile(spec):
        die("--model %s: no such file (a model is 'eager' or a TorchScript file)" % spec)
    try:
        return torch.jit.load(spec, map_location="cpu").eval()
    except Exception as e:  # torch raises RuntimeError, ValueError, zipfile errors ...
        die("--model %s: torch.jit.load failed: %s" % (spec, str(e).strip().splitlines()[0]))


def fold(out):
    """Every output reaches the sink, so nothing can be skipped."""
    if isinstance(out, torch.Tensor):
        return float(out.sum())
    if isinstance(out, (tuple, list)):
        return sum(fold(o) for o in out)
    return 1.0


class Target:
    def __init__(self, spec, name):
        self.spec = spec
        self.name = name
        self.kind = "eager-torchvision" if spec == "eager" else "torchscript"
        self.source = "torchvision.models.mobilenet_v2 (torch.manual_seed)" if spec == "eager" else spec
        self.model = None
        self.wall = []
        self.cpu = []
        self.sink = 0.0

    def timed(self, x):
        c0 = cpu_ns()
        w0 = wall_ns()
        out = self.model(x)
        w1 = wall_ns()
        c1 = cpu_ns()
        self.sink += fold(out)
        return w1 - w0, c1 - c0


def measure_overhead(n):
    wall, cpu = [], []
    for _ in range(2):  # the first pass warms the interpreter's caches
        wall.clear()
        cpu.clear()
        for _ in range(n):
            c0 = cpu_ns()
            w0 = wall_ns()
            w1 = wall_ns()
            c1 = cpu_ns()
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
    return {"samples": n, "wall_ns": stats(wall), "thread_cpu_ns": stats(cpu)}


def progress(args, message):
    if not args.quiet:
        print("python_bench: " + message, file=sys.stderr, flush=True)


def run(args, input_kind, input_description, x):
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    overhead = measure_overhead(OVERHEAD_SAMPLES)
    names = {}
    targets = []
    for spec in args.model:
        base = "eager" if spec == "eager" else os.path.basename(spec)
        names[base] = names.get(base, 0) + 1
        targets.append(Target(spec, base if names[base] == 1 else "%s#%d" % (base, names[base])))
    process_peak = peak_rss_bytes()
    reset_all = True
    results = []
    with torch.no_grad():
        for t in targets:
            progress(args, "loading " + t.name)
            reset_all &= reset_peak()
            t.rss_before = proc_status_bytes("VmRSS:")
            w0 = wall_ns()
            t.model = load_target(t.spec, args.seed, args.weights)
            t.load_ns = wall_ns() - w0
            try:
                t.first_ns = t.timed(x)[0]
            except Exception as e:
                die("%s: forward failed: %s" % (t.source, str(e).strip().splitlines()[-1]))
            progress(args, "warming up " + t.name)
            w0 = wall_ns()
            done = 0
            while done < args.warmup or wall_ns() - w0 < args.warmup_time * 1e9:
                t.timed(x)
                done += 1
            t.warmup_runs = done
            t.warmup_s = (wall_ns() - w0) / 1e9
            t.peak_rss = peak_rss_bytes()
            process_peak = max(process_peak, t.peak_rss)
        progress(args, "measuring %d model%s" % (len(targets), "s interleaved" if len(targets) > 1 else ""))
        rounds = 0
        start = last = time.monotonic()
        while rounds < args.runs or any(sum(t.wall) < args.min_time * 1e9 for t in targets):
            for t in targets:
                w, c = t.timed(x)
                t.wall.append(w)
                t.cpu.append(c)
            rounds += 1
            if time.monotonic() - last >= PROGRESS_INTERVAL_S:
                last = time.monotonic()
                progress(args, "measured %d rounds in %.1f s" % (rounds, last - start))
    process_peak = max(process_peak, peak_rss_bytes())
    first_median = None
    for t in targets:
        wall_ms = stats(t.wall, 1e-6)
        if first_median is None:
            first_median = wall_ms["median"]
        results.append({
            "name": t.name, "kind": t.kind, "source": t.source,
            "timed_call": "model(x) under torch.no_grad() (Python)", "timing_loop": "python",
            "load_ms": t.load_ns / 1e6, "first_inference_ms": t.first_ns / 1e6,
            "warmup_runs": t.warmup_runs, "warmup_s": t.warmup_s, "runs": len(t.wall),
            "wall_ms": wall_ms, "thread_cpu_ms": stats(t.cpu, 1e-6),
            "throughput_per_s": len(t.wall) / (sum(t.wall) / 1e9),
            "ratio_to_first": wall_ms["median"] / first_median,
            "in_process_rss_before_load_bytes": t.rss_before, "in_process_peak_rss_bytes": t.peak_rss, "sink": t.sink,
            "samples": {"wall_ns": t.wall, "thread_cpu_ns": t.cpu},
        })
        t.model = None
    return {
        "schema": SCHEMA,
        "created": created,
        "environment": {
            "python": platform.python_implementation() + " " + platform.python_version(),
            "os": platform.system() + " " + platform.release(),
            "platform": platform.system().lower() + "-" + platform.machine(),
            "cpus": os.cpu_count(),
            "backend": "pytorch-python",
            "libtorch": torch.__version__,
            "torchvision": torchvision.__version__,
            "threads": torch.get_num_threads(),
        },
        "settings": {"warmup_runs": args.warmup, "warmup_min_s": args.warmup_time, "runs": args.runs,
                     "min_time_s": args.min_time, "threads": torch.get_num_threads(),
                     "interleaved": len(targets) > 1},
        "input": {"kind": input_kind, "description": input_description, "shape": list(x.shape)},
        "clock": {"implementation": "python", "wall": WALL_CLOCK, "cpu": "CLOCK_THREAD_CPUTIME_ID"},
        "harness_overhead": overhead,
        "memory": {"source": "VmHWM (/proc/self/status)" if proc_status_bytes("VmHWM:") >= 0 else "getrusage",
                   "peak_reset_per_target": reset_all, "process_peak_rss_bytes": process_peak},
        "targets": results,
    }


def table(report):
    targets = report["targets"]
    s = report["settings"]
    inp = report["input"]
    lines = ["%d model%s, %d runs each, warm-up %d runs / %.2f s; %d thread%s; input %s %s (%s); PyTorch %s" % (
        len(targets), "s interleaved (A B A B ...)" if s["interleaved"] else "", targets[0]["runs"],
        s["warmup_runs"], s["warmup_min_s"], s["threads"], "" if s["threads"] == 1 else "s", inp["kind"],
        "x".join(str(d) for d in inp["shape"]), inp["description"], report["environment"]["libtorch"])]
    width = max(len("model"), max(len(t["name"]) for t in targets))
    lines.append(("%-" + str(width) + "s %9s %9s %9s %9s %9s %9s %17s %10s %8s %7s %9s") % (
        "model", "load ms", "first ms", "median ms", "p90 ms", "p99 ms", "min ms", "mean ± stdev ms",
        "cpu med ms", "inf/s", "ratio", "peak MiB"))
    for t in targets:
        w = t["wall_ms"]
        lines.append(("%-" + str(width) + "s %9.1f %9.2f %9.3f %9.3f %9.3f %9.3f %17s %10.3f %8.1f %6.2fx %9s") % (
            t["name"], t["load_ms"], t["first_inference_ms"], w["median"], w["p90"], w["p99"], w["min"],
            "%.3f ± %.3f" % (w["mean"], w["stdev"]), t["thread_cpu_ms"]["median"], t["throughput_per_s"],
            t["ratio_to_first"], "%.1f" % (t["in_process_peak_rss_bytes"] / 1048576.0) if t["in_process_peak_rss_bytes"] >= 0 else "n/a"))
    o = report["harness_overhead"]
    lines.append("ratio: median / median of %s. harness overhead (empty timed region, %d samples): median %.0f ns, "
                 "p99 %.0f ns wall; clocks: python %s / CLOCK_THREAD_CPUTIME_ID" % (
                     targets[0]["name"], o["samples"], o["wall_ns"]["median"], o["wall_ns"]["p99"], WALL_CLOCK))
    return "\n".join(lines)


def trace(path, seed, weights):
    """A traced TorchScript MobileNet-V2 of the same seeded (or given) weights, for cross-checks."""
    model = eager_model(seed, weights)
    example = dummy_input([1, 3, 224, 224], seed)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        diff = (traced(example) - model(example)).abs().max().item()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    traced.save(tmp)
    os.replace(tmp, path)  # never leave a half-written file
    print("python_bench: traced torchvision mobilenet_v2 (seed %d) to %s; max |traced - eager| = %.3g"
          % (seed, path, diff), file=sys.stderr)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", metavar="SPEC",
                   help="eager (torchvision mobilenet_v2) or a TorchScript file; repeat to compare "
                        "(default: eager, plus the --trace-out file)")
    p.add_argument("--warmup", type=int, default=5, metavar="N")
    p.add_argument("--warmup-time", type=float, default=0.5, metavar="S")
    p.add_argument("--runs", type=int, default=50, metavar="N")
    p.add_argument("--min-time", type=float, default=1.0, metavar="S")
    p.add_argument("--threads", type=int, default=1, metavar="N")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the eager model and the dummy input")
    p.add_argument("--weights", metavar="FILE", help="state dict for the eager model (default: seeded random)")
    p.add_argument("--input", action="append", metavar="dummy|IMAGE",
                   help="dummy or an image file; repeat for several reports (default: dummy)")
    p.add_argument("--shape", default="1,3,224,224", metavar="N,C,H,W", help="shape of the dummy input")
    p.add_argument("--json", action="store_true", help="print a JSON array of reports (one per --input)")
    p.add_argument("--out", metavar="FILE", help="also write the JSON array to FILE")
    p.add_argument("--trace-out", metavar="FILE", help="trace torchvision mobilenet_v2 to FILE first")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    if args.warmup < 0 or args.runs < 0 or args.warmup_time < 0 or args.min_time < 0:
        die("--warmup, --warmup-time, --runs and --min-time must be 0 or more", 2)
    if args.runs == 0 and args.min_time == 0:
        die("nothing to measure: --runs and --min-time are both 0", 2)
    if args.threads < 1:
        die("--threads must be at least 1", 2)
    try:
        args.shape = [int(d) for d in args.shape.replace("x", ",").split(",")]
    except ValueError:
        die("--shape %r: expected dimensions separated by commas, e.g. 1,3,224,224" % args.shape, 2)
    if any(d < 1 for d in args.shape):
        die("--shape: every dimension must be at least 1", 2)
    if not args.model:
        args.model = ["eager"] + ([args.trace_out] if args.trace_out else [])
    if not args.input:
        args.input = ["dummy"]
    return args


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already fixed by earlier parallel work
    if args.trace_out:
        trace(args.trace_out, args.seed, args.weights)
    reports = []
    for spec in args.input:
        if spec == "dummy":
            x = dummy_input(args.shape, args.seed)
            reports.append(run(args, "dummy", "seed %d" % args.seed, x))
        else:
            reports.append(run(args, "image", spec, image_input(spec)))
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".tmp", "w") as f:
            json.dump(reports, f, indent=2)
            f.write("\n")
        os.replace(args.out + ".tmp", args.out)
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        print("\n\n".join(table(r) for r in reports))


if __name__ == "__main__":
    main(sys.argv[1:])
