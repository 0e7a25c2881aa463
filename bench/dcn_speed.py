#!/usr/bin/env python3
"""Times WeightPort's deformable conv layer against torchvision's `deform_conv2d` in the same run.

Each case is one DCN bottleneck conv2 as R-50 has it at an 800x800 input (res3: 128 channels at
100x100, res4: 256 at 50x50, res5: 512 at 25x25): the offset conv (3x3, with bias), for DCNv2 the
thirds split and the sigmoid, then the deformable 3x3 conv (channels -> channels, stride 1, no
bias). Random values of the same shapes on both sides; PyTorch limited to 2 threads. Single passes
alternate between `wpbench dcn ... --serve` and PyTorch, so load from other processes on a shared
machine hits both alike; printed are each side's median and the median of the per-pair ratios
(WeightPort / torchvision, below 1 = faster).

Also prints GhostNet's depthwise layers: `DepthwiseConvolution` (direct loop) against
`Convolution(groups: c)` (one sgemm per channel) and PyTorch's depthwise `conv2d`, and, as they are
memory-bound (issue #14), the bytes the direct loop moves per second (input read + output written)
against a copy of the same bytes split over the cores (`wpbench depthwise`, same process); and the whole
`ReferenceGhostNet` (ghostnet_100, 1x3x224x224, random weights) against timm's `ghostnet_100`,
alternating passes as for the DCN layers.

usage: python bench/dcn_speed.py [--wpbench PATH] [--pairs 10]
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import time

import timm
import measure
import torch
import torch.nn.functional as F
from torchvision.ops import deform_conv2d

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREADS = 2
CASES = [  # name, channels, size, modulated, deformable groups
    ("res3 DCNv2", 128, 100, True, 1),
    ("res4 DCNv2", 256, 50, True, 1),
    ("res4 DCNv2 g4", 256, 50, True, 4),
    ("res4 DCNv1", 256, 50, False, 1),
    ("res5 DCNv2", 512, 25, True, 1),
]
DEPTHWISE = [(120, 56, 3, 2), (72, 56, 3, 1), (480, 14, 5, 1), (960, 7, 5, 1)]  # ghostnet_100 at 224x224


def torch_layer(channels, size, modulated, groups):
    generator = torch.Generator().manual_seed(0)
    offset_channels = (3 if modulated else 2) * groups * 9
    x = torch.randn(1, channels, size, size, generator=generator)
    offset_weight = torch.randn(offset_channels, channels, 3, 3, generator=generator) * 0.02
    offset_bias = torch.randn(offset_channels, generator=generator)
    weight = torch.randn(channels, channels, 3, 3, generator=generator) * 0.05

    def run():
        out = F.conv2d(x, offset_weight, offset_bias, padding=1)
        if modulated:
            o1, o2, mask = torch.chunk(out, 3, dim=1)
            return deform_conv2d(x, torch.cat((o1, o2), dim=1), weight, padding=(1, 1), mask=mask.sigmoid())
        return deform_conv2d(x, out, weight, padding=(1, 1))
    return run


def timed(function):
    with torch.inference_mode():
        start = time.perf_counter()
        function()
        return (time.perf_counter() - start) * 1e3


def bench_case(wpbench, name, channels, size, modulated, groups, pairs):
    arguments = [str(wpbench), "dcn", str(channels), str(size), "0", "--deformable-groups", str(groups), "--serve"]
    if not modulated:
        arguments.append("--v1")
    return alternate(arguments, torch_layer(channels, size, modulated, groups), pairs,
                     f"{name:>15} {channels:4d}x{size}x{size}", "torchvision deform_conv2d")


def bench_ghostnet(wpbench, pairs):
    model = timm.create_model("ghostnet_100").eval()
    x = torch.randn(1, 3, 224, 224)
    return alternate([str(wpbench), "ghostnet", "1.0", "224", "0", "--serve"], lambda: model(x), pairs,
                     "ghostnet_100 1x3x224x224", "timm")


def alternate(arguments, run, pairs, label, reference):
    """Alternates single passes of `wpbench … --serve` and `run`; prints medians and the pair ratio."""
    process = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    timed(run)  # warm-up
    ours, theirs = [], []
    for _ in range(pairs):
        process.stdin.write("run\n")
        process.stdin.flush()
        ours.append(float(process.stdout.readline()))
        theirs.append(timed(run))
    process.stdin.close()
    summary = process.stdout.read().strip().splitlines()
    process.wait()
    ratio = statistics.median(a / b for a, b in zip(ours, theirs))
    print(f"{label}: WeightPort {statistics.median(ours):8.1f} ms, {reference} {statistics.median(theirs):8.1f} ms, "
          f"ratio {ratio:.2f}", flush=True)
    trace = json.loads(summary[-1]).get("trace") if summary else None
    if trace:  # issue #14: where the pass goes, products against the rest (depthwise, SE, pools)
        products = sum(kind["ms"] for kind in trace["kinds"].values())
        kinds = ", ".join(f"{name} {kind['ms']:.1f} ms ({kind['gflop'] / kind['ms'] * 1e3:.0f} GFLOP/s)"
                          for name, kind in trace["kinds"].items())
        print(f"  traced pass {trace['pass_ms']:.1f} ms: {trace['gflop']:.2f} GFLOP of conv+linear products in "
              f"{products:.1f} ms ({kinds}); the rest {trace['pass_ms'] - products:.1f} ms", flush=True)
    return ratio


def bench_depthwise(wpbench, channels, size, kernel, stride):
    result = json.loads(subprocess.run([str(wpbench), "depthwise", str(channels), str(size), str(kernel), str(stride), "20"],
                                       check=True, capture_output=True, text=True).stdout)
    x = torch.randn(1, channels, size, size)
    weight = torch.randn(channels, 1, kernel, kernel)
    run = lambda: F.conv2d(x, weight, stride=stride, padding=(kernel - 1) // 2, groups=channels)
    timed(run)
    torch_ms = statistics.median(timed(run) for _ in range(20))
    print(f"  depthwise {channels:4d}x{size}x{size} k{kernel} s{stride}: direct {result['direct_ms']:.3f} ms, "
          f"grouped sgemm {result['grouped_sgemm_ms']:.3f} ms, PyTorch {torch_ms:.3f} ms; direct moves "
          f"{result['direct_gb_s']:.1f} GB/s against a copy of the same bytes at {result['copy_gb_s']:.1f} GB/s "
          f"({result['direct_gb_s'] / result['copy_gb_s']:.0%})", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wpbench")
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    wpbench = pathlib.Path(args.wpbench) if args.wpbench else measure.build_wpbench()
    print(f"torch {torch.__version__}, {THREADS} threads; per-pair median ratio WeightPort / torchvision")
    ratios = [bench_case(wpbench, *case, args.pairs) for case in CASES]
    print(f"geometric mean ratio {statistics.geometric_mean(ratios):.2f}")
    for case in DEPTHWISE:
        bench_depthwise(wpbench, *case)
    bench_ghostnet(wpbench, 4 * args.pairs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
