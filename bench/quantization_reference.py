#!/usr/bin/python3
"""PyTorch's own INT8 quantization of the same weights edgetorch quantizes, for side-by-side fidelity.

Run with the Python that has PyTorch (on the project machine: /usr/bin/python3, Debian's torch 1.13 and
torchvision 0.14). It reads the parameters of an FP32 TorchScript file written by `edgetorch export`
(torchvision's names) into torchvision's MobileNet-V2 / ResNet-18, quantizes that with PyTorch:

  - FX graph mode, static, default qconfig of each engine Python has (qnnpack: per-tensor weights;
    onednn: per-channel weights; histogram activation observers), calibrated on the first 16 bundled
    photos (sorted by name), as `edgetorch quantize` does by default;
  - quantize_dynamic on the Linear layers;

and reports fidelity to FP32 on the other (held-out) photos: SQNR (PyTorch numeric suite's
20*log10(||ref|| / ||ref - q||)), cosine over all logits, top-1 agreement, top-5 agreement (reference
top-1 among the candidate's top 5), max |logit diff|. Files given with --compare (e.g. edgetorch's INT8
outputs) are loaded with torch.jit.load under each engine and measured the same way, which also shows
whether PyTorch can read them.

  /usr/bin/python3 bench/quantization_reference.py --model models/mobilenet_v2_fp32.pt \
      --compare models/mobilenet_v2_int8_onednn.pt --compare models/mobilenet_v2_dynamic_int8.pt

Preprocessing is torchvision's (PIL, antialiased bilinear), which edgetorch's default matches closely
(src/site/markdown/preprocessing.md); both sides of each comparison here see the same tensors.
"""
import argparse
import copy
import glob
import os
import sys
import warnings

try:
    import torch
    import torchvision
    import torchvision.transforms as T
    from PIL import Image
except ImportError as e:
    print("quantization_reference: needs torch, torchvision and PIL (" + str(e) + "); run with /usr/bin/python3",
          file=sys.stderr)
    sys.exit(1)

warnings.filterwarnings("ignore")
CALIBRATION = 16


def images(folder):
    exts = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
    files = sorted(p for p in glob.glob(os.path.join(folder, "*")) if p.lower().endswith(exts))
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return torch.stack([tf(Image.open(p).convert("RGB")) for p in files])


def torchvision_model(script):
    sd = script.state_dict()
    for name, ctor in (("mobilenet_v2", torchvision.models.mobilenet_v2), ("resnet18", torchvision.models.resnet18)):
        m = ctor()
        if set(m.state_dict().keys()) == set(sd.keys()):
            m.load_state_dict(sd)
            return name, m.eval()
    sys.exit("quantization_reference: the file's parameters are neither torchvision's mobilenet_v2 nor resnet18")


def run(model, xs):
    with torch.no_grad():
        return torch.cat([model(xs[i:i + 1]) for i in range(len(xs))])


def fidelity(ref, q):
    noise = (ref - q).pow(2).sum()
    sqnr = float("inf") if noise == 0 else (10 * torch.log10(ref.pow(2).sum() / noise)).item()
    cos = torch.nn.functional.cosine_similarity(ref.flatten(), q.flatten(), dim=0).item()
    top1 = (ref.argmax(1) == q.argmax(1)).float().mean().item()
    top5 = (q.topk(5, 1).indices == ref.argmax(1, keepdim=True)).any(1).float().mean().item()
    return "SQNR %6.2f dB  cosine %.4f  top-1 %3.0f%%  top-5 %3.0f%%  max|diff| %.3g" % (
        sqnr, cos, 100 * top1, 100 * top5, (ref - q).abs().max().item())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="FP32 TorchScript file from `edgetorch export`")
    ap.add_argument("--images", default="images", help="photos; the first 16 by name calibrate, the rest are held out")
    ap.add_argument("--compare", action="append", default=[], help="quantized TorchScript file(s) to measure too")
    a = ap.parse_args()
    torch.set_num_threads(1)
    xs = images(a.images)
    if len(xs) <= CALIBRATION:
        sys.exit("quantization_reference: need more than %d images in %s" % (CALIBRATION, a.images))
    calib, held = xs[:CALIBRATION], xs[CALIBRATION:]
    script = torch.jit.load(a.model).eval()
    name, fp32 = torchvision_model(script)
    ref = run(fp32, held)
    print("torch %s, %s from %s; %d calibration / %d held-out photos" % (torch.__version__, name, a.model,
                                                                         len(calib), len(held)))
    print("%-48s %s" % ("FP32 TorchScript file vs torchvision module", fidelity(ref, run(script, held))))
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    for engine in torch.backends.quantized.supported_engines:
        if engine == "none":
            continue
        torch.backends.quantized.engine = engine
        prepared = prepare_fx(copy.deepcopy(fp32), get_default_qconfig_mapping(engine), (calib[:1],))
        run(prepared, calib)
        q = convert_fx(prepared)
        print("%-48s %s" % ("PyTorch FX static, %s default qconfig" % engine, fidelity(ref, run(q, held))))
    dq = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32), {torch.nn.Linear}, dtype=torch.qint8)
    print("%-48s %s" % ("PyTorch quantize_dynamic (Linear)", fidelity(ref, run(dq, held))))
    for f in a.compare:
        for engine in torch.backends.quantized.supported_engines:
            if engine == "none":
                continue
            torch.backends.quantized.engine = engine
            label = "%s under %s" % (os.path.basename(f), engine)
            try:
                print("%-48s %s" % (label, fidelity(ref, run(torch.jit.load(f).eval(), held))))
            except Exception as e:  # report and go on: which files this PyTorch can run is the point
                print("%-48s FAILED: %s" % (label, str(e).strip().splitlines()[-1][:160]))


if __name__ == "__main__":
    main()
