#!/usr/bin/env python3
"""`weightport convert` on a 250 MB Detectron pickle against the Python way of doing the same, same run.

- to safetensors: target <= 0.2x the time of pickle.load(encoding='latin1') + safetensors.numpy.save_file;
- to .pth: target no slower than torch.save of the same tensors (loaded beforehand, not timed);
- to .pkl (Detectron's own layout) and .h5 (the HDF5 bundle): reported against pickle.dump and h5py;
- every format: within 1.5x the floor (issue #14), writing the same number of bytes from memory
  into a new file with its space reserved (bench/floor.c), measured in the same rounds;
- peak memory (max RSS of the weightport process) <= 1.5x the input size.
The source is read back into the page cache first (bench/page_cache.py), as a file read from
disk is cached, and the line above the rows says how much of it lies in 2 MiB folios.
The Detectron pickle (real Detectron blob names, R-101-FPN Mask R-CNN) is made once from the
torchvision checkpoint of make_checkpoints.py by weightport itself, then cached in bench/out/.

Runs alternate (reference, weightport, reference, …) so drift in the machine hits both sides, and
every run writes a new file (the previous output is deleted and the page cache synced first).
Writes of 250 MB into the page cache vary a lot run to run here, so the verdict uses medians;
the best runs are printed too. weightport's time includes its process start, reading and
mapping the pickle; the references' times start with their data already in Python.
"""
import argparse
import pickle
import subprocess

import numpy as np
import torch
from safetensors.numpy import save_file

import floor
import make_checkpoints
import measure
import page_cache

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


def python_to_pickle(blobs, dst):
    with open(dst, "wb") as f:
        pickle.dump({"blobs": blobs}, f, 2)


def python_to_h5(blobs, dst):
    import h5py
    with h5py.File(dst, "w") as f:
        for name, array in blobs.items():
            f.create_dataset(name, data=array)


def rounds(repeats, reference, weightport_args, output_ref, output_wp, src, extra=None):
    """`repeats` alternating rounds of reference, weightport and the write floor (bench/floor.c:
    the source's bytes already in memory, written into a new file with its space reserved; its
    in-process time, since the floor starts with the bytes in memory), and the format's own floor
    when `extra` names one (`hash`: the SHA-256 a bundle records; `zip`: the copy with the CRC-32
    a zip records)."""
    floor_path = OUT / "floor.bin"
    ref, wp, peak, floors, extras = [], [], 0, [], []
    for _ in range(repeats):
        r, w, p = paired(1, reference, weightport_args, output_ref, output_wp)
        ref += r
        wp += w
        peak = max(peak, p)
        floors.append(floor.run("write", src, floor_path)[1])
        if extra == "hash":
            extras.append(floor.run("hash", src)[1])
        elif extra == "zip":
            extras.append(floor.run("zip", src, floor_path)[1])
    measure.fresh(floor_path)
    measure.fresh(output_ref)
    measure.fresh(output_wp)
    return ref, wp, peak, floors, extras


def report_floor(floors, wp, ref):
    m_floor, m_wp = measure.median(floors), measure.median(wp)
    print(f"     floor: the same bytes from memory into a new file, median {m_floor:.3f} s (best {min(floors):.3f}) "
          f"= {m_floor / measure.median(ref):.2f}x the reference; weightport median {m_wp:.3f} s = {m_wp / m_floor:.2f}x the floor "
          f"(target <= 1.5x: {'meets' if m_wp <= 1.5 * m_floor else 'MISSES'}), {m_wp - m_floor:.3f} s above it")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--formats", default="safetensors,pth,pkl,h5")
    args = parser.parse_args()
    torch.set_num_threads(2)
    make_checkpoints.main()
    floor.build()
    src = detectron_pickle(args.weightport)
    # Read back, as a file read from disk is cached: the state decides what mapping it costs
    # (page_cache.py); bench/convert_pairs.py --source-cache both measures the other one too.
    page_cache.read_back(src)
    size = src.stat().st_size
    formats = args.formats.split(",")
    print(f"convert a {size / 1e6:.0f} MB Detectron pickle (R-101-FPN Mask R-CNN), {args.repeats} alternating rounds "
          f"(reference, weightport, floor); load average {measure.load_average()}")
    print(f"  source {page_cache.describe(src)}")
    with open(src, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")["blobs"]
    for fmt in formats:
        ref_out, wp_out = OUT / f"ref.{fmt}", OUT / f"wp.{fmt}"
        wp_args = [args.weightport, "convert", src, "-o", wp_out]
        if fmt == "safetensors":
            reference, name, target, meets = (lambda: python_to_safetensors(src, ref_out), "pickle.load + save_file",
                                              "<= 0.2x", lambda w, r: w <= 0.2 * r)
        elif fmt == "pth":
            tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in blobs.items()}
            reference, name, target, meets = (lambda: torch.save(tensors, ref_out), "torch.save", "<= 1x",
                                              lambda w, r: w <= r)
        elif fmt == "pkl":
            reference, name, target, meets = (lambda: python_to_pickle(blobs, ref_out), "pickle.dump (protocol 2)",
                                              "reported", lambda w, r: True)
        else:
            reference, name, target, meets = (lambda: python_to_h5(blobs, ref_out), "h5py create_dataset",
                                              "reported", lambda w, r: True)
        extra = {"h5": "hash", "pth": "zip"}.get(fmt)
        ref, wp, peak, floors, extras = rounds(args.repeats, reference, wp_args, ref_out, wp_out, src, extra=extra)
        report(fmt, name, ref, wp, peak, size, target, meets)
        report_floor(floors, wp, ref)
        if extras:
            # A bundle records its source's SHA-256 (DESIGN.md §8), a zip each record's CRC-32:
            # each is a floor of its own beside the plain write.
            m_extra = measure.median(extras)
            what = ("SHA-256 of the source alone (libcrypto, mapped, one thread)" if extra == "hash" else
                    "zip floor: the source mapped and written, its CRC-32 on the populating thread")
            print(f"     {what}: median {m_extra:.3f} s "
                  f"= {m_extra / measure.median(floors):.2f}x the write floor; weightport = {measure.median(wp) / m_extra:.2f}x it")
    print(f"  load average after: {measure.load_average()}")


if __name__ == "__main__":
    main()
