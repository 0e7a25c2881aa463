"""The floors of issue #14: the least any program must do to read or write a file this size here.

bench/floor.c is built once (the system C compiler, -O3 so the byte sums vectorise; libcrypto,
which weightport already links, for the SHA-256 floor) into bench/out/floor. Each floor is a whole process, timed like weightport (measure.run: wall time
from fork to exit, after the same sync); the program's own in-process time of the timed part is
returned beside it.
"""
import os
import pathlib
import subprocess
import time

import measure

HERE = pathlib.Path(__file__).resolve().parent
BINARY = HERE / "out" / "floor"


def build():
    kernels = HERE.parent / "Sources" / "CKernels"
    return measure.compiled(HERE / "floor.c", BINARY, ["-O3", "-pthread", f"-I{kernels / 'include'}"],
                            [str(kernels / "crc32.c"), "-lcrypto"])


def run(mode, *paths):
    """(whole-process seconds, in-process seconds of the timed part), after the same sync as
    measure.run; a written output is removed first, so every run creates its file."""
    if mode in ("write", "copy", "zip"):
        measure.fresh(paths[1])
    os.sync()
    t0 = time.perf_counter()
    result = subprocess.run([*measure.FIFO, str(BINARY), mode, *map(str, paths)], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"floor {mode} failed: {result.stderr.strip()}")
    return elapsed, float(result.stdout.split()[0])


def pages(path):
    """`floor pages`: (seconds to make every page of a map of `path` present, seconds to unmap
    it, fraction mapped with 2 MiB entries)."""
    result = subprocess.run([str(build()), "pages", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"floor pages failed: {result.stderr.strip()}")
    populate, unmap, fraction = result.stdout.split()
    return float(populate), float(unmap), float(fraction)
