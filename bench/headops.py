#!/usr/bin/env python3
"""Times WeightPort's detection-head ops (`wpbench headops`) against torchvision's on the same shapes.

Random FPN features of an 800x800 image (P2-P5, 256 channels), the same 1000 boxes on both sides
(one integer formula, see box()), PyTorch limited to 2 threads:
  box_pool      MultiScaleRoIAlign(['p2'..'p5'], 7, 2) on 1000 boxes   (torchvision's box pooler)
  mask_pool     MultiScaleRoIAlign(..., 14, 2) on 100 boxes            (mask / keypoint pooler)
  mask_deconv   ConvTranspose2d(256, 256, 2, 2) + ReLU on 100x256x14x14 (conv5_mask)
  kps_deconv    ConvTranspose2d(512, 17, 4, 2, 1) on 100x512x14x14      (kps_score_lowres)
  kps_upsample  interpolate(x2, bilinear, align_corners=False) on 100x17x28x28
Prints each op's median on both sides and the ratio (WeightPort / torchvision; < 1 is faster).

usage: python bench/headops.py [--wpbench PATH] [--runs 7]
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import MultiScaleRoIAlign

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREADS = 2
IMAGE, CHANNELS = 800, 256


def box(i):
    """Box i, the same integer formula as HeadOpsBench.box in bench/wpbench/HeadOpsBench.swift."""
    x1, y1 = (i * 37) % 700, (i * 53) % 700
    return [x1, y1, x1 + 4 + (i * 97) % 500, y1 + 4 + (i * 89) % 500]


def time_op(op, runs):
    with torch.inference_mode():
        op()  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            op()
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def torch_times(runs):
    torch.set_num_threads(THREADS)
    gen = torch.Generator().manual_seed(0)
    features = {f"p{l}": torch.randn(1, CHANNELS, IMAGE >> l, IMAGE >> l, generator=gen) for l in range(2, 6)}
    boxes = torch.tensor([box(i) for i in range(1000)], dtype=torch.float32)
    box_pooler = MultiScaleRoIAlign(list(features), 7, 2)
    mask_pooler = MultiScaleRoIAlign(list(features), 14, 2)
    mask_deconv = nn.ConvTranspose2d(256, 256, 2, stride=2).eval()
    kps_deconv = nn.ConvTranspose2d(512, 17, 4, stride=2, padding=1).eval()
    mask_in, kps_in = torch.randn(100, 256, 14, 14, generator=gen), torch.randn(100, 512, 14, 14, generator=gen)
    lowres = torch.randn(100, 17, 28, 28, generator=gen)
    sizes = [(IMAGE, IMAGE)]
    ops = {
        "box_pool": lambda: box_pooler(features, [boxes], sizes),
        "mask_pool": lambda: mask_pooler(features, [boxes[:100]], sizes),
        "mask_deconv": lambda: F.relu(mask_deconv(mask_in)),
        "kps_deconv": lambda: kps_deconv(kps_in),
        "kps_upsample": lambda: F.interpolate(lowres, scale_factor=2.0, mode="bilinear", align_corners=False,
                                              recompute_scale_factor=False),
    }
    return {name: time_op(op, runs) for name, op in ops.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wpbench")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    wpbench = args.wpbench
    if not wpbench:
        command = ["swift", "build", "-c", "release", "--product", "wpbench"]
        subprocess.run(command, cwd=ROOT, check=True)
        out = subprocess.run(command + ["--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
        wpbench = str(pathlib.Path(out.stdout.strip()) / "wpbench")
    ours = json.loads(subprocess.run([wpbench, "headops", str(args.runs)], check=True, capture_output=True,
                                     text=True).stdout)
    theirs = torch_times(args.runs)
    print(f"{'op':<14}{'weightport ms':>15}{'torchvision ms':>16}{'ratio':>8}")
    for name, reference in theirs.items():
        mine = ours[name]["median_ms"]
        print(f"{name:<14}{mine:>15.2f}{reference:>16.2f}{mine / reference:>8.2f}")


if __name__ == "__main__":
    main()
