#!/usr/bin/env python3
"""Times WeightPort's reference forward pass against PyTorch on the same machine and input.

Cases: ResNet-50 (1x3x224x224, with the 1000-class classifier) and R-50-FPN (1x3x800x800 and
1x3x800x1333, P2-P6), all with random weights, torchvision layout (stride on the 3x3), PyTorch limited to 2 threads.
The Swift side is `wpbench` (bench/wpbench), built in release unless --wpbench gives its path.
Single forward passes alternate between the two (wpbench --serve answers one pass per request),
so load from other processes on a shared machine hits both alike; reported are each side's best and
median pass and the median of the per-pair ratios. FLOPs are PyTorch's own count (FlopCounterMode),
used for both sides' GFLOP/s.

Issue #14's floors come from the same wpbench process, each timed once per pair between the passes:
`sgemm`, one 2048^3 product split over the cores as the forward pass splits its products (the
machine's sgemm rate at the same thread count), and `floor`, OpenBLAS alone on exactly this
network's conv and linear products (every layer's m x n x k, no im2col, no epilogue). WeightPort's
rate is printed as a % of the sgemm rate (goal >= 80%), and `floor` separates "sgemm is slow on these
shapes" from WeightPort's own overhead. A final traced pass splits WeightPort's time by layer kind.

usage: python bench/forward.py [--wpbench PATH] [--scratch-path DIR] [--pairs-r50 20] [--pairs-fpn 4] [--only CASE]
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

import measure
import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREADS = 2
TARGET_RATIO = 1.25
TARGET_SGEMM_SHARE = 0.80


def torch_models():
    classifier = torchvision.models.resnet50().eval()
    fpn = resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5).eval()
    return {"R-50 224": ("R-50", classifier, (224, 224), ["--classes", "1000"]),
            "R-50-FPN 800": ("R-50-FPN", fpn, (800, 800), []),
            "R-50-FPN 800x1333": ("R-50-FPN", fpn, (800, 1333), []),
            # No PyTorch model here (bench/dcn_forward.py has it): WeightPort against the floors only.
            "DCNv2 R-50-FPN 800": ("R-50-FPN-DCNv2-c3c5-g4", None, (800, 800), [])}


def time_torch_once(model, x):
    with torch.inference_mode():
        start = time.perf_counter()
        model(x)
        return (time.perf_counter() - start) * 1e3


def count_flops(model, x):
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


def ask(server, line):
    server.stdin.write(line + "\n")
    server.stdin.flush()
    return server.stdout.readline()


def time_pairs(binary, arch, size, extra, input_path, model, x, pairs):
    """Alternates one Swift pass and one PyTorch pass `pairs` times (after a warm-up of each), each
    pair followed by one timing of each floor; then one traced pass."""
    # WP_BENCH_FIFO=1 (measure.FIFO): the pass and the sgemm floor, timed in this one process, both
    # run under SCHED_FIFO, so other jobs on the machine stop deciding the percentage.
    command = [*measure.FIFO, str(binary), arch, str(size[0]), str(size[1]), "0", "--stride-3x3", "--input", str(input_path),
               "--serve"] + extra
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready", "wpbench did not start"
    if model is not None:
        time_torch_once(model, x)  # warm-up, as wpbench does before `ready`
    times = {"swift": [], "torch": [], "sgemm": [], "floor": []}
    for _ in range(pairs):
        times["swift"].append(float(ask(server, "run")))
        times["torch"].append(time_torch_once(model, x) if model is not None else float("nan"))
        times["sgemm"].append(float(ask(server, "sgemm")))
        times["floor"].append(float(ask(server, "floor")))
    trace = json.loads(ask(server, "trace"))
    summary, _ = server.communicate("")
    return times, trace, json.loads(summary)["max_rss_mb"]


def print_floors(results):
    print(f"\nissue #14: sgemm 2048^3 split over {os.cpu_count()} cores (same process, one per pair); conv+linear "
          f"GFLOP from WeightPort's trace; rates from medians")
    print(f"{'case':<20}{'GFLOP':>7}{'sgemm GFLOP/s':>15}{'WeightPort GFLOP/s':>20}{'% of sgemm':>12}{'paired %':>10}"
          f"{'per-shape floor ms':>20}{'floor % of sgemm':>18}{'pass / floor':>14}")
    for case, (_, times, trace, _) in results.items():
        gflop = trace["gflop"]
        sgemm_rate = 2 * 2048 ** 3 / statistics.median(times["sgemm"]) / 1e6
        swift_rate = gflop / statistics.median(times["swift"]) * 1e3
        floor = statistics.median(times["floor"])
        share = swift_rate / sgemm_rate
        # The same share pair by pair (each pass against the sgemm timed right after it): under
        # load the two medians can fall on different moments, the paired figure much less so.
        paired_share = statistics.median((gflop / s * 1e3) / (2 * 2048 ** 3 / g / 1e6)
                                         for s, g in zip(times["swift"], times["sgemm"]))
        print(f"{case:<20}{gflop:>7.1f}{sgemm_rate:>15.1f}{swift_rate:>20.1f}"
              f"{f'{share:.0%}':>12}{f'{paired_share:.0%}':>10}{floor:>20.1f}{f'{gflop / floor * 1e3 / sgemm_rate:.0%}':>18}"
              f"{statistics.median(s / f for s, f in zip(times['swift'], times['floor'])):>14.2f}"
              f"  {'>= 80% met' if paired_share >= TARGET_SGEMM_SHARE else 'NOT met'} (paired)")
    print("\nwhere a traced WeightPort pass goes (ms by layer kind; the rest is pools, adds, upsampling):")
    for case, (_, _, trace, _) in results.items():
        kinds = ", ".join(f"{kind} {v['ms']:.0f} ({v['gflop'] / v['ms'] * 1e3:.0f} GFLOP/s)"
                          for kind, v in trace["kinds"].items())
        rest = trace["pass_ms"] - sum(v["ms"] for v in trace["kinds"].values())
        print(f"  {case}: pass {trace['pass_ms']:.0f} ms = {kinds}, rest {rest:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wpbench", type=pathlib.Path)
    parser.add_argument("--scratch-path")
    parser.add_argument("--pairs-r50", type=int, default=20)
    parser.add_argument("--pairs-fpn", type=int, default=4)
    parser.add_argument("--only", help="run just this case (e.g. 'R-50 224')")
    parser.add_argument("--no-dcn", action="store_true", help="skip the deformable R-50-FPN (floors only)")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    binary = args.wpbench or measure.build_wpbench(args.scratch_path)
    print(f"load average before: {open('/proc/loadavg').read().strip()}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case, (arch, model, size, extra) in torch_models().items():
            if (args.only and case != args.only) or (model is None and args.no_dcn):
                continue
            x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(0))
            input_path = pathlib.Path(tmp) / f"{arch}-{size[1]}.f32"
            input_path.write_bytes(x.numpy().astype("<f4").tobytes())
            flops = count_flops(model, x) if model is not None else float("nan")
            pairs = args.pairs_r50 if arch == "R-50" else args.pairs_fpn
            results[case] = (flops,) + time_pairs(binary, arch, size, extra, input_path, model, x, pairs)
    print(f"load average after: {open('/proc/loadavg').read().strip()}")
    print(f"threads: PyTorch torch.set_num_threads({THREADS}); Swift splits each sgemm over "
          f"{os.cpu_count()} cores (single-threaded OpenBLAS parts)")
    print(f"{'case':<20}{'GFLOP':>7}{'Swift best/median ms':>24}{'PyTorch best/median ms':>26}"
          f"{'ratio best/median/paired':>27}{'Swift GFLOP/s':>15}{'PyTorch GFLOP/s':>17}")
    for case, (flops, times, _, rss) in results.items():
        swift_times, torch_times = times["swift"], times["torch"]
        if flops != flops:  # no PyTorch side
            continue
        s_best, s_med = min(swift_times), statistics.median(swift_times)
        t_best, t_med = min(torch_times), statistics.median(torch_times)
        paired = statistics.median(s / t for s, t in zip(swift_times, torch_times))
        print(f"{case:<20}{flops / 1e9:>7.1f}"
              f"{f'{s_best:.1f} / {s_med:.1f}':>24}{f'{t_best:.1f} / {t_med:.1f}':>26}"
              f"{f'{s_best / t_best:.2f} / {s_med / t_med:.2f} / {paired:.2f}':>27}"
              f"{flops / s_best / 1e6:>15.1f}{flops / t_best / 1e6:>17.1f}")
    for case, (_, _, _, rss) in results.items():
        print(f"Swift peak RSS ({case} process, VmHWM): {rss:.0f} MB")
    print_floors(results)
    worst = max((statistics.median(a / b for a, b in zip(t["swift"], t["torch"]))
                 for flops, t, _, _ in results.values() if flops == flops), default=0)
    print(f"target ratio <= {TARGET_RATIO}: {'met' if worst <= TARGET_RATIO else 'NOT met'} (worst median paired ratio {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
