#!/usr/bin/env python3
"""`weightport convert` on a 250 MB Detectron pickle against the Python way of doing the same, same run.

- to safetensors: target <= 0.2x the time of pickle.load(encoding='latin1') + safetensors.numpy.save_file;
- to .pth: target no slower than torch.save of the same tensors (loaded beforehand, not timed);
- peak memory (max RSS of the weightport process) <= 1.5x the input size.
The Detectron pickle (real Detectron blob names, R-101-FPN Mask R-CNN) is made once from the
torchvision checkpoint of make_checkpoints.py by weightport itself, then cached in bench/out/.
"""
import argparse
import pickle
import subprocess
import time

import numpy as np
import torch
from safetensors.numpy import save_file

import make_checkpoints
import measure

OUT = make_checkpoints.OUT


def detectron_pickle(binary):
    path = OUT / "r101_fpn_detectron_names.pkl"
    if not path.exists():
        subprocess.check_call([binary, "convert", str(OUT / "r101_fpn_maskrcnn.pth"), "--to", "detectron",
                               "-o", str(path), "--force"], stdout=subprocess.DEVNULL)
    return path


def python_to_safetensors(src, dst):
    with open(src, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")["blobs"]
    save_file({k: np.ascontiguousarray(v) for k, v in blobs.items()}, str(dst))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    make_checkpoints.main()
    src = detectron_pickle(args.weightport)
    size = src.stat().st_size
    ref_st = measure.best_of(args.repeats, lambda: python_to_safetensors(src, OUT / "ref.safetensors"))
    with open(src, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")["blobs"]
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in blobs.items()}
    ref_pth = measure.best_of(args.repeats, lambda: torch.save(tensors, OUT / "ref.pth"))
    del tensors, blobs
    wp = {}
    for ext in ("safetensors", "pth"):
        runs = [measure.run([args.weightport, "convert", src, "-o", OUT / f"wp.{ext}", "--force"])
                for _ in range(args.repeats)]
        wp[ext] = (min(t for t, _, _ in runs), max(r for _, r, _ in runs))
    print(f"convert a {size / 1e6:.0f} MB Detectron pickle (R-101-FPN Mask R-CNN)")
    t, rss = wp["safetensors"]
    print(f"  -> safetensors: weightport {t:.3f} s vs pickle.load + save_file {ref_st:.3f} s: {t / ref_st:.2f}x "
          f"(target <= 0.2x: {'meets' if t <= 0.2 * ref_st else 'MISSES'}); peak RSS {rss / size:.2f}x input (target <= 1.5x)")
    t, rss = wp["pth"]
    print(f"  -> .pth:        weightport {t:.3f} s vs torch.save {ref_pth:.3f} s: {t / ref_pth:.2f}x "
          f"(target <= 1x: {'meets' if t <= ref_pth else 'MISSES'}); peak RSS {rss / size:.2f}x input")


if __name__ == "__main__":
    main()
