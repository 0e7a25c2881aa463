"""Conversions of a full-size model (from 16 MiB of tensors `convert` writes the source's tensors
while it maps their names, in another order than the reference writers): what it writes must
load in the real clients and compute what the source computes.

The source is torchvision's ResNet-50 (random weights and BatchNorm statistics, 102 MB), saved
by torch.save; weightport turns it into a Detectron pickle (BatchNorm folded into AffineChannel),
and that pickle back into torchvision's names as .pth and .safetensors, and into a Detectron
pickle again.
"""
import json
import pickle
import signal
import subprocess
import time

import numpy as np
import pytest
import torch
import torchvision

# BatchNorm folded into an affine scale and shift (w/sqrt(v+eps), b - m*scale) and unfolded as a
# BatchNorm with mean 0 and variance 1 - eps changes each parameter by a few float32 ulps; the
# logits then move by < 1e-5 of their scale. A norm folded with the wrong eps moves them ~1e-3.
RTOL = 1e-4


@pytest.fixture(scope="module")
def resnet(tmp_path_factory):
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    folder = tmp_path_factory.mktemp("streamed")
    path = folder / "r50.pth"
    torch.save(model.state_dict(), path)
    return model, folder, path


def convert(run, *args):
    report = json.loads(run("convert", *args, "--json").stdout)
    assert report["written"] is True
    return report


def logits(model, state_dict):
    clone = torchvision.models.resnet50(weights=None).eval()
    clone.load_state_dict(state_dict, strict=True)
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((2, 3, 96, 96)).astype(np.float32))
    with torch.no_grad():
        return model(x), clone(x)


def close(a, b):
    scale = float(b.abs().max())
    assert float((a - b).abs().max()) <= RTOL * scale, (float((a - b).abs().max()), scale)


def test_detectron_pickle_and_back_compute_the_same(run, resnet):
    model, folder, source = resnet
    detectron = folder / "r50.pkl"
    convert(run, source, "-o", detectron, "--to", "detectron")
    with open(detectron, "rb") as f:
        blobs = pickle.load(f, encoding="latin1")
    blobs = blobs.get("blobs", blobs)
    assert np.array_equal(blobs["res2_0_branch2a_w"], model.layer1[0].conv1.weight.detach().numpy())
    assert np.array_equal(blobs["fc1000_w"], model.fc.weight.detach().numpy())

    back = folder / "back.pth"
    convert(run, detectron, "-o", back, "--to", "torchvision")
    state = torch.load(back, weights_only=True)
    close(*logits(model, state))
    mapped = torch.load(back, weights_only=True, mmap=True)
    assert all(torch.equal(mapped[k], state[k]) for k in state)

    from safetensors.torch import load_file
    back_st = folder / "back.safetensors"
    convert(run, detectron, "-o", back_st, "--to", "torchvision")
    tensors = load_file(back_st)
    assert set(tensors) == set(state)
    assert all(torch.equal(tensors[k], state[k]) for k in state)


def test_same_convention_streams_and_keeps_every_array(run, resnet):
    _, folder, source = resnet
    detectron = folder / "same-src.pkl"
    convert(run, source, "-o", detectron, "--to", "detectron")
    again = folder / "same.pkl"
    report = convert(run, detectron, "-o", again)
    # Every tensor reaches the output unchanged: nothing to give up on.
    assert report["written_while_mapping"] is True
    with open(detectron, "rb") as f:
        before = pickle.load(f, encoding="latin1")
    with open(again, "rb") as f:
        after = pickle.load(f, encoding="latin1")
    before, after = before.get("blobs", before), after.get("blobs", after)
    assert list(after) == list(before)
    for name, array in before.items():
        assert after[name].dtype == array.dtype and after[name].shape == array.shape and np.array_equal(after[name], array), name

    pth = folder / "same.pth"
    assert convert(run, source, "-o", pth)["written_while_mapping"] is True
    original, copy = torch.load(source, weights_only=True), torch.load(pth, weights_only=True)
    assert set(copy) == set(original)
    for name, tensor in copy.items():
        # BatchNorm's update counters are bookkeeping the hub does not carry; torchvision's
        # writer puts zeros there.
        if not name.endswith("num_batches_tracked"):
            assert torch.equal(tensor, original[name]), name


def test_small_sources_keep_the_reference_layout(run, tmp_path):
    from helpers import CONVENTIONS
    report = convert(run, CONVENTIONS / "torchvision.pth", "-o", tmp_path / "small.safetensors")
    assert report["written_while_mapping"] is False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_conversion_leaves_no_temporary_file(weightport_bin, resnet, tmp_path, signum):
    """Ctrl-C (or SIGTERM) while the output is being written: the hidden temporary file goes
    with the process, which still dies of the signal."""
    _, _, source = resnet
    interrupted = 0
    for attempt in range(5):
        out = tmp_path / f"out{attempt}"
        out.mkdir()
        process = subprocess.Popen([weightport_bin, "convert", str(source), "-o", str(out / "r50.safetensors")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not any(p.name.startswith(".r50.safetensors.tmp-") for p in out.iterdir()) and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.0005)
        process.send_signal(signum)
        code = process.wait()
        if code == -signum:
            interrupted += 1
            assert list(out.iterdir()) == []
        else:  # finished before the signal arrived
            assert code == 0 and [p.name for p in out.iterdir()] == ["r50.safetensors"]
    assert interrupted > 0
