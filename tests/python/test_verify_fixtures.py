"""Sanity of the `weightport verify` / `make demo` fixtures (fixtures/gen_verify.py), read back with the
real clients: the recorded activations are recomputed from the committed weight files themselves."""
import importlib.util
import json
import pickle

import h5py
import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from conftest import FIXTURES

CASES = json.loads((FIXTURES / "verify" / "cases.json").read_text())


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_verify_under_test", FIXTURES / "gen_verify.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_demo():
    data = (FIXTURES / "demo" / "model_final.pkl").read_bytes()
    assert data[:2] == b"\x80\x02"  # protocol 2
    return pickle.loads(data, encoding="latin1")


def rel(actual, expected):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_files_exist(case):
    assert set(case) == {"name", "weights", "input", "expect", "args", "passes", "first_failing", "error_contains"}
    for key in ("weights", "input", "expect"):
        assert (FIXTURES / case[key]).is_file(), case[key]
    assert case["passes"] == (case["first_failing"] is None and case["error_contains"] is None)


def test_demo_pickle_is_a_detectron_model_final():
    model = load_demo()
    assert set(model) == {"blobs", "cfg"} and "FPN_ON: True" in model["cfg"] and "STRIDE_1X1: True" in model["cfg"]
    blobs = model["blobs"]
    assert all(v.dtype == np.float32 for v in blobs.values())
    for name in blobs:
        if name.endswith("_momentum"):
            assert blobs[name].shape == blobs[name[: -len("_momentum")]].shape
    for name in ("fpn_inner_res5_2_sum_w", "fpn_inner_res2_2_sum_lateral_w", "fpn_res4_5_sum_b", "conv_rpn_fpn2_w",
                 "rpn_cls_logits_fpn2_w", "rpn_bbox_pred_fpn2_b", "fc6_w", "fc7_b", "cls_score_w", "bbox_pred_w",
                 "_[mask]_fcn4_w", "conv5_mask_w", "mask_fcn_logits_b", "res5_2_branch2c_bn_s", "conv1_b"):
        assert name in blobs, name
    assert sum(n.startswith("res4_") and n.endswith("_branch2a_w") for n in blobs) == 6


def test_demo_activations_recompute_from_the_pickle(gen):
    x = torch.from_numpy(np.load(FIXTURES / "demo" / "input.npy"))
    expected = np.load(FIXTURES / "demo" / "activations.npz")
    assert list(expected.files) == list(gen.DETECTRON_FEATURES)
    computed = gen.detectron_forward(load_demo()["blobs"], x)
    for name in expected.files:
        assert rel(computed[name], expected[name]) < 1e-5, name


def test_wrong_stride_first_differs_at_res3():
    good = np.load(FIXTURES / "demo" / "activations.npz")
    wrong = np.load(FIXTURES / "verify" / "detectron_wrong_stride.npz")
    assert list(wrong.files) == list(good.files)
    assert rel(wrong["pool1"], good["pool1"]) == 0 and rel(wrong["res2_2_sum"], good["res2_2_sum"]) == 0
    assert all(rel(wrong[k], good[k]) > 1e-2 for k in good.files if k not in ("pool1", "res2_2_sum"))


def test_extra_key_holds_one_unproducible_feature():
    good = np.load(FIXTURES / "demo" / "activations.npz")
    extra = np.load(FIXTURES / "verify" / "detectron_extra_key.npz")
    assert set(extra.files) - set(good.files) == {"mask_fcn_logits"}


def test_torchvision_expected_recomputes_with_torchvision(gen):
    root = FIXTURES / "verify" / "torchvision_r50fpn"
    state = torch.load(root / "weights.pth", weights_only=True)
    assert all(k.startswith(("backbone.body.", "backbone.fpn.")) for k in state)
    body = gen.gm.narrow_resnet(gen.STEM, gen.DIVISOR)(gen.gm.tv_resnet.Bottleneck, list(gen.R50_BLOCKS),
                                                       norm_layer=gen.FrozenBatchNorm2d)
    detector = gen.BackboneWithFPN(body, {f"layer{i}": str(i - 1) for i in range(1, 5)}, gen.STAGE_CHANNELS,
                                   gen.FPN_DIM, extra_blocks=gen.LastLevelMaxPool()).eval()
    detector.load_state_dict({k[len("backbone."):]: v for k, v in state.items()})
    x = torch.from_numpy(np.load(root / "input.npy"))
    computed = gen.torchvision_features(detector, x)
    expected = load_file(str(root / "expected.safetensors"))
    assert set(expected) == {"maxpool", "layer1", "layer2", "layer3", "layer4", "0", "1", "2", "3", "pool"}
    for name, value in expected.items():
        assert rel(computed[name], value) < 1e-6, name
    changed = load_file(str(FIXTURES / "verify" / "torchvision_eps_changed.safetensors"))
    assert set(changed) == set(expected)
    assert all(2e-4 < rel(changed[k], expected[k]) < 0.1 for k in expected)


def test_caffe_expected_recomputes_from_the_caffemodel(gen):
    root = FIXTURES / "verify" / "caffe_r50"
    net = gen.gm_formats.caffe_classes()["NetParameter"]()
    net.ParseFromString((root / "model.caffemodel").read_bytes())
    names = [layer.name for layer in net.layer]
    for name in ("conv1", "bn_conv1", "scale_conv1", "res2a_branch1", "bn2a_branch1", "scale2a_branch1",
                 "res2a_branch2a", "res4f_branch2c", "res5c", "fc1000"):
        assert name in names, name
    bn = [layer for layer in net.layer if layer.type == "BatchNorm"]
    assert all(layer.blobs[2].data[0] != 1 for layer in bn)
    assert sum(layer.batch_norm_param.HasField("eps") for layer in bn) == len(gen.CAFFE_EPS)
    assert len(net.layer[names.index("conv1")].blobs) == 2
    x = torch.from_numpy(load_file(str(root / "input.safetensors"))["input"])
    tops = gen.caffe_forward(net, x)
    expected = np.load(root / "expected.npz")
    assert list(expected.files) == ["pool1", "res2c", "res3d", "res4f", "res5c", "fc1000"]
    assert expected["fc1000"].shape == (1, gen.CAFFE_CLASSES)
    for name in expected.files:
        assert rel(tops[name], expected[name]) < 1e-5, name


def test_canonical_r18_files():
    root = FIXTURES / "verify" / "canonical_r18"
    spec = json.loads((root / "arch.json").read_text())
    assert spec["depth"] == 18 and spec["blocksPerStage"] == [2, 2, 2, 2]
    weights = load_file(str(root / "weights.safetensors"))
    assert "stem.conv1.weight" in weights and "res5.1.conv2.weight" in weights and "linear.weight" in weights
    with h5py.File(root / "input.h5", "r") as f:
        assert list(f) == ["input"] and f["input"].shape[:2] == (1, 3)
    with h5py.File(root / "expected.h5", "r") as f:
        assert list(f) == ["stem", "res2", "res3", "res4", "res5", "logits"]
        assert f["logits"].shape == (1, spec["classes"], 1, 1)
