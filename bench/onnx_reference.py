#!/usr/bin/python3
"""edgetorch's ONNX files checked against the real thing: onnx.checker, PyTorch's torchvision, torch.onnx.export.

Run from the repository with Debian's Python (/usr/bin/python3: torch 1.13, torchvision 0.14, onnx 1.12) after
`mvn package` (target/edgetorch.jar). It writes, under --models (default models/):

  mobilenet_v2_fp32.pt          edgetorch export                       (the seeded, untrained built-in model)
  mobilenet_v2_fp32.onnx        edgetorch export --format onnx         (the same model, traced again, as ONNX)
  mobilenet_v2_int8.onnx        edgetorch quantize --mode static --format onnx --in mobilenet_v2_fp32.pt
  mobilenet_v2_int8_onednn.pt   edgetorch quantize --mode static --engine onednn --in mobilenet_v2_fp32.pt
  mobilenet_v2_torch.onnx       torch.onnx.export (opset 13, dynamic batch) of torchvision's MobileNet-V2 holding
                                the .pt file's weights

then checks both edgetorch ONNX files with onnx.checker (full check), computes torchvision's logits for every
bundled photo (torchvision's own preprocessing), and runs bench/OnnxBench.java in one JVM with ONNX Runtime Java:
edgetorch's FP32 logits against torchvision's (target: max |diff| <= 1e-4 of the largest logit), speed of the
three ONNX files interleaved on 1 thread (targets: edgetorch FP32 / torch FP32 <= 1.05, FP32 / INT8 >= 1.4), and
INT8 fidelity on the held-out photos next to LibTorch INT8 of the same calibration (target: within 1 dB SQNR).
Python's onnxruntime is not in Debian, hence ONNX Runtime Java.

  /usr/bin/python3 bench/onnx_reference.py [--jar target/edgetorch.jar] [--models models] [--rounds 300]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import warnings

try:
    import onnx
    import torch
    import torchvision
    import torchvision.transforms as T
    from PIL import Image
except ImportError as e:
    print("onnx_reference: needs torch, torchvision, onnx and PIL (" + str(e) + "); run with /usr/bin/python3",
          file=sys.stderr)
    sys.exit(1)

warnings.filterwarnings("ignore")


def edgetorch(jar, *args):
    cmd = ["java", "-jar", jar] + list(args)
    print("$ " + " ".join(cmd[3:]), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in r.stdout.splitlines():
        print("  " + line)
    if r.returncode != 0:
        sys.exit("onnx_reference: edgetorch failed: " + r.stderr.strip().splitlines()[-1])


def images(folder):
    exts = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
    files = sorted(p for p in glob.glob(os.path.join(folder, "*")) if p.lower().endswith(exts))
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return torch.stack([tf(Image.open(p).convert("RGB")) for p in files])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jar", default="target/edgetorch.jar")
    ap.add_argument("--models", default="models")
    ap.add_argument("--images", default="images")
    ap.add_argument("--rounds", default="300")
    a = ap.parse_args()
    m = lambda name: os.path.join(a.models, name)
    torch.set_num_threads(1)

    edgetorch(a.jar, "export", "--out", m("mobilenet_v2_fp32.pt"))
    edgetorch(a.jar, "export", "--format", "onnx", "--out", m("mobilenet_v2_fp32.onnx"))
    edgetorch(a.jar, "quantize", "--mode", "static", "--format", "onnx", "--in", m("mobilenet_v2_fp32.pt"),
              "--out", m("mobilenet_v2_int8.onnx"))
    edgetorch(a.jar, "quantize", "--mode", "static", "--engine", "onednn", "--in", m("mobilenet_v2_fp32.pt"),
              "--out", m("mobilenet_v2_int8_onednn.pt"))

    for f in ("mobilenet_v2_fp32.onnx", "mobilenet_v2_int8.onnx"):
        model = onnx.load(m(f))
        onnx.checker.check_model(model, full_check=True)
        print("onnx.checker (full, onnx %s): %s passes; opset %d, producer %s %s, inputs %s" % (
            onnx.__version__, f, model.opset_import[0].version, model.producer_name, model.producer_version,
            [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in model.graph.input]))

    script = torch.jit.load(m("mobilenet_v2_fp32.pt")).eval()
    tv = torchvision.models.mobilenet_v2()
    tv.load_state_dict(script.state_dict())
    tv.eval()
    torch.onnx.export(tv, torch.randn(1, 3, 224, 224), m("mobilenet_v2_torch.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print("torch %s: torch.onnx.export wrote %s" % (torch.__version__, m("mobilenet_v2_torch.onnx")))

    xs = images(a.images)
    with torch.no_grad():
        logits = tv(xs)
    with tempfile.TemporaryDirectory() as tmp:
        xf, lf = os.path.join(tmp, "inputs.f32"), os.path.join(tmp, "logits.f32")
        xs.numpy().astype("<f4").tofile(xf)
        logits.numpy().astype("<f4").tofile(lf)
        optimized = {k: os.path.join(tmp, k + "_optimized.onnx") for k in ("fp32", "torch", "int8")}
        here = os.path.dirname(os.path.abspath(__file__))
        r = subprocess.run(["java", "-cp", a.jar, os.path.join(here, "OnnxBench.java"),
                            "--fp32", m("mobilenet_v2_fp32.onnx"), "--torch-onnx", m("mobilenet_v2_torch.onnx"),
                            "--int8", m("mobilenet_v2_int8.onnx"), "--inputs", xf, "--logits", lf,
                            "--pt", m("mobilenet_v2_fp32.pt"), "--pt-int8", m("mobilenet_v2_int8_onednn.pt"),
                            "--fp32-optimized-out", optimized["fp32"], "--torch-optimized-out", optimized["torch"],
                            "--int8-optimized-out", optimized["int8"], "--rounds", a.rounds],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        print(r.stdout, end="")
        if r.returncode != 0:
            sys.exit("onnx_reference: OnnxBench failed: " + r.stderr.strip()[-2000:])
        for k, label in (("fp32", "edgetorch FP32"), ("torch", "torch.onnx.export FP32"), ("int8", "edgetorch INT8")):
            ops = {}
            for n in onnx.load(optimized[k]).graph.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            print("ONNX Runtime's optimized graph, %-22s %s" % (label + ":", ", ".join(
                "%s %d" % kv for kv in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0])))))


if __name__ == "__main__":
    main()
