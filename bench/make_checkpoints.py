#!/usr/bin/env python3
"""Builds the ~250 MB benchmark inputs under bench/out/ (git-ignored), once.

- r101_fpn_maskrcnn.pth: torchvision Mask R-CNN with a ResNet-101 FPN backbone (random init,
  nothing downloaded), saved by torch.save (zip format).
- r101_fpn_detectron.pkl: the same tensors as a Detectron `{'blobs': …, 'cfg': …}` pickle written
  by genuine Python 2.7 + numpy 1.16 (protocol 2), as Detectron's model zoo files are.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import torch
import torchvision

OUT = pathlib.Path(__file__).resolve().parent / "out"
PY2LIB = pathlib.Path(os.environ.get("WP_PY2LIB", "/work/py2lib"))

PY2_WRITER = r"""
import sys, pickle, numpy as np
src, dst = sys.argv[1], sys.argv[2]
data = np.load(src)
blobs = dict((k, data[k]) for k in data.files)
with open(dst, 'wb') as f:
    pickle.dump({'blobs': blobs, 'cfg': 'MODEL:\n  TYPE: generalized_rcnn\n  CONV_BODY: FPN.add_fpn_ResNet101_conv5_body\n'}, f, 2)
"""


def state_dict():
    torch.manual_seed(0)
    backbone = torchvision.models.detection.backbone_utils.resnet_fpn_backbone(
        backbone_name="resnet101", weights=None, trainable_layers=5)
    model = torchvision.models.detection.MaskRCNN(backbone, num_classes=91)
    return model.state_dict()


def ensure_py2_numpy():
    if (PY2LIB / "numpy").exists():
        return
    env = dict(os.environ, PYENV_VERSION="2.7.18")
    subprocess.check_call(["python2.7", "-m", "pip", "install", "-q", "--target", str(PY2LIB), "numpy==1.16.6"], env=env)


def main():
    OUT.mkdir(exist_ok=True)
    pth = OUT / "r101_fpn_maskrcnn.pth"
    pkl = OUT / "r101_fpn_detectron.pkl"
    if pth.exists() and pkl.exists():
        return
    sd = state_dict()
    torch.save(sd, pth)
    npz = OUT / "blobs.npz"
    np.savez(npz, **{k.replace(".", "_"): v.numpy() for k, v in sd.items() if v.dtype == torch.float32})
    ensure_py2_numpy()
    env = dict(os.environ, PYENV_VERSION="2.7.18", PYTHONPATH=str(PY2LIB))
    subprocess.check_call(["python2.7", "-c", PY2_WRITER, str(npz), str(pkl)], env=env)
    npz.unlink()
    print(f"wrote {pth} ({pth.stat().st_size / 1e6:.0f} MB) and {pkl} ({pkl.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    sys.exit(main())
