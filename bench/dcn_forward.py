#!/usr/bin/env python3
"""Times WeightPort's forward pass of a DCN R-50 at 800x800 against a torchvision reference (issue #11).

The reference: torchvision's resnet50 (stride on the 3x3, as `wpbench --stride-3x3`) whose conv2 in
every bottleneck of the deformable stages (res3-res5 for `c3c5`) is replaced by an offset conv (3x3,
the conv's stride, padding 1, with bias, (2 or 3) x groups x 9 rows) and `torchvision.ops.DeformConv2d`
(no bias); for DCNv2 the offset conv's output is split in thirds (offsets, then mask logits ->
sigmoid), as WeightPort's `.thirds` split does. With `-FPN` in the name the body feeds torchvision's
FPN (256 channels, P2-P5 + P6 by max-pool), as `resnet_fpn_backbone` builds it. The WeightPort side
is `wpbench <arch> 800 800 --stride-3x3 --input x.f32 --serve` on the same input, random weights on
both sides (offset convs He-uniform on both, so offsets are fractional and reach outside the map).

Single passes alternate between the two (wpbench --serve answers one pass per request), so load from
other processes on a shared machine hits both alike; printed are each side's median and best, the
median of the per-pair ratios (WeightPort / torchvision, below 1 = faster) and GFLOP/s from
PyTorch's FLOP count (FlopCounterMode counts convolutions; deform_conv2d is counted by hand here as
its own sgemm, 2 x out x in x 9 per output position). PyTorch is limited to 2 threads; WeightPort
splits each sgemm over the machine's 2 cores.

usage: python bench/dcn_forward.py [--wpbench PATH] [--pairs 5] [--size 800] [--arch R-50-FPN-DCNv2-c3c5-g4 ...]
"""
import argparse
import json
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

import measure
from forward import time_torch_once as timed
import torch
import torch.nn as nn
import torchvision
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.ops import DeformConv2d

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREADS = 2
DEFAULT_ARCHS = ["R-50-FPN-DCNv2-c3c5-g4", "R-50-FPN-DCN-c3c5"]


class DeformableConv2(nn.Module):
    """A bottleneck's conv2 made deformable: offset conv, (DCNv2) thirds split + sigmoid, DeformConv2d."""

    def __init__(self, conv, modulated, groups):
        super().__init__()
        self.modulated = modulated
        rows = (3 if modulated else 2) * groups * 9
        self.offset = nn.Conv2d(conv.in_channels, rows, 3, stride=conv.stride, padding=1, bias=True)
        bound = (6 / (conv.in_channels * 9)) ** 0.5  # He-uniform, as wpbench's random weights
        nn.init.uniform_(self.offset.weight, -bound, bound)
        nn.init.uniform_(self.offset.bias, -0.1, 0.1)
        self.conv = DeformConv2d(conv.in_channels, conv.out_channels, 3, stride=conv.stride, padding=1, bias=False)
        self.flops = 0  # deform_conv2d's, per pass (FlopCounterMode does not count it)

    def forward(self, x):
        out = self.offset(x)
        self.flops = 2 * self.conv.out_channels * self.conv.in_channels * 9 * out.shape[-2] * out.shape[-1]
        if self.modulated:
            third = out.shape[1] // 3
            return self.conv(x, out[:, :2 * third], out[:, 2 * third:].sigmoid())
        return self.conv(x, out)


def parse(arch):
    match = re.fullmatch(r"R-50(-FPN)?-(DCN|DCNv2)-c(\d)(?:c(\d))?(?:-g(\d+))?", arch)
    if not match:
        raise SystemExit(f"unsupported arch {arch!r}: R-50[-FPN]-DCN|DCNv2-c<first>[c<last>][-g<groups>]")
    fpn, kind, first, last, groups = match.groups()
    stages = range(int(first), int(last or first) + 1)
    return bool(fpn), kind == "DCNv2", stages, int(groups or 1)


def torch_model(arch):
    fpn, modulated, stages, groups = parse(arch)
    resnet = torchvision.models.resnet50()
    for stage in stages:  # res3 is torchvision's layer2
        for block in getattr(resnet, f"layer{stage - 1}"):
            block.conv2 = DeformableConv2(block.conv2, modulated, groups)
    if not fpn:
        return resnet.eval()
    model = BackboneWithFPN(resnet, {f"layer{i}": str(i - 1) for i in range(1, 5)}, [256, 512, 1024, 2048], 256)
    return model.eval()


def count_flops(model, x):
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(x)
    deformable = sum(m.flops for m in model.modules() if isinstance(m, DeformableConv2))
    return counter.get_total_flops() + deformable, deformable


def bench(wpbench, arch, size, pairs, tmp):
    model = torch_model(arch)
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    input_path = pathlib.Path(tmp) / "input.f32"
    input_path.write_bytes(x.numpy().astype("<f4").tobytes())
    extra = [] if "-FPN" in arch else ["--classes", "1000"]
    command = [str(wpbench), arch, str(size), str(size), "0", "--stride-3x3", "--input", str(input_path), "--serve"] + extra
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready", "wpbench did not start"
    timed(model, x)  # warm-up, as wpbench does before `ready`
    ours, theirs = [], []
    for _ in range(pairs):
        server.stdin.write("run\n")
        server.stdin.flush()
        ours.append(float(server.stdout.readline()))
        theirs.append(timed(model, x))
    summary, _ = server.communicate("")
    flops, deformable = count_flops(model, x)
    return ours, theirs, flops, deformable, json.loads(summary)["max_rss_mb"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wpbench")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--size", type=int, default=800)
    parser.add_argument("--arch", nargs="+", default=DEFAULT_ARCHS)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    wpbench = args.wpbench
    if not wpbench:
        wpbench = str(measure.build_wpbench())
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, torch.set_num_threads({THREADS}); "
          f"{args.pairs} alternating pairs, 1x3x{args.size}x{args.size}", flush=True)
    print(f"{'arch':<26}{'GFLOP (deform)':>16}{'WeightPort med/best ms':>24}{'torchvision med/best ms':>25}"
          f"{'paired ratio':>14}{'WP GFLOP/s':>12}{'tv GFLOP/s':>12}{'WP RSS MB':>11}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for arch in args.arch:
            ours, theirs, flops, deformable, rss = bench(wpbench, arch, args.size, args.pairs, tmp)
            ratio = statistics.median(a / b for a, b in zip(ours, theirs))
            mine, reference = statistics.median(ours), statistics.median(theirs)
            print(f"{arch:<26}{f'{flops / 1e9:.1f} ({deformable / 1e9:.1f})':>16}"
                  f"{f'{mine:.0f} / {min(ours):.0f}':>24}{f'{reference:.0f} / {min(theirs):.0f}':>25}{ratio:>14.2f}"
                  f"{flops / mine / 1e6:>12.1f}{flops / reference / 1e6:>12.1f}{rss:>11.0f}", flush=True)
            print(f"  per pair WeightPort ms {[round(t) for t in ours]}, torchvision ms {[round(t) for t in theirs]}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
