#!/usr/bin/env python3
"""`weightport inspect --stats` against the Python reference on the same 250 MB files, same run.

Reference for the torch zip: torch.load(weights_only=True) + per-tensor min/max/mean/std in
float64. Reference for the Detectron pickle: pickle.load(encoding='latin1') + the same statistics
in NumPy. Both sides run best-of-N on a warm page cache; Python imports are excluded from its time
(in WeightPort's favour of nothing: its time includes process start-up). Peak memory of the
weightport process is its max RSS, compared with the file size.
"""
import argparse
import pickle
import time

import numpy as np
import torch

import make_checkpoints
import measure


def torch_reference(path):
    sd = torch.load(path, weights_only=True)
    for t in sd.values():
        d = t.to(torch.float64)
        if d.numel():
            d.min(), d.max(), d.mean(), d.std(correction=0)


def numpy_reference(path):
    with open(path, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")["blobs"]
    for a in blobs.values():
        if a.size:
            a.min(), a.max(), a.mean(dtype=np.float64), a.std(dtype=np.float64)


def compare(binary, path, reference, repeats):
    ref = measure.best_of(repeats, lambda: reference(path))
    runs = [measure.run([binary, "inspect", path, "--stats", "--json"]) for _ in range(repeats)]
    if any(code != 0 for _, _, code in runs):
        raise SystemExit(f"weightport failed on {path}")
    wp = min(t for t, _, _ in runs)
    rss = max(r for _, r, _ in runs)
    size = path.stat().st_size
    return ref, wp, rss, size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    make_checkpoints.main()
    out = make_checkpoints.OUT
    cases = [
        ("torch zip  (torch.load weights_only + torch stats)", out / "r101_fpn_maskrcnn.pth", torch_reference, 1.0),
        ("detectron pickle (pickle.load latin1 + numpy stats)", out / "r101_fpn_detectron.pkl", numpy_reference, 10.0),
    ]
    print("inspect --stats on 250 MB files; ratio = reference time / weightport time")
    for label, path, reference, target in cases:
        ref, wp, rss, size = compare(args.weightport, path, reference, args.repeats)
        ratio = ref / wp
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"  {label}: reference {ref:.3f} s, weightport {wp:.3f} s, ratio {ratio:.1f}x "
              f"(target >= {target:g}x: {verdict}); peak RSS {rss / 1e6:.0f} MB = {rss / size:.2f}x file "
              f"({size / 1e6:.0f} MB; target <= 1.2x)")


if __name__ == "__main__":
    main()
