"""Shared helpers of the Python real-client suite: fixtures/conventions and its reference models."""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONVENTIONS = ROOT / "fixtures" / "conventions"


def expected():
    return json.loads((CONVENTIONS / "expected.json").read_text())


def record(file):
    return next(r for r in expected()["files"] if r["file"] == file)


def build_detector():
    """The generator's torchvision MaskRCNN, rebuilt from the constructor arguments it recorded."""
    import torchvision.models.resnet as tv_resnet
    from torchvision.models.detection import MaskRCNN
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
    from torchvision.models.detection.rpn import RPNHead
    from torchvision.ops import FrozenBatchNorm2d
    from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
    narrow_resnet = _narrow_resnet()
    c = expected()["constructors"]
    fpn = c["fpn_channels"]
    body = narrow_resnet(c["stem"], c["divisor"])(tv_resnet.Bottleneck, c["blocks"], norm_layer=FrozenBatchNorm2d)
    chans = [64 // c["divisor"] * 4 << i for i in range(4)]
    backbone = BackboneWithFPN(body, {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"}, chans, fpn,
                               extra_blocks=LastLevelMaxPool())
    model = MaskRCNN(backbone, num_classes=None, min_size=64, max_size=96, rpn_head=RPNHead(fpn, 3),
                     box_head=TwoMLPHead(fpn * 7 * 7, c["representation"]),
                     box_predictor=FastRCNNPredictor(c["representation"], c["num_classes"]),
                     mask_head=MaskRCNNHeads(fpn, [fpn] * 4, 1),
                     mask_predictor=MaskRCNNPredictor(fpn, fpn, c["num_classes"]))
    return model.eval()


def build_classifier():
    import torch.nn as nn
    import torchvision.models.resnet as tv_resnet
    c = expected()["constructors"]
    model = _narrow_resnet()(c["stem"], c["divisor"])(tv_resnet.Bottleneck, c["blocks"])
    model.fc = nn.Linear(512 // c["divisor"] * 4, c["classifier_classes"])
    return model.eval()


def _narrow_resnet():
    sys.path.insert(0, str(ROOT / "fixtures"))
    from gen_models import narrow_resnet
    return narrow_resnet


def load_native(model, file):
    """`model` with the weights of a native torchvision fixture."""
    import torch
    model.load_state_dict(torch.load(CONVENTIONS / file, weights_only=True), strict=True)
    return model
