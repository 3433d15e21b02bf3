"""Regenerates src/test/resources/org/edgetorch/runtime/tiny_cnn.onnx and tiny_cnn_io.json
(run with Debian's /usr/bin/python3: python3-torch 1.13, python3-onnx).

A tiny CNN (conv-relu6-pool-flatten-linear) exported by PyTorch's own torch.onnx.export (opset 13, dynamic
batch), and one input with the output PyTorch computes for it: the ONNX Runtime tests run the file and
compare with PyTorch's numbers, so the reference is independent of edgetorch.
"""
import json
import sys

import onnx
import torch
from torch import nn

out_dir = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/org/edgetorch/runtime"


class TinyCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.act = nn.ReLU6()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.act(self.conv(x))), 1))


torch.manual_seed(7)
m = TinyCnn().eval()
x = torch.randn(2, 3, 8, 8)
with torch.no_grad():
    y = m(x)
path = out_dir + "/tiny_cnn.onnx"
torch.onnx.export(m, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
onnx.checker.check_model(onnx.load(path))
with open(out_dir + "/tiny_cnn_io.json", "w") as f:
    json.dump({"input_shape": list(x.shape), "input": x.flatten().tolist(),
               "output_shape": list(y.shape), "output": y.flatten().tolist(),
               "made_by": "torch " + torch.__version__ + " torch.onnx.export, onnx " + onnx.__version__}, f)
print("wrote", path)
