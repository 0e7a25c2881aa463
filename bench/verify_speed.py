#!/usr/bin/env python3
"""`weightport verify` of an R-50-FPN checkpoint at 1x3x800x800, end to end (load + forward +
compare), against the Python equivalent (import torch, torch.load, forward, compare) timed
side by side on the same files. Also `weightport export` of the 250 MB checkpoint against h5py
writing the same arrays.
"""
import argparse
import subprocess
import sys
import time

import numpy as np

import make_checkpoints
import measure

OUT = make_checkpoints.OUT
PYTHON_VERIFY = r"""
import sys, time
t0 = time.perf_counter()
import numpy as np, torch, torchvision
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
torch.set_num_threads(2)
weights, x, expected = sys.argv[1], sys.argv[2], sys.argv[3]
model = resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5)
state = torch.load(weights, weights_only=True)
model.load_state_dict({k[len("backbone."):]: v for k, v in state.items()})
model.eval()
inp = torch.from_numpy(np.load(x))
with torch.no_grad():
    out = model(inp)
ref = np.load(expected)
worst = max(float(np.abs(out[k].numpy() - ref[k]).max() / np.abs(ref[k]).max()) for k in ref.files)
print(time.perf_counter() - t0, worst)
"""
MAKE_CASE = r"""
import sys, numpy as np, torch
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
torch.manual_seed(0)
out = sys.argv[1]
model = resnet_fpn_backbone(backbone_name="resnet50", weights=None, trainable_layers=5).eval()
with torch.no_grad():
    for m in model.modules():
        if hasattr(m, "running_var"):
            m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5)
# Saved under torchvision's detection names (`backbone.body.…`, `backbone.fpn.…`), as a
# Faster/Mask R-CNN checkpoint holds them.
sd = {"backbone." + k: v for k, v in model.state_dict().items()}
torch.save(sd, out + "/r50fpn_backbone.pth")
x = torch.randn(1, 3, 800, 800)
np.save(out + "/r50fpn_input.npy", x.numpy())
with torch.no_grad():
    features = model(x)
np.savez(out + "/r50fpn_features.npz", **{k: v.numpy() for k, v in features.items()})
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weightport", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--export-repeats", type=int, default=7, help="paired export runs (their times vary more)")
    args = parser.parse_args()
    make_checkpoints.main()
    if not (OUT / "r50fpn_features.npz").exists():
        subprocess.check_call([sys.executable, "-c", MAKE_CASE, str(OUT)])
    weights, x, expected = OUT / "r50fpn_backbone.pth", OUT / "r50fpn_input.npy", OUT / "r50fpn_features.npz"
    py = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        line = subprocess.check_output([sys.executable, "-c", PYTHON_VERIFY, str(weights), str(x), str(expected)], text=True)
        py.append(time.perf_counter() - t0)
    wp = [measure.run([args.weightport, "verify", str(weights), "--from", "torchvision", "--arch", "R-50-FPN",
                         "--stride-in-1x1", "false", "--input", str(x), "--expect", str(expected)]) for _ in range(args.repeats)]
    if any(code != 0 for _, _, code in wp):
        raise SystemExit("weightport verify did not pass on the benchmark case; no timing to report")
    t_wp, t_py = min(t for t, _, _ in wp), min(py)
    print(f"verify R-50-FPN at 1x3x800x800 (load + forward + compare, whole processes):")
    print(f"  weightport {t_wp:.2f} s vs Python (import torch, load, forward, compare) {t_py:.2f} s: "
          f"{t_py / t_wp:.2f}x faster (target > 1x: {'meets' if t_wp < t_py else 'MISSES'}); "
          f"peak RSS {max(r for _, r, _ in wp) / 1e6:.0f} MB")
    export(args)


def export(args):
    import h5py
    import torch
    src = OUT / "r101_fpn_maskrcnn.pth"
    sd = torch.load(src, weights_only=True)
    arrays = {k: v.numpy() for k, v in sd.items()}

    def h5py_write():
        with h5py.File(OUT / "ref.h5", "w") as f:
            for k, v in arrays.items():
                f.create_dataset("weights/" + k.replace(".", "/"), data=v)

    # Paired runs into new files, medians: see convert_speed.py for why.
    ref_path, wp_path = OUT / "ref.h5", OUT / "wp.h5"
    ref, wp, peak = [], [], 0
    for _ in range(args.export_repeats):
        measure.fresh(ref_path)
        ref.append(measure.in_process(h5py_write))
        measure.fresh(wp_path)
        t, rss, code = measure.run([args.weightport, "export", str(src), "-o", str(wp_path)])
        if code != 0:
            raise SystemExit("weightport export failed on the benchmark case; no timing to report")
        wp.append(t)
        peak = max(peak, rss)
    m_wp, m_ref = measure.median(wp), measure.median(ref)
    print(f"export a {src.stat().st_size / 1e6:.0f} MB checkpoint to HDF5: weightport median {m_wp:.2f} s (best {min(wp):.2f}; "
          f"whole process, incl. reading, mapping, SHA-256) vs h5py writing the same arrays median {m_ref:.2f} s "
          f"(best {min(ref):.2f}): {m_wp / m_ref:.2f}x (target <= 1x: {'meets' if m_wp <= m_ref else 'MISSES'}); "
          f"peak RSS {peak / src.stat().st_size:.2f}x input")

if __name__ == "__main__":
    main()
