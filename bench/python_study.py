#!/usr/bin/python3
"""The study in Python on this machine, beside `edgetorch study --with-python`.

`edgetorch study --with-python` runs this script (bundled in the jar) with a Python that has torch and
torchvision, after writing a manifest: the FP32 TorchScript file edgetorch exported (its weights become
the torchvision model's, so both sides hold identical weights), the calibration and held-out photos and
the latency inputs as raw little-endian float32 tensors that edgetorch preprocessed (identical inputs),
the thread counts and the measuring plan. It then does each stage of the study with PyTorch's own
tools, as the study did:

  fp32-eager                    torchvision model, eval, torch.no_grad
  fp32-torchscript              torch.jit.trace, saved and loaded back
  int8-dynamic                  torch.ao.quantization.quantize_dynamic (Linear layers), traced
  int8-static-<engine>          FX graph mode post-training quantization with the engine's default
                                qconfig mapping, calibrated on the calibration photos, traced
  fp32-mobile                   torch.utils.mobile_optimizer.optimize_for_mobile, lite interpreter (.ptl)
  int8-static-qnnpack-mobile    the same for the QNNPACK model

and measures them the way edgetorch does: timed load, first inference, warm-up by count and time, then
interleaved rounds (one call per variant) until every variant has the planned runs and time; type-7
percentiles, sample stdev. Agreement with FP32 eager on the held-out photos: SQNR, cosine, top-1/top-5,
max/mean abs diff, as org.edgetorch.tensor.Agreement computes them.

Progress goes to stdout as `PROGRESS <fraction 0..1> <detail>` lines; the result is one JSON file
(schema edgetorch.python-study/1, described in src/site/markdown/study.md).

  /usr/bin/python3 bench/python_study.py --manifest MANIFEST.json --out RESULT.json
"""
import argparse
import copy
import json
import math
import os
import platform
import sys
import time

SCHEMA = "edgetorch.python-study/1"
MANIFEST_SCHEMA = "edgetorch.python-study-manifest/1"
STATIC_ENGINES = ["fbgemm", "x86", "onednn", "qnnpack"]
BUILD_SHARE = 0.25  # of the progress bar: building variants; the rest is latency


def die(message):
    print("python_study: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


try:
    import torch
    import torchvision
except ImportError as e:
    die("needs PyTorch and torchvision (%s)" % e)


def progress(fraction, detail):
    print("PROGRESS %.4f %s" % (max(0.0, min(1.0, fraction)), detail), flush=True)


def log(message):
    print("python_study: " + message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- inputs

def load_f32(path, shape):
    if sys.byteorder != "little":
        die("the tensors edgetorch writes are little-endian; this machine is not")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    n = 1
    for d in shape:
        n *= d
    if len(data) != 4 * n:
        die("%s: %d bytes, expected %d for shape %s" % (path, len(data), 4 * n, shape))
    return torch.frombuffer(data, dtype=torch.float32).reshape(shape).clone()


# ---------------------------------------------------------------- statistics (as the Java side)

def percentile(s, p):
    h = (len(s) - 1) * p
    lo = int(math.floor(h))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def stats_ms(samples_ns):
    s = sorted(v / 1e6 for v in samples_ns)
    n = len(s)
    mean = sum(s) / n
    stdev = math.sqrt(sum((v - mean) ** 2 for v in s) / (n - 1)) if n > 1 else 0.0
    return {"median_ms": percentile(s, 0.5), "p10_ms": percentile(s, 0.1), "p90_ms": percentile(s, 0.9),
            "p99_ms": percentile(s, 0.99), "mean_ms": mean, "stdev_ms": stdev, "min_ms": s[0], "max_ms": s[-1]}


def topk(row, k):
    return torch.topk(row, k).indices.tolist()


def agreement(ref, other):
    """org.edgetorch.tensor.Agreement.of: over [N, classes] logits."""
    r = ref.double()
    o = other.double()
    d = r - o
    noise = float((d * d).sum())
    nr = float((r * r).sum())
    no = float((o * o).sum())
    dot = float((r * o).sum())
    n = r.shape[0]
    top1 = top5 = 0
    for i in range(n):
        ref_top = topk(r[i], 5)
        other_top = topk(o[i], 5)
        top1 += ref_top[0] == other_top[0]
        top5 += ref_top[0] in other_top
    cosine = (1.0 if nr == no else 0.0) if nr == 0 or no == 0 else dot / math.sqrt(nr * no)
    return {"samples": n, "sqnr_db": None if noise == 0 else 10 * math.log10(nr / noise), "cosine": cosine,
            "top1": top1 / n, "top5": top5 / n, "max_abs_diff": float(d.abs().max()),
            "mean_abs_diff": float(d.abs().mean())}


# ---------------------------------------------------------------- variants

class Variant:
    def __init__(self, vid, label, fmt, precision, engine, path, loader):
        self.id = vid
        self.label = label
        self.format = fmt
        self.precision = precision
        self.engine = engine
        self.path = path
        self.loader = loader  # returns a callable model; reads the file when there is one
        self.agreement = None

    def select_engine(self):
        if self.engine is not None:
            torch.backends.quantized.engine = self.engine


def save_traced(module, example, path):
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
    tmp = path + ".tmp"
    traced.save(tmp)
    os.replace(tmp, path)
    return traced


def load_jit(path):
    return lambda: torch.jit.load(path, map_location="cpu").eval()


def load_lite(path):
    from torch.jit.mobile import _load_for_lite_interpreter
    return lambda: _load_for_lite_interpreter(path)


def build(manifest, calibration, example, notes):
    arch = manifest["arch"]
    out_dir = manifest["models_dir"]
    os.makedirs(out_dir, exist_ok=True)

    def artifact(suffix):
        return os.path.join(out_dir, "%s_%s" % (arch, suffix))

    steps = 3 + len(STATIC_ENGINES) + 2
    done = [0]

    def step(detail):
        progress(BUILD_SHARE * done[0] / steps, detail)
        done[0] += 1

    step("FP32 eager: torchvision %s with edgetorch's weights" % arch)
    if not hasattr(torchvision.models, arch):
        die("torchvision has no architecture %s" % arch)
    eager = getattr(torchvision.models, arch)().eval()
    exported = torch.jit.load(manifest["fp32_model"], map_location="cpu")
    state = {k: v for k, v in exported.state_dict().items()}
    result = eager.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        die("the exported file's weights do not fit torchvision's %s: missing %s, unexpected %s"
            % (arch, missing[:5], result.unexpected_keys[:5]))
    variants = [Variant("fp32-eager", "FP32 eager (PyTorch)", "eager", "fp32", None, None, lambda: eager)]

    step("FP32 TorchScript: torch.jit.trace")
    fp32_pt = artifact("fp32.pt")
    traced_fp32 = save_traced(eager, example, fp32_pt)
    variants.append(Variant("fp32-torchscript", "FP32 TorchScript (.pt)", "torchscript", "fp32", None, fp32_pt,
                            load_jit(fp32_pt)))

    step("INT8 dynamic: quantize_dynamic")
    try:
        dyn_engine = torch.backends.quantized.engine
        dynamic = torch.ao.quantization.quantize_dynamic(copy.deepcopy(eager), {torch.nn.Linear}, dtype=torch.qint8)
        path = artifact("int8_dynamic.pt")
        save_traced(dynamic, example, path)
        variants.append(Variant("int8-dynamic", "INT8 dynamic (.pt)", "torchscript", "int8", dyn_engine, path,
                                load_jit(path)))
    except Exception as e:  # report and go on, as edgetorch's study does
        notes.append("int8-dynamic failed in PyTorch: %s" % first_line(e))

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    supported = torch.backends.quantized.supported_engines
    static_traced = {}
    for engine in STATIC_ENGINES:
        step("INT8 static %s: FX quantization, calibration on %d photos" % (engine, len(calibration)))
        if engine not in supported:
            notes.append("PyTorch %s has no %s engine: no static %s variant on the Python side"
                         % (torch.__version__, engine, engine))
            continue
        try:
            torch.backends.quantized.engine = engine
            prepared = prepare_fx(copy.deepcopy(eager), get_default_qconfig_mapping(engine), example_inputs=(example,))
            with torch.no_grad():
                for x in calibration:
                    prepared(x)
            quantized = convert_fx(prepared)
            path = artifact("int8_%s.pt" % engine)
            static_traced[engine] = save_traced(quantized, example, path)
            variants.append(Variant("int8-static-" + engine, "INT8 static %s (.pt)" % engine.upper(), "torchscript",
                                    "int8", engine, path, load_jit(path)))
        except Exception as e:
            notes.append("int8-static-%s failed in PyTorch: %s" % (engine, first_line(e)))

    from torch.utils.mobile_optimizer import optimize_for_mobile
    step("FP32 mobile: optimize_for_mobile, lite interpreter")
    try:
        path = artifact("fp32.ptl")
        # Scripted, as PyTorch's mobile recipes do. The traced module would be the obvious input, but
        # PyTorch 1.13's conv-BN folding in optimize_for_mobile gives wrong outputs on a traced
        # MobileNet-V2 whose BatchNorm statistics are not the identity: checked below and reported.
        with torch.no_grad():
            scripted = torch.jit.script(eager)
        optimize_for_mobile(scripted)._save_for_lite_interpreter(path)
        with torch.no_grad():
            reference = eager(example)
            traced_diff = float((optimize_for_mobile(traced_fp32)(example) - reference).abs().max())
        if traced_diff > 1e-3:
            notes.append("PyTorch %s: optimize_for_mobile on the traced FP32 model changes its outputs (max abs logit "
                         "difference %.3g on the dummy input; its conv-BN folding), so the Python side optimizes the "
                         "scripted model instead" % (torch.__version__, traced_diff))
        variants.append(Variant("fp32-mobile", "FP32 mobile (.ptl)", "lite-interpreter", "fp32", None, path,
                                load_lite(path)))
    except Exception as e:
        notes.append("fp32-mobile failed in PyTorch: %s" % first_line(e))
    step("INT8 QNNPACK mobile")
    if "qnnpack" in static_traced:
        try:
            torch.backends.quantized.engine = "qnnpack"
            path = artifact("int8_qnnpack.ptl")
            optimize_for_mobile(static_traced["qnnpack"])._save_for_lite_interpreter(path)
            variants.append(Variant("int8-static-qnnpack-mobile", "INT8 static QNNPACK mobile (.ptl)",
                                    "lite-interpreter", "int8", "qnnpack", path, load_lite(path)))
        except Exception as e:
            notes.append("int8-static-qnnpack-mobile failed in PyTorch: %s" % first_line(e))
    return exported, eager, variants


def first_line(e):
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def forward_each(model, xs):
    with torch.no_grad():
        return torch.cat([model(x) for x in xs])


# ---------------------------------------------------------------- latency

def measure(variants, x, input_name, threads, plan, report_progress):
    torch.set_num_threads(threads)
    loaded = []
    with torch.no_grad():
        for v in variants:
            v.select_engine()
            t0 = time.perf_counter_ns()
            model = v.loader()
            load_ns = time.perf_counter_ns() - t0
            t0 = time.perf_counter_ns()
            sink = float(model(x).sum())
            first_ns = time.perf_counter_ns() - t0
            warm = 0
            w0 = time.perf_counter_ns()
            while warm < plan["warmup_runs"] or time.perf_counter_ns() - w0 < plan["warmup_min_s"] * 1e9:
                sink += float(model(x).sum())
                warm += 1
            loaded.append({"v": v, "model": model, "load_ns": load_ns if v.path else None, "first_ns": first_ns,
                           "warmup": warm, "samples": [], "total": 0, "sink": sink})
        rounds = 0
        while rounds < plan["runs"] or min(l["total"] for l in loaded) < plan["min_time_s"] * 1e9:
            for l in loaded:
                l["v"].select_engine()
                t0 = time.perf_counter_ns()
                out = l["model"](x)
                dt = time.perf_counter_ns() - t0
                l["sink"] += float(out.sum())
                l["samples"].append(dt)
                l["total"] += dt
            rounds += 1
            least = min(l["total"] for l in loaded)
            by_time = math.ceil(plan["min_time_s"] * 1e9 / (least / rounds)) if least > 0 else 0
            planned = max(rounds, plan["runs"], by_time)
            report_progress(rounds / planned, "%d thread%s, %s: round %d/%d" % (
                threads, "" if threads == 1 else "s", input_name, rounds, planned))
    # Every variant gets x as it is (no per-model reorder, unlike edgetorch's bench): name its layout so the
    # report can set it beside edgetorch's.
    layout = "nchw" if x.is_contiguous() else "nhwc" if x.is_contiguous(memory_format=torch.channels_last) else "strided"
    results = []
    eager_median = None
    for l in loaded:
        s = stats_ms(l["samples"])
        if l["v"].id == "fp32-eager":
            eager_median = s["median_ms"]
        results.append(dict({"variant": l["v"].id, "threads": threads, "input": input_name,
                             "runs": len(l["samples"]), "warmup_runs": l["warmup"]}, **s,
                            load_ms=None if l["load_ns"] is None else l["load_ns"] / 1e6,
                            first_inference_ms=l["first_ns"] / 1e6, timer="python time.perf_counter_ns",
                            input_layout=layout, input_conversion_ms=0.0))
    for r in results:
        r["ratio_to_fp32_eager"] = None if eager_median is None else r["median_ms"] / eager_median
    return results


# ---------------------------------------------------------------- main

def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--manifest", required=True, metavar="FILE", help="written by edgetorch study --with-python")
    p.add_argument("--out", required=True, metavar="FILE", help="result JSON (edgetorch.python-study/1)")
    args = p.parse_args(argv)
    with open(args.manifest) as f:
        manifest = json.load(f)
    if manifest.get("schema") != MANIFEST_SCHEMA:
        die("%s: not an edgetorch study manifest (schema %r)" % (args.manifest, manifest.get("schema")))
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    shape = manifest["shape"]
    calibration = [load_f32(f, shape) for f in manifest["calibration"]]
    held_out = [load_f32(f, shape) for f in manifest["held_out"]]
    inputs = [(name, load_f32(f, shape)) for name, f in manifest["latency_inputs"].items()]
    example = inputs[0][1]
    notes = []
    torch.set_num_threads(manifest["threads"][0])
    default_engine = torch.backends.quantized.engine
    exported, eager, variants = build(manifest, calibration, example, notes)

    progress(BUILD_SHARE, "agreement on %d held-out photos" % len(held_out))
    reference = forward_each(eager, held_out)
    cross = agreement(reference, forward_each(exported, held_out))
    notes.append("edgetorch's exported TorchScript file run by PyTorch %s vs torchvision's %s with the same weights: "
                 "max abs logit difference %.3g on %d held-out photos"
                 % (torch.__version__, manifest["arch"], cross["max_abs_diff"], len(held_out)))
    for v in variants[1:]:
        v.select_engine()
        v.agreement = agreement(reference, forward_each(v.loader(), held_out))
    torch.backends.quantized.engine = default_engine

    latency = []
    blocks = len(manifest["threads"]) * len(inputs)
    done = 0
    for threads in manifest["threads"]:
        for name, x in inputs:
            def report(fraction, detail, done=done):
                progress(BUILD_SHARE + (1 - BUILD_SHARE) * (done + fraction) / blocks, detail)
            latency.extend(measure(variants, x, name, threads, manifest["plan"], report))
            done += 1

    result = {
        "schema": SCHEMA,
        "python": platform.python_version(),
        "executable": sys.executable,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "platform": platform.system().lower() + "-" + platform.machine(),
        "quantized_engines": [e for e in torch.backends.quantized.supported_engines if e != "none"],
        "default_quantized_engine": default_engine,
        "variants": [{"id": v.id, "label": v.label, "format": v.format, "precision": v.precision, "engine": v.engine,
                      "file": v.path, "bytes": os.path.getsize(v.path) if v.path else None,
                      "agreement": v.agreement} for v in variants],
        "latency": latency,
        "notes": notes,
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, args.out)
    progress(1.0, "done")


if __name__ == "__main__":
    main(sys.argv[1:])
