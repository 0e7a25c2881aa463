#!/usr/bin/env python3
"""Two weightport binaries converting the same 254 MB Detectron pickle, against the write floor,
with nothing else in the rounds (issue #14).

convert_speed.py runs the Python references in the same rounds as weightport and the floor; their
2-3 s of writing 250 MB disturb the next floor (a `.pth` round once measured the floor at 0.079 s,
best 0.041). Here each round is: binary A and binary B (alternating which goes first), with
`floor write` before them, each after a `sync`, under SCHED_FIFO when WP_BENCH_FIFO=1; for `.h5` also
`floor hash`, the SHA-256 a bundle records, and for `.pth` `floor zip`, the copy floor with the
CRC-32 each zip record carries computed on its populating thread. Prints each binary's median and best, and the medians'
ratios to the floors. Give the same binary twice to measure one build.

`--case` picks the conversion: `plain` (the pickle to its own convention, the figure issue #14
holds), `momentum` (the same pickle with an SGD momentum blob beside every weight, as Detectron's
own model_final.pkl files hold: 508 MB, half of it optimizer state the output leaves out), or
`torchvision` (the pickle to torchvision's names: norms unfolded, so some tensors are computed).

`--source-cache` picks how the source sits in the page cache (bench/page_cache.py): `read` (read
back sequentially: mostly 2 MiB folios, as a file read from disk is), `small` (a copy written 4 KiB
a call: 4 KiB folios, one page-table entry per page to map and to drop), or `both`, one after the
other. The line before each state's rows says what mapping the source cost in it, and each format's
rows come with the copy floor in that state (`floor copy`: the source mapped, its bytes written
as the write floor writes them, a second thread making pages present ahead; all a conversion does
besides reading the structure and naming the tensors).

usage: python bench/convert_pairs.py A B [--formats safetensors,pth,pkl,h5] [--rounds 9]
                                         [--case plain|momentum|torchvision] [--source-cache read|small|both]
"""
import argparse
import pickle
import random
import statistics
import sys

import convert_speed
import floor
import make_checkpoints
import measure
import page_cache

OUT = make_checkpoints.OUT


def remove(path):
    measure.fresh(path)


def momentum_pickle(source):
    """`source` with a `<name>_momentum` blob beside every blob (protocol 4, in a shuffled order
    as a Python 2 dict would have it), written once."""
    path = OUT / "r101_fpn_detectron_momentum.pkl"
    if not path.exists():
        with open(source, "rb") as f:
            model = pickle.load(f, encoding="latin1")
        blobs = {}
        names = list(model["blobs"])
        random.Random(0).shuffle(names)
        for name in names:
            blobs[name] = model["blobs"][name]
            blobs[name + "_momentum"] = model["blobs"][name] * 0.5
        model["blobs"] = blobs
        with open(path, "wb") as f:
            pickle.dump(model, f, protocol=4)
    return path


def pairs(args, fmt, source, plain, extra):
    """One format's rounds: the floors, then A and B in alternating order; prints their rows."""
    floor_path = OUT / "floor.bin"
    output = OUT / f"pairs.{fmt}"
    times = {args.a: [], args.b: []}
    floors, copies, hashes, zips = [], [], [], []
    for round_index in range(args.rounds):
        # The floors first: right after a bundle conversion's output was removed, the write
        # floor measured 0.09-0.45 s instead of 0.04 (the file system still busy with it).
        # The output's size, not the source's: the momentum case's output is half its source.
        floors.append(floor.run("write", plain, floor_path)[1])
        remove(floor_path)
        copies.append(floor.run("copy", source, floor_path)[1])
        remove(floor_path)
        if fmt == "h5":
            hashes.append(floor.run("hash", source)[1])
        if fmt == "pth":
            zips.append(floor.run("zip", source, floor_path)[1])
            remove(floor_path)
        order = [args.a, args.b] if round_index % 2 == 0 else [args.b, args.a]
        for binary in order:
            remove(output)
            elapsed, _, code = measure.run([binary, "convert", source, "-o", output, *extra])
            if code != 0:
                raise SystemExit(f"{binary} failed converting to {fmt}")
            times[binary].append(elapsed)
        remove(output)
    write_floor, copy_floor = statistics.median(floors), statistics.median(copies)
    print(f"  {fmt:<12}  copy floor {copy_floor * 1e3:.1f} ms (map this source, write its bytes, unmap)", flush=True)
    for label, binary in (("A", args.a), ("B", args.b)):
        median = statistics.median(times[binary])
        line = (f"  {fmt:<12}{label} {median * 1e3:7.1f} ms (best {min(times[binary]) * 1e3:6.1f}) = "
                f"{median / write_floor:.2f}x the write floor ({write_floor * 1e3:.1f} ms)")
        if hashes:
            line += f", {median / statistics.median(hashes):.2f}x the SHA-256 ({statistics.median(hashes) * 1e3:.1f} ms)"
        if zips:
            line += f", {median / statistics.median(zips):.2f}x the zip floor ({statistics.median(zips) * 1e3:.1f} ms: the copy with its CRC-32)"
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--formats", default="safetensors,pth,pkl,h5")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--case", choices=["plain", "momentum", "torchvision"], default="plain")
    parser.add_argument("--source-cache", choices=[*page_cache.STATES, "both"], default="both")
    args = parser.parse_args()
    make_checkpoints.main()
    floor.build()
    source = plain = convert_speed.detectron_pickle(args.a)
    extra = ["--to", "torchvision"] if args.case == "torchvision" else []
    if args.case == "momentum":
        source = momentum_pickle(source)
    print(f"convert {source.stat().st_size / 1e6:.0f} MB Detectron pickle ({args.case}), {args.rounds} rounds per format; "
          f"load average {measure.load_average()}", flush=True)
    states = page_cache.STATES if args.source_cache == "both" else [args.source_cache]
    for state in states:
        cached = page_cache.prepare(state, source)
        print(f" source cache '{state}': {page_cache.describe(cached)}", flush=True)
        for fmt in args.formats.split(","):
            pairs(args, fmt, cached, plain, extra)
    print(f"  load average after: {measure.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
