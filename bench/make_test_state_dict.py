"""Regenerates src/test/resources/org/edgetorch/nn/tiny_state_dict.pth (run with Debian's /usr/bin/python3).

A torch.save'd state dict of a tiny conv-bn-linear module, exactly as torchvision weight files are written
(an OrderedDict with _metadata), so the Java unpickler path is tested without Python. Values are
arange(numel) * 0.01 per tensor, num_batches_tracked = 7.
"""
import sys
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 10)


m = Tiny()
sd = m.state_dict()
for k, v in sd.items():
    if k.endswith("num_batches_tracked"):
        v.fill_(7)
    else:
        v.copy_((torch.arange(v.numel(), dtype=torch.float32) * 0.01).reshape(v.shape))
torch.save(sd, sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/org/edgetorch/nn/tiny_state_dict.pth")
