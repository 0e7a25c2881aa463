#!/usr/bin/env python3
"""Model-zoo conversion: `weightport convert ZOO -o OUT --jobs 2` against converting the same files
one by one (one process each, one after the other), in the same run, paired and alternated;
and the zoo run's peak RSS (GNU time) against the largest input (target: at most 3x at 2 jobs).

The zoo (bench/out/zoo/, git-ignored, built once): torchvision checkpoints of several sizes
(random initialisation, nothing downloaded) as torch zip, legacy torch and safetensors files, plus
the small convention fixtures (Detectron pickle, Caffe, mmdetection)."""
import argparse
import pathlib
import shutil
import sys

import torch
import torchvision
from safetensors.torch import save_file

import measure

HERE = pathlib.Path(__file__).resolve().parent
ZOO = HERE / "out" / "zoo"
FIXTURES = HERE.parent / "fixtures" / "conventions"


def build_zoo():
    if (ZOO / ".complete").exists():
        return
    ZOO.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    models = {
        "resnet18": torchvision.models.resnet18(), "resnet50": torchvision.models.resnet50(),
        "resnet101": torchvision.models.resnet101(), "resnext50_32x4d": torchvision.models.resnext50_32x4d(),
        "maskrcnn_r50_fpn": torchvision.models.detection.maskrcnn_resnet50_fpn(weights=None, weights_backbone=None),
    }
    (ZOO / "safetensors").mkdir(exist_ok=True)
    for name, model in models.items():
        sd = model.state_dict()
        torch.save(sd, ZOO / f"{name}.pth")
        save_file({k: v.contiguous() for k, v in sd.items()}, ZOO / "safetensors" / f"{name}_st.safetensors")
    torch.save(models["resnet50"].state_dict(), ZOO / "resnet50_legacy.pth", _use_new_zipfile_serialization=False)
    for name in ["detectron.pkl", "caffe.caffemodel", "mmdet.pth", "detectron2.pkl"]:
        shutil.copy(FIXTURES / name, ZOO / f"fixture_{name}")
    (ZOO / ".complete").write_text("")


def inputs():
    return sorted(p for p in ZOO.rglob("*") if p.is_file() and not p.name.startswith("."))


def zoo_run(weightport, out):
    shutil.rmtree(out, ignore_errors=True)
    return measure.run([weightport, "convert", ZOO, "-o", out, "--format", "safetensors", "--jobs", "2"])


def one_by_one(weightport, out):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    total, peak, status = 0.0, 0, 0
    for path in inputs():
        elapsed, rss, code = measure.run([weightport, "convert", path, "-o", out / (path.stem + ".safetensors")])
        total, peak, status = total + elapsed, max(peak, rss), status | code
    return total, peak, status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    build_zoo()
    files = inputs()
    largest = max(p.stat().st_size for p in files)
    total = sum(p.stat().st_size for p in files)
    print(f"zoo: {len(files)} files, {total / 1e6:.0f} MB, largest {largest / 1e6:.0f} MB; {args.repeats} paired runs")
    zoo_times, single_times, peaks = [], [], []
    for _ in range(args.repeats):
        elapsed, peak, status = zoo_run(args.weightport, HERE / "out" / "zoo-out")
        if status:
            sys.exit(f"zoo conversion failed ({status})")
        zoo_times.append(elapsed)
        peaks.append(peak)
        elapsed, _, status = one_by_one(args.weightport, HERE / "out" / "zoo-single")
        if status:
            sys.exit(f"a one-by-one conversion failed ({status})")
        single_times.append(elapsed)
    for out in ["zoo-out", "zoo-single"]:
        shutil.rmtree(HERE / "out" / out, ignore_errors=True)
    zoo, single = measure.median(zoo_times), measure.median(single_times)
    print(f"  convert ZOO --jobs 2: median {zoo:.2f} s (best {min(zoo_times):.2f}); one by one: median {single:.2f} s "
          f"(best {min(single_times):.2f}); ratio {zoo / single:.2f}x")
    peak = max(peaks)
    verdict = "ok" if peak <= 3 * largest else "MISSED"
    print(f"  peak RSS at 2 jobs: {peak / 1e6:.0f} MB = {peak / largest:.2f}x the largest input (target <= 3x: {verdict})")


if __name__ == "__main__":
    main()
