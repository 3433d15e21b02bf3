#!/usr/bin/python3
"""edgetorch's .tflite files checked against the real thing: PyTorch's torchvision MobileNet-V2 as the oracle.

Run from the repository with Debian's Python (/usr/bin/python3: torch 1.13, torchvision 0.14) after
`mvn package` (target/edgetorch.jar). It writes, under --models (default models/):

  mobilenet_v2_fp32.pt          edgetorch export                       (the seeded, untrained built-in model)
  mobilenet_v2_fp32.tflite      edgetorch export --format tflite --in mobilenet_v2_fp32.pt
  mobilenet_v2_int8.tflite      edgetorch quantize --mode static --format tflite --in mobilenet_v2_fp32.pt
  mobilenet_v2_int8_onednn.pt   edgetorch quantize --mode static --engine onednn --in mobilenet_v2_fp32.pt

then

1. runs `edgetorch predict --model mobilenet_v2_fp32.tflite --save-io` on the bundled photos (TensorFlow Lite with
   XNNPACK, the NHWC conversion done by edgetorch), reads the exact input tensors and TFLite's logits from the
   --save-io file, and computes torchvision's MobileNet-V2 (holding the .pt file's weights) on the same tensors.
   Target: max |diff| <= 1e-4 of the largest logit, for every photo.
2. `edgetorch compare`-free fidelity: INT8 TFLite and LibTorch INT8 (onednn, same calibration) against the FP32
   .pt on the held-out photos, from their own --save-io files: SQNR and top-5 agreement. Target: TFLite within
   1 dB of LibTorch.
3. `edgetorch bench` of the FP32 and INT8 .tflite interleaved, with XNNPACK and with --no-xnnpack (one thread):
   target INT8 faster than FP32 under XNNPACK; ratios printed.
4. Size of the INT8 .tflite: target <= 4.0 MB.

  /usr/bin/python3 bench/tflite_reference.py [--jar target/edgetorch.jar] [--models models] [--min-time 5]
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import warnings

try:
    import numpy as np
    import torch
    import torchvision
except ImportError as e:
    print("tflite_reference: needs torch, torchvision and numpy (" + str(e) + "); run with /usr/bin/python3", file=sys.stderr)
    sys.exit(1)

warnings.filterwarnings("ignore")


def edgetorch(jar, *args):
    cmd = ["java", "-jar", jar] + list(args)
    print("$ edgetorch " + " ".join(cmd[3:]), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("tflite_reference: edgetorch failed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
    return r.stdout


def tensor(entry):
    data = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4")
    return data.reshape(entry["shape"])


def io_file(path):
    with open(path) as f:
        doc = json.load(f)
    inputs = {i["id"]: (i["name"], tensor(i)) for i in doc["inputs"]}
    variant = doc["variants"][0]
    outputs = {o["input"]: tensor(o) for o in variant["outputs"]}
    return inputs, outputs


def sqnr_db(ref, other):
    noise = ((ref - other) ** 2).sum()
    return float("inf") if noise == 0 else 10 * np.log10((ref ** 2).sum() / noise)


def top5_agreement(ref, other):
    hits = 0
    for r, o in zip(ref, other):
        hits += int(np.argmax(o) in np.argsort(-r)[:5])
    return hits / len(ref)


def build(a, m):
    edgetorch(a.jar, "export", "--out", m("mobilenet_v2_fp32.pt"))
    print(edgetorch(a.jar, "export", "--format", "tflite", "--in", m("mobilenet_v2_fp32.pt"), "--out", m("mobilenet_v2_fp32.tflite")), end="")
    print(edgetorch(a.jar, "quantize", "--mode", "static", "--format", "tflite", "--in", m("mobilenet_v2_fp32.pt"),
                    "--out", m("mobilenet_v2_int8.tflite")), end="")
    edgetorch(a.jar, "quantize", "--mode", "static", "--engine", "onednn", "--in", m("mobilenet_v2_fp32.pt"),
              "--out", m("mobilenet_v2_int8_onednn.pt"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jar", default="target/edgetorch.jar")
    ap.add_argument("--models", default="models")
    ap.add_argument("--images", default="images")
    ap.add_argument("--min-time", default="5")
    ap.add_argument("--reuse", action="store_true", help="keep the four model files if they exist already")
    a = ap.parse_args()
    m = lambda name: os.path.join(a.models, name)
    torch.set_num_threads(1)
    os.makedirs(a.models, exist_ok=True)

    files = [m(f) for f in ("mobilenet_v2_fp32.pt", "mobilenet_v2_fp32.tflite", "mobilenet_v2_int8.tflite", "mobilenet_v2_int8_onednn.pt")]
    if not (a.reuse and all(os.path.isfile(f) for f in files)):
        build(a, m)

    script = torch.jit.load(m("mobilenet_v2_fp32.pt")).eval()
    tv = torchvision.models.mobilenet_v2()
    tv.load_state_dict(script.state_dict())
    tv.eval()
    ok = True

    with tempfile.TemporaryDirectory() as tmp:
        # 1. FP32 .tflite against torchvision, on edgetorch's exact input tensors
        io = os.path.join(tmp, "fp32.json")
        edgetorch(a.jar, "predict", "--model", m("mobilenet_v2_fp32.tflite"), "--save-io", io, a.images)
        inputs, outputs = io_file(io)
        worst = 0.0
        for iid, (name, x) in inputs.items():
            with torch.no_grad():
                ref = tv(torch.from_numpy(x.copy())).numpy()
            rel = np.abs(ref - outputs[iid].reshape(ref.shape)).max() / np.abs(ref).max()
            worst = max(worst, rel)
        passed = worst <= 1e-4
        ok &= passed
        print("FP32 .tflite (TFLite, XNNPACK) vs torch %s torchvision %s MobileNet-V2 on %d photos: max |diff| = %.2e of the "
              "largest logit (target <= 1e-4): %s" % (torch.__version__, torchvision.__version__, len(inputs), worst,
                                                        "PASS" if passed else "FAIL"))

        # 2. INT8 fidelity on the held-out photos: TFLite INT8 and LibTorch INT8 against the FP32 .pt
        held = os.path.join(tmp, "held")
        os.makedirs(held)
        # the bundled held-out photos: those after the 16 calibration photos in images/index.txt (StudyImages)
        with open(os.path.join(a.images, "index.txt")) as f:
            photos = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        for p in photos[16:]:
            os.symlink(os.path.abspath(os.path.join(a.images, p)), os.path.join(held, p))
        results = {}
        for label, model in (("fp32", m("mobilenet_v2_fp32.pt")), ("tflite_int8", m("mobilenet_v2_int8.tflite")),
                             ("libtorch_int8", m("mobilenet_v2_int8_onednn.pt"))):
            path = os.path.join(tmp, "held_" + label + ".json")
            edgetorch(a.jar, "predict", "--model", model, "--save-io", path, held)
            ins, outs = io_file(path)
            results[label] = np.stack([outs[k].reshape(-1) for k in sorted(outs)])
        ref = results["fp32"]
        t_sqnr, l_sqnr = sqnr_db(ref, results["tflite_int8"]), sqnr_db(ref, results["libtorch_int8"])
        passed = t_sqnr >= l_sqnr - 1.0
        ok &= passed
        print("INT8 fidelity vs FP32 on %d held-out photos: TFLite SQNR %.2f dB (top-5 agreement %.0f%%), LibTorch onednn "
              "SQNR %.2f dB (top-5 %.0f%%); target TFLite within 1 dB or better: %s" % (
                  len(ref), t_sqnr, 100 * top5_agreement(ref, results["tflite_int8"]), l_sqnr,
                  100 * top5_agreement(ref, results["libtorch_int8"]), "PASS" if passed else "FAIL"))

        # 3. speed, interleaved, one thread: XNNPACK, then TFLite's built-in kernels
        medians = {}
        for flag in ([], ["--no-xnnpack"]):
            out = os.path.join(tmp, "bench%s.json" % len(flag))
            edgetorch(a.jar, "bench", "--quiet", "--model", m("mobilenet_v2_fp32.tflite"), "--model", m("mobilenet_v2_int8.tflite"),
                      "--min-time", a.min_time, "--out", out, *flag)
            with open(out) as f:
                rows = json.load(f)["targets"]
            key = "builtin" if flag else "xnnpack"
            # thread-CPU and wall medians: on a shared machine the CPU time is the steadier of the two
            medians[key] = [(r["cpu_ms"]["median"], r["wall_ms"]["median"]) for r in rows]
        for clock, k in (("thread-CPU", 0), ("wall", 1)):
            x = [v[k] for v in medians["xnnpack"]]
            b = [v[k] for v in medians["builtin"]]
            passed = x[1] < x[0]
            ok &= passed
            print("median %s ms, 1 thread: XNNPACK FP32 %.2f, INT8 %.2f (FP32/INT8 %.2fx); built-in kernels FP32 %.2f, INT8 %.2f "
                  "(FP32/INT8 %.2fx); XNNPACK speed-up on INT8 %.2fx; target XNNPACK INT8 faster than FP32: %s" % (
                      clock, x[0], x[1], x[0] / x[1], b[0], b[1], b[0] / b[1], b[1] / x[1], "PASS" if passed else "FAIL"))

    size = os.path.getsize(m("mobilenet_v2_int8.tflite"))
    passed = size <= 4.0e6
    ok &= passed
    print("INT8 .tflite size: %.2f MB (FP32 %.2f MB); target <= 4.0 MB: %s" % (
        size / 1e6, os.path.getsize(m("mobilenet_v2_fp32.tflite")) / 1e6, "PASS" if passed else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
