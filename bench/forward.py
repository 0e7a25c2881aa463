#!/usr/bin/env python3
"""Times WeightPort's reference forward pass against PyTorch on the same machine and input.

Cases: ResNet-50 (1x3x224x224, with the 1000-class classifier) and R-50-FPN (1x3x800x800, P2-P6),
both with random weights, torchvision layout (stride on the 3x3), PyTorch limited to 2 threads.
The Swift side is `wpbench` (bench/wpbench), built in release unless --wpbench gives its path.
Runs alternate between the two in rounds so that load from other processes hits both alike;
both the best and the median run are reported. FLOPs are PyTorch's own count (FlopCounterMode),
used for both sides' GFLOP/s.

usage: python bench/forward.py [--wpbench PATH] [--scratch-path DIR] [--rounds 2]
"""
import argparse
import json
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


def time_torch(model, x, runs):
    times = []
    with torch.inference_mode():
        model(x)  # warm-up, as wpbench does
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    return times


def count_flops(model, x):
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


def time_swift(binary, arch, size, extra, input_path, runs):
    command = [str(binary), arch, str(size), str(size), str(runs), "--stride-3x3", "--input", str(input_path)] + extra
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wpbench", type=pathlib.Path)
    parser.add_argument("--scratch-path")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    binary = args.wpbench or build_wpbench(args.scratch_path)
    runs = {"R-50": 10, "R-50-FPN": 2}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for arch, (model, size, extra) in torch_models().items():
            x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
            input_path = pathlib.Path(tmp) / f"{arch}.f32"
            input_path.write_bytes(x.numpy().astype("<f4").tobytes())
            flops = count_flops(model, x)
            swift_times, torch_times, rss = [], [], 0.0
            for _ in range(args.rounds):
                report = time_swift(binary, arch, size, extra, input_path, runs[arch])
                swift_times += report["times_ms"]
                rss = max(rss, report["max_rss_mb"])
                torch_times += time_torch(model, x, runs[arch])
            results[arch] = (flops, swift_times, torch_times, rss)
    print(f"threads: {THREADS} (torch.set_num_threads; OpenBLAS uses all {torch.get_num_threads()} it is given)")
    print(f"{'case':<22}{'GFLOP':>7}{'Swift best/median ms':>24}{'PyTorch best/median ms':>26}{'ratio best/median':>20}"
          f"{'Swift GFLOP/s':>15}{'PyTorch GFLOP/s':>17}")
    for arch, (flops, swift_times, torch_times, rss) in results.items():
        s_best, s_med = min(swift_times), statistics.median(swift_times)
        t_best, t_med = min(torch_times), statistics.median(torch_times)
        print(f"{arch + ' ' + ('224' if arch == 'R-50' else '800'):<22}{flops / 1e9:>7.1f}"
              f"{f'{s_best:.1f} / {s_med:.1f}':>24}{f'{t_best:.1f} / {t_med:.1f}':>26}"
              f"{f'{s_best / t_best:.2f} / {s_med / t_med:.2f}':>20}"
              f"{flops / s_best / 1e6:>15.1f}{flops / t_best / 1e6:>17.1f}")
    fpn_rss = results["R-50-FPN"][3]
    print(f"Swift peak RSS (R-50-FPN 800x800 process, max over rounds): {fpn_rss:.0f} MB")
    worst = max(min(s) / min(t) for _, s, t, _ in results.values())
    print(f"target ratio <= {TARGET_RATIO}: {'met' if worst <= TARGET_RATIO else 'NOT met'} (worst best-run ratio {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
