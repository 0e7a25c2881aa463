#!/usr/bin/env python3
"""Runs every benchmark in bench/ against its Python reference and prints the ratios."""
import argparse
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
BENCHES = ["startup.py", "inspect_stats.py", "forward.py", "heads_speed.py", "dcn_forward.py", "convert_speed.py", "verify_speed.py", "zoo_speed.py"]
# These time passes through `wpbench` (bench/wpbench), built beside weightport, instead of weightport itself.
WPBENCH = {"forward.py", "heads_speed.py", "dcn_forward.py"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    args = parser.parse_args()
    # The benchmarks run from bench/: a path relative to the caller's folder must not break them.
    args.weightport = str(pathlib.Path(args.weightport).resolve())
    status = 0
    for name in BENCHES:
        script = HERE / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        flag = ["--wpbench", str(pathlib.Path(args.weightport).parent / "wpbench")] if name in WPBENCH \
            else ["--weightport", args.weightport]
        status |= subprocess.call([sys.executable, str(script), *flag], cwd=HERE)
    return status


if __name__ == "__main__":
    sys.exit(main())
