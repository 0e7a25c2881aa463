"""Timing and peak memory of one command, measured the same way in every benchmark."""
import os
import pathlib
import subprocess
import tempfile
import time


# WP_BENCH_FIFO=1 runs every timed process (weightport and the floors, not the in-process Python
# references) under SCHED_FIFO (`chrt -f 10`, needs root): on this shared 2-core machine other
# engineers' jobs otherwise decide the figures (load 6-9: medians moved 2-4x between runs). The
# processes then see the machine as if it were idle; each run lasts well under a second.
FIFO = ["chrt", "-f", "10"] if os.environ.get("WP_BENCH_FIFO") == "1" else []


LAUNCHER = pathlib.Path(__file__).resolve().parent / "out" / "launch"


def compiled(source, binary, flags=(), libraries=()):
    """`binary` built from the C file `source` with the system compiler, again when the source
    is newer."""
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        binary.parent.mkdir(exist_ok=True)
        subprocess.check_call(["cc", *flags, "-o", str(binary), str(source), *libraries])
    return binary


def launcher():
    """bench/launch.c, built on first use: the parent that times each command (see there)."""
    return compiled(LAUNCHER.parent.parent / "launch.c", LAUNCHER, ["-O2"])


def run(args):
    """Wall time (s) from spawning `args` to reaping it, its peak RSS (bytes) and exit code,
    measured by bench/launch.c: a forked Python child's own ru_maxrss would include the parent's
    pages from before exec, and Python's clock around a child would include its own spawn."""
    with tempfile.NamedTemporaryFile("r") as report:
        os.sync()  # flush earlier runs' dirty pages so writeback does not land in this one's time
        result = subprocess.run([*FIFO, str(launcher()), report.name, *map(str, args)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        fields = report.read().split()
    if len(fields) != 3:
        raise SystemExit(f"launch failed for {args[0]}: {result.stderr.strip()}")
    return float(fields[0]), int(fields[1]) * 1024, result.returncode


def best_of(n, fn):
    times = []
    for _ in range(n):
        os.sync()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def in_process(fn):
    """Wall time (s) of `fn()` in this process, after the same sync as `run`."""
    os.sync()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def fresh(path):
    """Removes an earlier run's output, so every timed write creates its file (as a first
    conversion does) instead of also paying for truncating and freeing a 250 MB predecessor."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def load_average():
    """The 1-, 5- and 15-minute load averages as text, printed beside figures from a shared machine."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg()) + (" (processes under SCHED_FIFO)" if FIFO else "")


def build_wpbench(scratch_path=None):
    """Builds the release `wpbench` (beside weightport) and returns its path."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    command = ["swift", "build", "-c", "release", "--product", "wpbench"]
    if scratch_path:
        command += ["--scratch-path", scratch_path]
    subprocess.run(command, cwd=root, check=True)
    binary = subprocess.run(command + ["--show-bin-path"], cwd=root, check=True, capture_output=True, text=True)
    return pathlib.Path(binary.stdout.strip()) / "wpbench"
