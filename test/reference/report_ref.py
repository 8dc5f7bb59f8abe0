"""Independent numpy reference for depthkit's report pictures (src/report).

    python3 report_ref.py OUT.json     writes seeded inputs and the expected values into OUT.json

- Error map (src/report/error-map.ts): valid = min < g < max (strict) and inside the mask; err = |p - g| / g on
  valid pixels, NaN (null in JSON) elsewhere and where p is not finite. Its finite mean is the image's abs_rel
  for a clamped prediction (checked here against the plain formula of shared/notes/metrics.md).
- Inferno: points of matplotlib's listed colormap (`_cm_listed._inferno_data`, 256 entries, copied by hand for
  indices 0, 32, 64, 96, 128, 255 and scaled to 8 bits with round()); depthkit uses a degree-6 polynomial fit
  and must stay within a few 8-bit steps of them.
"""
import json
import sys

import numpy as np

INFERNO_POINTS = {
    0: [0.001462, 0.000466, 0.013866],
    32: [0.129285, 0.047293, 0.290788],
    64: [0.341500, 0.062325, 0.429425],
    96: [0.540920, 0.134729, 0.415123],
    128: [0.735683, 0.215906, 0.330245],
    255: [0.988362, 0.998364, 0.644924],
}


def main(out):
    rng = np.random.default_rng(20261125)
    h, w = 12, 16
    gt = rng.uniform(0.5, 12.0, (h, w)).astype(np.float32)
    gt[rng.uniform(size=(h, w)) < 0.3] = 0  # sparse, like KITTI
    gt[0, 0] = 10.5  # above the cap below
    pred = (gt * rng.uniform(0.7, 1.3, (h, w))).astype(np.float32)
    pred[gt == 0] = rng.uniform(1, 5, int((gt == 0).sum())).astype(np.float32)
    pred[1, 1] = np.nan
    mask = np.ones((h, w), np.uint8)
    mask[:, :2] = 0  # a crop that drops two columns
    min_depth, max_depth = 1e-3, 10.0
    valid = (gt > min_depth) & (gt < max_depth) & (mask == 1)
    p64, g64 = pred.astype(np.float64), gt.astype(np.float64)
    err = np.full((h, w), np.nan)
    err[valid] = np.abs(p64[valid] - g64[valid]) / g64[valid]
    clamped = np.clip(np.nan_to_num(p64, nan=min_depth), min_depth, max_depth)
    abs_rel_clamped = float(np.mean(np.abs(clamped[valid] - g64[valid]) / g64[valid]))
    doc = {
        "width": w, "height": h, "min_depth": min_depth, "max_depth": max_depth,
        "pred": [None if np.isnan(v) else float(v) for v in pred.ravel()],
        "gt": [float(v) for v in gt.ravel()],
        "mask": [int(v) for v in mask.ravel()],
        "valid": [int(v) for v in valid.ravel()],
        "error": [None if np.isnan(v) else float(v) for v in err.ravel()],
        "clamped_pred": [float(v) for v in clamped.ravel()],
        "abs_rel_clamped": abs_rel_clamped,
        "inferno_points": {str(k): [int(round(255 * c)) for c in v] for k, v in INFERNO_POINTS.items()},
    }
    with open(out, "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main(sys.argv[1])
