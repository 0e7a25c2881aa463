#!/usr/bin/env python3
"""Start-up time of a command that does nothing: `weightport --version` (issue #14: ≤ 10 ms).

Each run is a whole process started with posix_spawn and reaped, timed from spawn to exit. The
floor is the same measurement of a trivial static C binary (compiled here when `cc -static`
works, else /bin/true) in the same run, alternating with weightport so that a busy machine slows
both alike. Prints medians, the floor, the ratio and the load average.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_MS = 10.0


def floor_binary(folder):
    """A static C program that returns at once; /bin/true where no static C toolchain exists."""
    cc = shutil.which("cc")
    if cc:
        source = pathlib.Path(folder) / "nothing.c"
        source.write_text("int main(void) { return 0; }\n")
        binary = pathlib.Path(folder) / "nothing"
        if subprocess.call([cc, "-O2", "-static", "-o", str(binary), str(source)], stderr=subprocess.DEVNULL) == 0:
            return [str(binary)], "static C binary"
    return ["/bin/true"], "/bin/true"


def time_once(argv):
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null.fileno(), 1)])
        _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} exited with status {os.waitstatus_to_exitcode(status)}")
    return elapsed * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    weightport = [str(pathlib.Path(args.weightport).resolve()), "--version"]
    with tempfile.TemporaryDirectory() as folder:
        floor, floor_name = floor_binary(folder)
        for _ in range(3):  # warm the page cache and the dynamic loader's caches
            time_once(weightport)
            time_once(floor)
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(time_once(weightport))
            base.append(time_once(floor))
    ours_ms, floor_ms = statistics.median(t for t, _ in ours), statistics.median(t for t, _ in base)
    ours_cpu, floor_cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in base)
    load = os.getloadavg()[0]
    verdict = "✔" if ours_ms <= TARGET_MS else "✘"
    # CPU time (user + system, from wait4) is what the process itself spent: on a busy machine
    # the wall-clock median also holds the time it waited for a core.
    print(f"startup: `weightport --version` median {ours_ms:.1f} ms wall (best {min(t for t, _ in ours):.1f}), "
          f"{ours_cpu:.1f} ms CPU, {args.runs} runs; floor ({floor_name}) {floor_ms:.1f} ms wall, {floor_cpu:.1f} ms CPU; "
          f"ratio {ours_ms / floor_ms:.1f}×; target ≤ {TARGET_MS:.0f} ms {verdict}; load average {load:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
