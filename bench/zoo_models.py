"""Traces torchvision's model zoo into TorchScript files for `edgetorch zoo` (run with Debian's /usr/bin/python3:
python3-torch 1.13, python3-torchvision 0.14; no download: the weights are torchvision's seeded initialization).

    /usr/bin/python3 bench/zoo_models.py [OUT_DIR]          # default models/zoo
    java -jar target/edgetorch.jar zoo models/zoo

Untrained weights leave BatchNorm's running statistics at mean 0, variance 1, under which activations of a deep
network drift until the logits are nearly constant and every fidelity figure is noise. As edgetorch does for its
built-in model, the statistics are re-estimated on the bundled calibration photos (the first 16 of
images/index.txt, preprocessed as torchvision does: resize 256, centre crop 224, ImageNet mean/std), so INT8
fidelity compares meaningful activations. Each file records nothing about training: edgetorch reports it as
untrained. PyTorch's trace is written as is (not frozen), as a user would hand it over.
"""
import os
import sys

import torch
import torchvision
from PIL import Image
from torchvision import transforms

MODELS = ["mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "squeezenet1_1",
          "shufflenet_v2_x1_0", "mnasnet1_0", "resnet18", "resnet50"]
CALIBRATION_COUNT = 16

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "models", "zoo")
os.makedirs(out_dir, exist_ok=True)

with open(os.path.join(root, "images", "index.txt")) as f:
    names = [line.strip() for line in f if line.strip() and not line.startswith("#")]
prep = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                           transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
batch = torch.stack([prep(Image.open(os.path.join(root, "images", n)).convert("RGB")) for n in names[:CALIBRATION_COUNT]])

for name in MODELS:
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    # cumulative averages over the calibration batch (momentum None), as edgetorch re-estimates its own model
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(batch)
    model.eval()
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        traced = torch.jit.trace(model, x)
    path = os.path.join(out_dir, name + ".pt")
    tmp = path + ".tmp"
    traced.save(tmp)
    os.replace(tmp, path)
    params = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        logits = model(batch[:2])
    print(f"{path}: {params / 1e6:.2f} M parameters, logits std {float(logits.std()):.3g}")
