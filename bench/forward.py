#!/usr/bin/env python3
"""Times WeightPort's reference forward pass against PyTorch on the same machine and input.

Cases: ResNet-50 (1x3x224x224, with the 1000-class classifier) and R-50-FPN (1x3x800x800, P2-P6),
both with random weights, torchvision layout (stride on the 3x3), PyTorch limited to 2 threads.
The Swift side is `wpbench` (bench/wpbench), built in release unless --wpbench gives its path.
Single forward passes alternate between the two (wpbench --serve answers one pass per request),
so load from other processes on a shared machine hits both alike; reported are each side's best and
median pass and the median of the per-pair ratios. FLOPs are PyTorch's own count (FlopCounterMode),
used for both sides' GFLOP/s.

usage: python bench/forward.py [--wpbench PATH] [--scratch-path DIR] [--pairs-r50 20] [--pairs-fpn 4]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREADS = 2
TARGET_RATIO = 1.25


def build_wpbench(scratch_path):
    command = ["swift", "build", "-c", "release", "--product", "wpbench"]
    if scratch_path:
        command += ["--scratch-path", scratch_path]
    subprocess.run(command, cwd=ROOT, check=True)
    binary = subprocess.run(command + ["--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return pathlib.Path(binary.stdout.strip()) / "wpbench"


def torch_models():
    classifier = torchvision.models.resnet50().eval()
    fpn = resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5).eval()
    return {"R-50": (classifier, 224, ["--classes", "1000"]), "R-50-FPN": (fpn, 800, [])}


def time_torch_once(model, x):
    with torch.inference_mode():
        start = time.perf_counter()
        model(x)
        return (time.perf_counter() - start) * 1e3


def count_flops(model, x):
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


def time_pairs(binary, arch, size, extra, input_path, model, x, pairs):
    """Alternates one Swift pass and one PyTorch pass `pairs` times (after a warm-up of each)."""
    command = [str(binary), arch, str(size), str(size), "0", "--stride-3x3", "--input", str(input_path), "--serve"] + extra
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready", "wpbench did not start"
    time_torch_once(model, x)  # warm-up, as wpbench does before `ready`
    swift_times, torch_times = [], []
    for _ in range(pairs):
        server.stdin.write("run\n")
        server.stdin.flush()
        swift_times.append(float(server.stdout.readline()))
        torch_times.append(time_torch_once(model, x))
    summary, _ = server.communicate("")
    return swift_times, torch_times, json.loads(summary)["max_rss_mb"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wpbench", type=pathlib.Path)
    parser.add_argument("--scratch-path")
    parser.add_argument("--pairs-r50", type=int, default=20)
    parser.add_argument("--pairs-fpn", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    binary = args.wpbench or build_wpbench(args.scratch_path)
    pairs = {"R-50": args.pairs_r50, "R-50-FPN": args.pairs_fpn}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for arch, (model, size, extra) in torch_models().items():
            x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
            input_path = pathlib.Path(tmp) / f"{arch}.f32"
            input_path.write_bytes(x.numpy().astype("<f4").tobytes())
            flops = count_flops(model, x)
            swift_times, torch_times, rss = time_pairs(binary, arch, size, extra, input_path, model, x, pairs[arch])
            results[arch] = (flops, swift_times, torch_times, rss)
    print(f"threads: PyTorch torch.set_num_threads({THREADS}); Swift splits each sgemm over "
          f"{os.cpu_count()} cores (single-threaded OpenBLAS parts)")
    print(f"{'case':<16}{'GFLOP':>7}{'Swift best/median ms':>24}{'PyTorch best/median ms':>26}"
          f"{'ratio best/median/paired':>27}{'Swift GFLOP/s':>15}{'PyTorch GFLOP/s':>17}")
    for arch, (flops, swift_times, torch_times, rss) in results.items():
        s_best, s_med = min(swift_times), statistics.median(swift_times)
        t_best, t_med = min(torch_times), statistics.median(torch_times)
        paired = statistics.median(s / t for s, t in zip(swift_times, torch_times))
        print(f"{arch + ' ' + ('224' if arch == 'R-50' else '800'):<16}{flops / 1e9:>7.1f}"
              f"{f'{s_best:.1f} / {s_med:.1f}':>24}{f'{t_best:.1f} / {t_med:.1f}':>26}"
              f"{f'{s_best / t_best:.2f} / {s_med / t_med:.2f} / {paired:.2f}':>27}"
              f"{flops / s_best / 1e6:>15.1f}{flops / t_best / 1e6:>17.1f}")
    fpn_rss = results["R-50-FPN"][3]
    print(f"Swift peak RSS (R-50-FPN 800x800 process, VmHWM): {fpn_rss:.0f} MB")
    worst = max(statistics.median(a / b for a, b in zip(s, t)) for _, s, t, _ in results.values())
    print(f"target ratio <= {TARGET_RATIO}: {'met' if worst <= TARGET_RATIO else 'NOT met'} (worst median paired ratio {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
