"""Sanity of the detection-head fixtures (fixtures/gen_heads.py), read back from the committed files:
every expectation is recomputed from the weight file itself (torchvision: the real modules with the
state dict loaded; Detectron / detectron2: the written-out heads over the dict read back from the
pickle), and the failure expectations differ where, and by how much, cases.json says."""
import importlib.util
import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from conftest import FIXTURES

HEADS = FIXTURES / "heads"
CASES = json.loads((HEADS / "cases.json").read_text())
BY_NAME = {c["name"]: c for c in CASES}
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_heads_under_test", FIXTURES / "gen_heads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def arrays(path):
    path = FIXTURES / path
    if path.suffix == ".safetensors":
        return load_file(str(path))
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def canonical(case, arrays_by_name):
    """A case's arrays keyed by canonical name (cases recorded under a framework's own names carry
    `canonical_names`: foreign -> canonical)."""
    names = case.get("canonical_names", {})
    return {names.get(k, k): v for k, v in arrays_by_name.items()}


def ordered_names(path):
    with np.load(FIXTURES / path) as z:
        return list(z.files)


def rel(actual, expected):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    top = np.abs(expected).max()
    return float(np.abs(actual - expected).max() / (top if top else 1.0))


def inputs(case):
    x = torch.from_numpy(np.load(FIXTURES / case["input"]))
    boxes = torch.from_numpy(np.load(FIXTURES / case["boxes"]))
    return x, boxes


def load_pickle(path):
    with open(FIXTURES / path, "rb") as f:
        return pickle.load(f, encoding="latin1")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_is_complete(case):
    assert {"name", "weights", "input", "boxes", "expect", "args", "passes", "first_failing",
            "cause_contains"} <= set(case)
    for key in ("weights", "input", "boxes", "expect"):
        assert (FIXTURES / case[key]).is_file(), case[key]
    assert case["passes"] == (case["first_failing"] is None and case["cause_contains"] is None)
    x, boxes = inputs(case)
    assert x.dtype == torch.float32 and x.shape[0] == 1 and boxes.dtype == torch.float32 and boxes.shape[1] == 4
    expected = arrays(case["expect"])
    if case["expect"].endswith(".npz"):   # npz members keep the model's order; a safetensors header has none
        assert ordered_names(case["expect"]) == list(case["arrays"])
    assert {k: list(v.shape) for k, v in expected.items()} == case["arrays"]
    assert all(v.dtype == np.float32 for v in expected.values())
    if not case["passes"]:
        names = [case.get("canonical_names", {}).get(k, k) for k in ordered_names(case["expect"])]
        assert names[0] == case["first_failing"] or \
            all(case["wrong_by"][k]["max_abs"] == 0 for k in names[:names.index(case["first_failing"])])


@pytest.mark.parametrize("kind", ["mask", "keypoint"])
def test_torchvision_expectations_recompute_from_the_state_dict(gen, kind):
    case = BY_NAME[f"torchvision_{kind}_fpn"]
    model = gen.torchvision_detector(kind, torch.Generator().manual_seed(0))
    model.load_state_dict(torch.load(FIXTURES / case["weights"], weights_only=True))
    x, boxes = inputs(case)
    computed = gen.torchvision_reference(model, x, boxes)
    for name, value in arrays(case["expect"]).items():
        assert rel(computed[name], value) < 1e-6, name


def test_detectron_expectations_recompute_from_the_pickle(gen):
    model = load_pickle("heads/detectron_fpn/model_final.pkl")
    assert set(model) == {"blobs", "cfg"} and "KEYPOINTS_ON: True" in model["cfg"]
    blobs = model["blobs"]
    kernel = gen.gh.detectron_bilinear_kernel(blobs["kps_score_w"].shape[0])[0].numpy()
    assert np.array_equal(blobs["kps_score_w"], kernel) and not blobs["kps_score_b"].any()
    params = gen.DetectronParams(blobs, False)
    for name in ("detectron_mask_fpn", "detectron_keypoint_fpn", "detectron_fpn_detectron_names"):
        case = BY_NAME[name]
        x, boxes = inputs(case)
        with torch.no_grad():
            computed = gen.forward(params, x, boxes, gen.SEMANTICS["detectron"])
        names = case.get("detectron_names", {})
        for key, value in arrays(case["expect"]).items():
            assert rel(computed[names.get(key, key)], value) < 2e-5, (name, key)


def test_detectron_c4_expectations_recompute_from_the_pickle(gen):
    case = BY_NAME["detectron_c4_mask_agnostic"]
    blobs = load_pickle(case["weights"])["blobs"]
    assert "conv_rpn_w" in blobs and blobs["bbox_pred_w"].shape[0] == 8
    x, boxes = inputs(case)
    with torch.no_grad():
        computed = gen.forward(gen.DetectronParams(blobs, True), x, boxes, gen.SEMANTICS["detectron_c4"])
    for key, value in arrays(case["expect"]).items():
        assert rel(computed[key], value) < 2e-5, key


def test_detectron_c4_v0up_expectations_recompute_from_the_pickles(gen):
    """v0up: the mask branch's own `_[mask]_res5_*` copy; MRCNN.DILATION 1 from the cfg, or absent
    (Detectron's default 2: dilated 3x3s, no stride, 28x28 logits)."""
    for name, dilation in (("detectron_c4_v0up_mask", 1), ("detectron_c4_v0up_default_dilation", 2)):
        case = BY_NAME[name]
        model = load_pickle(case["weights"])
        assert "mask_rcnn_fcn_head_v0up\n" in model["cfg"]
        assert ("DILATION: 1" in model["cfg"]) == (dilation == 1)
        blobs = model["blobs"]
        assert "_[mask]_res5_0_branch2b_w" in blobs and "res5_0_branch2b_w" in blobs
        x, boxes = inputs(case)
        with torch.no_grad():
            computed = gen.forward(gen.DetectronParams(blobs, True), x, boxes,
                                   dict(gen.SEMANTICS["detectron_c4"], mask_dilation=dilation))
        for key, value in canonical(case, arrays(case["expect"])).items():
            assert rel(computed[key].reshape(value.shape), value) < 2e-5, (name, key)
    assert computed["mask.logits"].shape[-1] == 28


def test_detectron2_own_names_are_in_detectron2s_layout(gen):
    case = BY_NAME["detectron2_own_names_background_last"]
    hub = arrays(BY_NAME["detectron2_mask_fpn_agnostic"]["expect"])
    own = canonical(case, arrays(case["expect"]))
    assert own["box.bbox_pred"].shape[1] == 4 and own["mask.logits"].shape[1] == hub["mask.logits"].shape[1] - 1
    assert own["box.cls_score"].shape[1] == hub["box.cls_score"].shape[1]
    model = load_pickle(case["weights"])["model"]
    x, boxes = inputs(case)
    params = gen.ForeignParams(model, gen.gc.detectron2_name, affine=False)
    with torch.no_grad():   # the native forward, left in detectron2's layout (no hub transform)
        computed = gen.forward(params, x, boxes, dict(gen.SEMANTICS["detectron2"], background="first"))
    for key, value in own.items():
        assert rel(computed[key], value) < 2e-5, key


def test_detectron2_expectations_recompute_from_the_pickle(gen):
    case = BY_NAME["detectron2_mask_fpn_agnostic"]
    model = load_pickle(case["weights"])["model"]
    assert model["roi_heads.box_predictor.bbox_pred.weight"].shape[0] == 4
    x, boxes = inputs(case)
    params = gen.ForeignParams(model, gen.gc.detectron2_name, affine=False)
    with torch.no_grad():
        computed = gen.forward(params, x, boxes, gen.SEMANTICS["detectron2"])
    expected = arrays(case["expect"])
    for key, value in expected.items():
        assert rel(computed[key], value) < 2e-5, key
    assert not expected["box.bbox_pred"][:, :4].any() and not expected["mask.logits"][:, 0].any()


def test_detectron_xconv1fc_expectations_recompute_from_the_pickle(gen):
    case = BY_NAME["detectron_xconv1fc_fpn"]
    model = load_pickle(case["weights"])
    assert "add_roi_Xconv1fc_head" in model["cfg"]
    blobs = model["blobs"]
    assert {f"head_conv{i}_{p}" for i in range(1, 5) for p in "wb"} <= set(blobs) and "fc7_w" not in blobs
    assert not any(k.endswith("_gn_s") for k in blobs) and blobs["bbox_pred_w"].shape[0] == 4 * blobs["cls_score_w"].shape[0]
    x, boxes = inputs(case)
    with torch.no_grad():
        computed = gen.forward(gen.DetectronParams(blobs, False), x, boxes, gen.SEMANTICS["detectron"])
    for key, value in arrays(case["expect"]).items():
        assert rel(computed[key], value) < 2e-5, key


def test_detectron_pytorch_softmax_rpn_recomputes_from_the_checkpoint(gen):
    case = BY_NAME["detectron_pytorch_softmax_rpn_fpn"]
    model = torch.load(FIXTURES / case["weights"], weights_only=False)["model"]
    cls, deltas = model["RPN.FPN_RPN_cls_score.weight"], model["RPN.FPN_RPN_bbox_pred.weight"]
    assert cls.shape[0] == 2 * (deltas.shape[0] // 4)   # softmax: 2A objectness channels
    params = gen.ForeignParams({k: v.numpy() for k, v in model.items()}, gen.gc.detectron_pytorch_name, affine=True)
    x, boxes = inputs(case)
    with torch.no_grad():
        computed = gen.forward(params, x, boxes, gen.SEMANTICS["detectron"])
    for key, value in arrays(case["expect"]).items():
        assert rel(computed[key], value) < 2e-5, key
    wrong = arrays(BY_NAME["detectron_pytorch_softmax_rpn_anchor_major"]["expect"])
    for key, value in wrong.items():   # the same logits, reordered anchor-major
        assert np.array_equal(gen.anchor_major(computed[key]).numpy(), value) or rel(gen.anchor_major(computed[key]), value) < 2e-5


@pytest.mark.parametrize("case", [c for c in CASES if not c["passes"]], ids=lambda c: c["name"])
def test_failure_differs_where_cases_json_says(case):
    right_case = {"detectron_wrong_level_rule": "detectron_mask_fpn",
                  "detectron_pytorch_softmax_rpn_anchor_major": "detectron_pytorch_softmax_rpn_fpn",
                  "detectron_gn_heads_wrong_groups": "detectron_gn_heads_fpn",
                  "detectron2_own_names_hub_layout": "detectron2_own_names_background_last",
                  "detectron_c4_v0up_wrong_dilation": "detectron_c4_v0up_mask"}.get(
        case["name"], "detectron2_mask_fpn_agnostic")
    right = canonical(BY_NAME[right_case], arrays(BY_NAME[right_case]["expect"]))
    wrong = canonical(case, arrays(case["expect"]))
    first = case["first_failing"]
    if wrong[first].shape != right[first].shape:
        # the wrong dilation changes the logits' size itself: 28x28 recorded, 14x14 computed
        assert "wrong_by" not in case and "dilation" in case["cause_contains"], case["name"]
        return
    assert rel(wrong[first], right[first]) > 10 * TOLERANCE
    order = [case.get("canonical_names", {}).get(k, k) for k in case["arrays"]]
    for key in order[:order.index(first)]:
        assert rel(wrong[key], right[key]) == 0, key
    for key, by in case["wrong_by"].items():
        diff = np.abs(wrong[key].astype(np.float64) - right[key]).max()
        assert diff == pytest.approx(by["max_abs"], rel=1e-6, abs=1e-12), key


def test_box_levels_are_as_noted(gen):
    info = json.loads((HEADS / "boxes.json").read_text())
    boxes = torch.from_numpy(np.load(HEADS / "boxes.npy"))
    for rule, fn in gen.LEVEL_RULES.items():
        assert [b["levels"][rule] for b in info["boxes"]] == [int(v) for v in fn(boxes)]
    assert {b["levels"]["detectron"] for b in info["boxes"]} == {2, 3, 4, 5}
    assert sum(b["levels"]["detectron"] != b["levels"]["torchvision"] for b in info["boxes"]) >= 2
    widths = boxes[:, 2] - boxes[:, 0]
    assert (widths < 1).sum() >= 2 and ((boxes[:, 0] < 0) | (boxes[:, 2] > 128)).sum() >= 3
