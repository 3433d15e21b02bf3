#!/usr/bin/python3
"""Compare edgetorch's preprocessing with torchvision's reference path on the bundled images.

Reference: PIL decode + convert("RGB") (as torchvision's ImageFolder loader does), then
transforms.Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std).
edgetorch: `edgetorch preprocess --bundled --resize MODE --out DIR` for each resize mode.

Run with the Python that has torch + torchvision (Debian's /usr/bin/python3):
    mvn -q -B package -DskipTests        # builds target/edgetorch.jar
    /usr/bin/python3 bench/preprocess_vs_torchvision.py
Options: --edgetorch "CMD" (default: java -jar target/edgetorch.jar), --modes antialias,linear,area,
--images DIR (default: images/), --json FILE (write the numbers).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

REFERENCE = transforms.Compose([
    transforms.Resize(256),  # PIL bilinear, antialiased
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
# One 8-bit level after normalization is 1/255/std: 0.0171 (R), 0.0175 (G), 0.0174 (B).
LEVEL = 1.0 / 255 / 0.224


def reference(path):
    with open(path, "rb") as f:
        img = Image.open(f).convert("RGB")
    return REFERENCE(img).unsqueeze(0).numpy()


def run_edgetorch(cmd, mode, out):
    args = shlex.split(cmd) + ["preprocess", "--bundled", "--resize", mode, "--out", out]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def load(out, stem):
    with open(os.path.join(out, stem + ".json")) as f:
        meta = json.load(f)
    return np.fromfile(os.path.join(out, stem + ".f32"), "<f4").reshape(meta["shape"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edgetorch", default="java -jar " + os.path.join(ROOT, "target", "edgetorch.jar"))
    ap.add_argument("--modes", default="antialias,linear,area")
    ap.add_argument("--images", default=os.path.join(ROOT, "images"))
    ap.add_argument("--json", help="also write the numbers to this JSON file")
    a = ap.parse_args()

    with open(os.path.join(a.images, "index.txt")) as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    refs = {n: reference(os.path.join(a.images, n)) for n in names}
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, PIL {Image.__version__}; "
          f"{len(names)} images; one 8-bit level = {LEVEL:.4f} after normalization")

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in a.modes.split(","):
            out = os.path.join(tmp, mode)
            run_edgetorch(a.edgetorch, mode, out)
            rows = []
            for n in names:
                ours = load(out, os.path.splitext(n)[0])
                ref = refs[n]
                assert ours.shape == ref.shape, (n, ours.shape, ref.shape)
                d = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
                rows.append({"image": n, "max_abs": float(d.max()), "mean_abs": float(d.mean()),
                             "identical": bool(np.array_equal(ours, ref)),
                             "max_levels": float(d.max() / LEVEL),
                             "off_by_level_pct": float((d > LEVEL / 2).mean() * 100)})
            results[mode] = rows

    modes = list(results)
    print()
    print("| image | " + " | ".join(f"{m} max | {m} mean" for m in modes) + " |")
    print("|---|" + "---:|---:|" * len(modes))
    for i, n in enumerate(names):
        cells = []
        for m in modes:
            r = results[m][i]
            cells += [f"{r['max_abs']:.4f}", f"{r['mean_abs']:.2e}"]
        print(f"| {n} | " + " | ".join(cells) + " |")
    summary = {}
    for m in modes:
        rows = results[m]
        summary[m] = {
            "max_abs": max(r["max_abs"] for r in rows),
            "mean_of_mean_abs": sum(r["mean_abs"] for r in rows) / len(rows),
            "worst_mean_abs": max(r["mean_abs"] for r in rows),
            "pct_values_off_by_a_level": sum(r["off_by_level_pct"] for r in rows) / len(rows),
            "bit_identical_images": sum(r["identical"] for r in rows),
        }
    print()
    print("| resize | max abs diff (all images) | mean abs diff (avg over images) | worst image mean abs "
          "| values off by >= 1 level | bit-identical images |")
    print("|---|---:|---:|---:|---:|---:|")
    for m, s in summary.items():
        print(f"| {m} | {s['max_abs']:.4f} | {s['mean_of_mean_abs']:.2e} | {s['worst_mean_abs']:.2e} | "
              f"{s['pct_values_off_by_a_level']:.1f}% | {s['bit_identical_images']}/{len(names)} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"per_image": results, "summary": summary}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
