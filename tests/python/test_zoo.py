"""`weightport convert SRC… -o OUTDIR`: a folder mixing every format WeightPort converts, nested,
plus one broken file and one that is not a weight file, all made here from committed fixtures."""
import json
import pickle
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import FIXTURES

KEYS = {"source", "output", "ok", "error", "convention", "architecture", "seconds"}
# source file → (format it is in, convention detected)
EXPECTED = {
    "detectron.pkl": ("pickle", "detectron"),
    "torchvision.pth": ("torch-zip", "torchvision"),
    "mmdet.pth": ("torch-legacy", "mmdet"),
    "nested/caffe.caffemodel": ("caffemodel", "caffe"),
    "nested/canonical.safetensors": ("safetensors", "canonical"),
    "nested/deeper/blobs.npz": ("npz", "detectron"),
    "nested/bundle.h5": ("hdf5", "torchvision"),
}


@pytest.fixture
def zoo(tmp_path, run):
    folder = tmp_path / "zoo"
    (folder / "nested" / "deeper").mkdir(parents=True)
    conventions = FIXTURES / "conventions"
    for name in ["detectron.pkl", "torchvision.pth", "mmdet.pth"]:
        shutil.copy(conventions / name, folder / name)
    shutil.copy(conventions / "caffe.caffemodel", folder / "nested" / "caffe.caffemodel")
    shutil.copy(conventions / "canonical.safetensors", folder / "nested" / "canonical.safetensors")
    with open(conventions / "detectron.pkl", "rb") as f:
        np.savez(folder / "nested" / "deeper" / "blobs.npz", **pickle.load(f, encoding="latin1")["blobs"])
    run("convert", conventions / "torchvision.pth", "-o", folder / "nested" / "bundle.h5")
    data = (conventions / "torchvision.pth").read_bytes()
    (folder / "broken.pth").write_bytes(data[: len(data) // 2])   # a torch zip cut in half
    (folder / "notes.txt").write_text("not a weight file: left out, whatever its name\n")
    return folder


def test_zoo_converts_every_format_and_reports_the_broken_file(zoo, tmp_path, run):
    out = tmp_path / "out"
    result = run("convert", zoo, "-o", out, "--format", "safetensors", "--jobs", "2", "--json", check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert (report["converted"], report["failed"]) == (len(EXPECTED), 1)
    records = {str(r["source"]).split("zoo/", 1)[1]: r for r in report["files"]}
    assert set(records) == set(EXPECTED) | {"broken.pth"}
    for name, (_, convention) in EXPECTED.items():
        r = records[name]
        assert set(r) == KEYS and r["ok"] and r["error"] is None, r
        assert r["convention"] == convention and r["architecture"].startswith("R-"), r
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        assert r["output"] == str(out / f"{stem}.safetensors")
        assert len(load_file(r["output"])) > 50   # the real client reads it
    broken = records["broken.pth"]
    assert not broken["ok"] and broken["convention"] is None and broken["output"] == str(out / "broken.safetensors")
    assert "broken.pth" in broken["error"] and "\n" not in broken["error"]
    # Nothing half-written: no output, no temporary file left for the failed one.
    assert sorted(p.name for p in out.iterdir()) == sorted(n.rsplit("/", 1)[-1].rsplit(".", 1)[0] + ".safetensors" for n in EXPECTED)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(EXPECTED) + 2   # a progress line per file, then the summary
    assert sum("FAILED  weightport: " in line and "broken.pth" in line for line in lines) == 1
    assert lines[-1].startswith(f"converted {len(EXPECTED)} of {len(EXPECTED) + 1} files") and "1 failed" in lines[-1]


def test_json_lines_prints_a_record_per_file_and_exit_0_when_all_convert(zoo, tmp_path, run):
    (zoo / "broken.pth").unlink()
    result = run("convert", zoo, "-o", tmp_path / "out", "--format", "pth", "--json-lines", check=False)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(EXPECTED) and all(set(r) == KEYS and r["ok"] for r in records)
    import torch
    for r in records:
        assert len(torch.load(r["output"], weights_only=True, map_location="cpu")) > 0


def test_several_files_and_an_existing_output_folder(zoo, tmp_path, run):
    out = tmp_path / "existing"
    out.mkdir()
    one = run("convert", zoo / "detectron.pkl", "-o", out, "--to", "torchvision", "--format", "pkl", "--json")
    assert json.loads(one.stdout)["files"][0]["output"] == str(out / "detectron.pkl")
    again = run("convert", zoo / "detectron.pkl", zoo / "torchvision.pth", "-o", out, "--json", check=False)
    assert again.returncode == 0
    refused = run("convert", zoo / "detectron.pkl", "-o", out, "--format", "pkl", check=False)
    assert refused.returncode == 1 and "already exists" in refused.stderr
