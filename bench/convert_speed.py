#!/usr/bin/env python3
"""`weightport convert` on a 250 MB Detectron pickle against the Python way of doing the same, same run.

- to safetensors: target <= 0.2x the time of pickle.load(encoding='latin1') + safetensors.numpy.save_file;
- to .pth: target no slower than torch.save of the same tensors (loaded beforehand, not timed);
- peak memory (max RSS of the weightport process) <= 1.5x the input size.
The Detectron pickle (real Detectron blob names, R-101-FPN Mask R-CNN) is made once from the
torchvision checkpoint of make_checkpoints.py by weightport itself, then cached in bench/out/.

Runs alternate (reference, weightport, reference, …) so drift in the machine hits both sides, and
every run writes a new file (the previous output is deleted and the page cache synced first).
Writes of 250 MB into the page cache vary a lot run to run here, so the verdict uses medians;
the best runs are printed too. weightport's time includes its process start, reading and
mapping the pickle; the references' times start with their data already in Python.
"""
import argparse
import os
import pickle
import subprocess

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


def write_from_memory(data, dst):
    """The least any converter must do: put the bytes into a new file (space reserved first, as
    weightport does), from memory that is already mapped."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.posix_fallocate(fd, 0, len(data))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def paired(repeats, reference, weightport_args, output_ref, output_wp):
    """(reference times, weightport times, weightport peak RSS), alternating runs."""
    ref, wp, peak = [], [], 0
    for _ in range(repeats):
        measure.fresh(output_ref)
        ref.append(measure.in_process(reference))
        measure.fresh(output_wp)
        t, rss, code = measure.run(weightport_args)
        if code != 0:
            raise SystemExit(f"weightport failed: {weightport_args}")
        wp.append(t)
        peak = max(peak, rss)
    return ref, wp, peak


def report(label, reference_name, ref, wp, peak, size, target, meets):
    m_ref, m_wp = measure.median(ref), measure.median(wp)
    print(f"  -> {label}: weightport median {m_wp:.3f} s (best {min(wp):.3f}) vs {reference_name} median {m_ref:.3f} s "
          f"(best {min(ref):.3f}): {m_wp / m_ref:.2f}x (best/best {min(wp) / min(ref):.2f}x; target {target}: "
          f"{'meets' if meets(m_wp, m_ref) else 'MISSES'}); peak RSS {peak / size:.2f}x input (target <= 1.5x)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(2)
    make_checkpoints.main()
    src = detectron_pickle(args.weightport)
    size = src.stat().st_size
    print(f"convert a {size / 1e6:.0f} MB Detectron pickle (R-101-FPN Mask R-CNN), {args.repeats} paired runs")

    ref_st, wp_st = OUT / "ref.safetensors", OUT / "wp.safetensors"
    ref, wp, peak = paired(args.repeats, lambda: python_to_safetensors(src, ref_st),
                           [args.weightport, "convert", src, "-o", wp_st], ref_st, wp_st)
    report("safetensors", "pickle.load + save_file", ref, wp, peak, size, "<= 0.2x", lambda w, r: w <= 0.2 * r)
    data = src.read_bytes()
    floor_path = OUT / "floor.bin"
    floor = []
    for _ in range(args.repeats):
        measure.fresh(floor_path)
        floor.append(measure.in_process(lambda: write_from_memory(data, floor_path)))
    measure.fresh(floor_path)
    del data
    print(f"     floor: writing the {size / 1e6:.0f} MB from memory into a new file alone takes median "
          f"{measure.median(floor):.3f} s (best {min(floor):.3f}) = {measure.median(floor) / measure.median(ref):.2f}x "
          f"the reference median; weightport's time over this floor: {measure.median(wp) - measure.median(floor):.3f} s")

    with open(src, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")["blobs"]
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in blobs.items()}
    ref_pth, wp_pth = OUT / "ref.pth", OUT / "wp.pth"
    ref, wp, peak = paired(args.repeats, lambda: torch.save(tensors, ref_pth),
                           [args.weightport, "convert", src, "-o", wp_pth], ref_pth, wp_pth)
    report(".pth", "torch.save", ref, wp, peak, size, "<= 1x", lambda w, r: w <= r)


if __name__ == "__main__":
    main()
