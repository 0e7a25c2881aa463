#!/usr/bin/env python3
"""`weightport inspect --stats` against the Python reference on the same 250 MB files, same run.

Reference for the torch zip: torch.load(weights_only=True) + per-tensor min/max/mean/std in
float64. Reference for the Detectron pickle: pickle.load(encoding='latin1') + the same statistics
in NumPy. Both sides run best-of-N on a warm page cache; Python imports are excluded from its time
(in WeightPort's favour of nothing: its time includes process start-up). Peak memory of the
weightport process is its max RSS, compared with the file size.

The floor (issue #14): a process that maps the file and adds up every byte once (bench/floor.c),
and the same loop over read(); both are timed as whole processes, like weightport, in runs
alternating with weightport's (weightport, map floor, read floor, …), and compared by medians.
Target: weightport within 1.5x the map floor.
"""
import argparse
import pickle
import time

import numpy as np
import torch

import floor
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
    """Reference best-of-`repeats`; then `repeats` alternating rounds of weightport and the floors."""
    ref = measure.best_of(min(repeats, 3), lambda: reference(path))
    wp, mapped, read, inner, rss = [], [], [], [], 0
    for _ in range(repeats):
        t, peak, code = measure.run([binary, "inspect", path, "--stats", "--json"])
        if code != 0:
            raise SystemExit(f"weightport failed on {path}")
        wp.append(t)
        rss = max(rss, peak)
        whole, timed = floor.run("map", path)
        mapped.append(whole)
        inner.append(timed)
        read.append(floor.run("read", path)[0])
    return ref, wp, mapped, read, inner, rss, path.stat().st_size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(2)
    make_checkpoints.main()
    out = make_checkpoints.OUT
    cases = [
        ("torch zip  (torch.load weights_only + torch stats)", out / "r101_fpn_maskrcnn.pth", torch_reference, 1.0),
        ("detectron pickle (pickle.load latin1 + numpy stats)", out / "r101_fpn_detectron.pkl", numpy_reference, 10.0),
    ]
    floor.build()
    print(f"inspect --stats on 250 MB files, {args.repeats} alternating rounds; ratio to the reference = reference "
          f"time / weightport time; ratio to the floor = weightport median / floor median; load average {measure.load_average()}")
    for label, path, reference, target in cases:
        ref, wp, mapped, read, inner, rss, size = compare(args.weightport, path, reference, args.repeats)
        ratio = ref / min(wp)
        verdict = "meets" if ratio >= target else "MISSES"
        m_wp, m_map = measure.median(wp), measure.median(mapped)
        print(f"  {label}: reference {ref:.3f} s, weightport {min(wp):.3f} s (best), ratio {ratio:.1f}x "
              f"(target >= {target:g}x: {verdict}); peak RSS {rss / 1e6:.0f} MB = {rss / size:.2f}x file "
              f"({size / 1e6:.0f} MB; target <= 1.2x)")
        print(f"     floor: map + sum every byte {m_map:.3f} s median (best {min(mapped):.3f}; in-process "
              f"{measure.median(inner):.3f}), read() + sum {measure.median(read):.3f} s; weightport median {m_wp:.3f} s "
              f"= {m_wp / m_map:.2f}x the map floor (target <= 1.5x: {'meets' if m_wp <= 1.5 * m_map else 'MISSES'})")
    print(f"  load average after: {measure.load_average()}")


if __name__ == "__main__":
    main()
