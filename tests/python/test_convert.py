"""`weightport convert` checked by the real clients: torch + torchvision models, safetensors,
pickle, h5py. Every source is a native file of fixtures/conventions (gen_conventions.py), all
holding the same torchvision model; every output is compared with that model.
"""
import hashlib
import json
import pickle

import numpy as np
import pytest
import torch

from helpers import CONVENTIONS, build_classifier, build_detector, load_native, record

# Float32 folds (BN <-> AffineChannel, eps rescaling, Caffe's mean/f and stem-bias folding) change
# parameters by a few ulps; measured through the whole network the outputs move by < 1e-6 of
# their scale. A single norm with a wrong eps (the smallest mistake a converter can make here:
# variances are 0.002-0.05 so eps 1e-5 matters) moves them by ~2e-4; 2e-5 sits between the two.
RTOL = 2e-5

DETECTION_SOURCES = {
    # source file -> extra CLI args
    "canonical.safetensors": [],
    "detectron2.pkl": [],
    "maskrcnn-benchmark.pth": [],
    "maskrcnn-benchmark-module.pth": [],
    "detectron.pytorch.pth": [],
    "mmdet.pth": [],
    "detectron.pkl": [],
}
CLASSIFIER_SOURCES = ["canonical_classifier.safetensors", "detectron_imagenet.pkl", "caffe.caffemodel"]


def close(a, b, what):
    scale = float(b.abs().max())
    err = float((a - b).abs().max())
    assert err <= RTOL * max(scale, 1.0), f"{what}: max |diff| {err} vs scale {scale}"


@pytest.fixture(scope="module")
def native_detector():
    return load_native(build_detector(), "torchvision.pth")


@pytest.fixture(scope="module")
def native_classifier():
    return load_native(build_classifier(), "torchvision_classifier.pth")


def image(seed, shape):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("source", list(DETECTION_SOURCES))
def test_detection_to_torchvision_loads_strictly_and_computes_the_same(source, run, tmp_path, native_detector):
    out = tmp_path / "model.pth"
    run("convert", CONVENTIONS / source, "-o", out, "--to", "torchvision", *DETECTION_SOURCES[source])
    state = torch.load(out, weights_only=True)
    model = build_detector()
    model.load_state_dict(state, strict=True)   # every key and shape torchvision expects
    x = image(1, (1, 3, 64, 96))
    with torch.no_grad():
        got, want = model.backbone(x), native_detector.backbone(x)
        assert list(got) == list(want)
        for level in want:
            close(got[level], want[level], f"{source} FPN {level}")
        # RPN head on the P2..P6 features
        for a, b in zip(model.rpn.head(list(got.values())), native_detector.rpn.head(list(want.values()))):
            for u, v in zip(a, b):
                close(u, v, f"{source} RPN")
        # box head + predictor and mask head + predictor on fixed RoI features
        roi = image(2, (5, model.backbone.out_channels, 7, 7))
        scores, boxes = model.roi_heads.box_predictor(model.roi_heads.box_head(roi))
        scores0, boxes0 = native_detector.roi_heads.box_predictor(native_detector.roi_heads.box_head(roi))
        close(scores, scores0, f"{source} cls_score")
        mask_roi = image(3, (5, model.backbone.out_channels, 14, 14))
        masks = model.roi_heads.mask_predictor(model.roi_heads.mask_head(mask_roi))
        masks0 = native_detector.roi_heads.mask_predictor(native_detector.roi_heads.mask_head(mask_roi))
        if record(source)["predictors"] and next(iter(record(source)["predictors"].values()))["background"] == "last":
            # detectron2/mmdet never had background box deltas or a background mask channel:
            # WeightPort invents zeros there (reported); the foreground classes are exact.
            assert torch.all(boxes[:, :4] == 0) and torch.all(masks[:, :1] == 0)
            close(boxes[:, 4:], boxes0[:, 4:], f"{source} bbox_pred")
            close(masks[:, 1:], masks0[:, 1:], f"{source} mask logits")
        else:
            close(boxes, boxes0, f"{source} bbox_pred")
            close(masks, masks0, f"{source} mask logits")


@pytest.mark.parametrize("source", CLASSIFIER_SOURCES)
def test_classifier_to_torchvision_gives_the_same_logits(source, run, tmp_path, native_classifier):
    """Caffe's and Detectron's own networks put the stride on the 1x1 and (Caffe) use a ceil-mode
    pool1 without padding, so they are different functions from torchvision's ResNet; the weights
    are not. The converted weights are therefore checked inside torchvision's model against the
    native torchvision weights: equal logits mean every parameter arrived functionally equal
    (Caffe's BatchNorm+Scale with eps 1e-4 and factor f, its conv1 bias folded into the stem BN).
    WeightPort warns about the stride placement instead of silently changing it (checked too)."""
    out = tmp_path / "classifier.pth"
    result = run("convert", CONVENTIONS / source, "-o", out, "--to", "torchvision", "--json")
    report = json.loads(result.stdout)
    if source != "canonical_classifier.safetensors":
        assert any("stride" in w for w in report["warnings"]), report["warnings"]
    model = build_classifier()
    model.load_state_dict(torch.load(out, weights_only=True), strict=True)
    x = image(4, (2, 3, 64, 64))
    with torch.no_grad():
        close(model(x), native_classifier(x), f"{source} logits")


def test_safetensors_output_reads_with_numpy_and_torch(run, tmp_path):
    from safetensors.numpy import load_file as load_np
    from safetensors.torch import load_file as load_pt
    out = tmp_path / "hub.safetensors"
    run("convert", CONVENTIONS / "torchvision.pth", "-o", out, "--to", "canonical")
    native = load_np(str(CONVENTIONS / "canonical.safetensors"))
    arrays, tensors = load_np(str(out)), load_pt(str(out))
    assert set(arrays) == set(native) == set(tensors)
    for name, value in native.items():
        # same norm form and eps on both sides: nothing is refolded, so every value is exact
        assert arrays[name].dtype == value.dtype and arrays[name].shape == value.shape, name
        assert np.array_equal(arrays[name], value), name
        assert torch.equal(tensors[name], torch.from_numpy(value)), name


def test_detectron2_pickle_output(run, tmp_path):
    out = tmp_path / "d2.pkl"
    run("convert", CONVENTIONS / "torchvision.pth", "-o", out, "--to", "detectron2")
    with open(out, "rb") as f:
        data = pickle.load(f, encoding="latin1")
    with open(CONVENTIONS / "detectron2.pkl", "rb") as f:
        native = pickle.load(f, encoding="latin1")["model"]
    assert isinstance(data["model"], dict) and "__author__" in data
    assert set(data["model"]) == set(native)
    for name, value in native.items():
        assert isinstance(data["model"][name], np.ndarray), name
        # torchvision and detectron2 share eps 1e-5; predictors are rotated / cut exactly
        assert np.array_equal(data["model"][name], value), name


def test_detectron_pickle_output(run, tmp_path):
    out = tmp_path / "detectron.pkl"
    run("convert", CONVENTIONS / "torchvision.pth", "-o", out, "--to", "detectron")
    with open(out, "rb") as f:
        data = pickle.load(f, encoding="latin1")
    blobs = data["blobs"] if "blobs" in data else data
    native = record("detectron.pkl")
    with open(CONVENTIONS / "detectron.pkl", "rb") as f:
        native_blobs = pickle.load(f, encoding="latin1")["blobs"]
    for name in list(native["exact"]) + list(native["predictors"]):
        assert np.array_equal(blobs[name], native_blobs[name]), name
    for norm in native["norms"]:
        # AffineChannel: BN folded in float32 by both sides; a few ulps apart at most
        for key in ("weight", "bias"):
            np.testing.assert_allclose(blobs[norm[key]], native_blobs[norm[key]], rtol=1e-5, atol=1e-6,
                                       err_msg=norm[key])
    assert not any(name.endswith("_momentum") for name in blobs)


def test_h5_bundle_records_sources(run, tmp_path):
    import h5py
    source = CONVENTIONS / "torchvision.pth"
    out = tmp_path / "bundle.h5"
    run("convert", source, "-o", out)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    native = record("torchvision.pth")
    names = []
    with h5py.File(out, "r") as f:
        stored = f.attrs["source_sha256"]
        assert (stored.decode() if isinstance(stored, bytes) else stored) == digest
        f.visititems(lambda n, obj: names.append((n, obj)) if isinstance(obj, h5py.Dataset) else None)
        assert names
        by_source = {}
        for name, dataset in names:
            assert "source_name" in dataset.attrs and "source_dtype" in dataset.attrs, name
            src = dataset.attrs["source_name"]
            by_source[src.decode() if isinstance(src, bytes) else src] = dataset[()]
        state = torch.load(source, weights_only=True)
        for name in native["exact"]:
            assert np.array_equal(by_source[name], state[name].numpy()), name


DOCUMENTED_KEYS = {"written", "source_convention", "target_convention", "architecture", "mapped", "unused", "unknown",
                   "not_representable", "missing", "allowed_missing", "incomplete", "shape_mismatches", "warnings",
                   "notes"}


def test_json_report_is_one_object_with_the_documented_keys(run, tmp_path):
    out = tmp_path / "x.pth"
    result = run("convert", CONVENTIONS / "detectron2.pkl", "-o", out, "--to", "torchvision", "--json")
    report = json.loads(result.stdout)   # exactly one JSON document on stdout
    assert isinstance(report, dict)
    assert DOCUMENTED_KEYS <= set(report), DOCUMENTED_KEYS - set(report)
    assert report["written"] is True
    assert report["source_convention"] == "detectron2" and report["target_convention"] == "torchvision"
    assert isinstance(report["unused"], dict)
    assert report["unknown"] == [] and report["missing"] == [] and report["shape_mismatches"] == []


def test_json_report_of_a_refused_conversion(run, tmp_path):
    from safetensors.numpy import load_file, save_file
    tensors = load_file(str(CONVENTIONS / "canonical.safetensors"))
    tensors["mystery.weight"] = np.ones(3, np.float32)
    source = tmp_path / "unknown.safetensors"
    save_file(tensors, str(source))
    out = tmp_path / "x.pth"
    result = run("convert", source, "-o", out, "--to", "torchvision", "--json", check=False)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["written"] is False and report["unknown"] == ["mystery.weight"]
    assert not out.exists()
