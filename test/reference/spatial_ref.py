"""Independent numpy reference for depthkit's spatial-continuity metrics.

    python3 spatial_ref.py generate DIR          writes small seeded .npy inputs into DIR
    python3 spatial_ref.py expect DIR OUT.json   computes the metrics from DIR's .npy files, writes OUT.json
                                                  (edge maps and distance transforms go to DIR/*_ref.npy)

Definitions (docs: /work/shared/notes/metrics.md, "Spatial continuity"):
- smoothness (monodepth2 layers.get_smooth_loss as a metric): d = depth / (mean + 1e-7);
  mean(|dx d| exp(-mean_c |dx I_c|)) + mean(|dy d| exp(-mean_c |dy I_c|)), RGB / 255.
- Canny as skimage.feature.canny (0.19+), written out here in numpy: masked Gaussian (scipy gaussian_filter,
  mode constant, truncate 4) divided by the blurred mask + eps; mask eroded by a 3x3 square with border 0; scipy
  sobel (reflect) along axis 0 (isobel) and axis 1 (jsobel); magnitude = hypot; bilinear non-maximum suppression
  with the low threshold; hysteresis = 8-connected components (scipy label) holding a pixel >= high.
  Checked 2026-11-25 against skimage 0.19.3's own canny (Debian python3-skimage, outside CI): identical edge maps
  on the committed gt/pred and on 20 random smooth images, half of them with holes in the mask (0 pixels differ).
- DBE (iBims-1): min-max over valid pixels to [0, 1]; Canny sigma sqrt(2), 0.1 / 0.2; D = distance_transform_edt
  of the non-edge pixels; acc = mean D_gt over predicted edges with D_gt < 10, comp = mean D_est over true edges;
  both 10 if no predicted edge is in the band; null if the ground truth has no edge.
"""
import json
import os
import sys

import numpy as np
from scipy import ndimage as ndi

F64 = np.float64


def generate(d):
    rng = np.random.default_rng(61)
    H, W = 36, 44
    yy, xx = np.mgrid[0:H, 0:W].astype(F64)
    gt = 3 + 0.02 * xx
    gt[8:26, 10:24] = 1.5
    gt[yy + 0.6 * xx > 50] = 5
    gt[20:30, 30:40] = 2.2
    pred = gt.copy()
    pred[8:27, 11:25] = 1.55  # boundaries a pixel off
    pred += 0.03 * rng.standard_normal((H, W))
    pred[30:34, 2:8] += 0.8  # a spurious step
    gt[0:2, 40:44] = 0  # invalid ground truth pixels
    img = np.clip(100 + 40 * np.sin(xx / 3)[..., None] + rng.normal(0, 20, (H, W, 3)), 0, 255)
    img[8:26, 10:24] = 230
    np.save(os.path.join(d, 'gt.npy'), gt.astype(np.float32))
    np.save(os.path.join(d, 'pred.npy'), pred.astype(np.float32))
    np.save(os.path.join(d, 'image.npy'), np.round(img).astype(np.uint8))


def smoothness(depth, img):
    d = depth.astype(F64)
    d = d / (d.mean() + 1e-7)
    I = img.astype(F64) / 255
    gx = np.abs(d[:, :-1] - d[:, 1:])
    gy = np.abs(d[:-1, :] - d[1:, :])
    ix = np.mean(np.abs(I[:, :-1] - I[:, 1:]), -1)
    iy = np.mean(np.abs(I[:-1, :] - I[1:, :]), -1)
    return float(np.mean(gx * np.exp(-ix)) + np.mean(gy * np.exp(-iy)))


def nms(isobel, jsobel, mag, eroded, low):
    H, W = mag.shape
    out = np.zeros_like(mag)
    pad = np.pad(mag, 1)  # only the eroded interior is visited, the padding is never read
    r, c = np.nonzero(eroded & (mag >= low))
    gi, gj, m = isobel[r, c], jsobel[r, c], mag[r, c]
    ai, aj = np.abs(gi), np.abs(gj)
    same = ((gi >= 0) & (gj >= 0)) | ((gi <= 0) & (gj <= 0))
    opp = ((gi <= 0) & (gj >= 0)) | ((gi >= 0) & (gj <= 0))
    at = lambda dr, dc: pad[r + 1 + dr, c + 1 + dc]
    with np.errstate(divide='ignore', invalid='ignore'):
        cases = [  # (selector, weight, n11, n12, n21, n22) in skimage's four octant pairs
            (same & (ai > aj), aj / ai, at(1, 0), at(1, 1), at(-1, 0), at(-1, -1)),
            (same & ~(ai > aj), ai / aj, at(0, 1), at(1, 1), at(0, -1), at(-1, -1)),
            (~same & opp & (ai < aj), ai / aj, at(0, 1), at(-1, 1), at(0, -1), at(1, -1)),
            (~same & opp & ~(ai < aj), aj / ai, at(-1, 0), at(-1, 1), at(1, 0), at(1, -1)),
        ]
    for sel, w, n11, n12, n21, n22 in cases:
        with np.errstate(invalid='ignore'):  # w is inf/nan only on rows the selector leaves out
            keep = sel & (n12 * w + n11 * (1 - w) <= m) & (n22 * w + n21 * (1 - w) <= m)
        out[r[keep], c[keep]] = m[keep]
    return out


def canny(image, mask, sigma, low, high):
    mask = mask.astype(bool)
    masked = np.where(mask, image, 0).astype(F64)
    g = lambda a: ndi.gaussian_filter(a, sigma, mode='constant', cval=0.0, truncate=4.0)
    smoothed = g(masked) / (g(mask.astype(F64)) + np.finfo(F64).eps)
    eroded = ndi.binary_erosion(mask, ndi.generate_binary_structure(2, 2), border_value=0)
    isobel = ndi.sobel(smoothed, axis=0)
    jsobel = ndi.sobel(smoothed, axis=1)
    mag = np.hypot(isobel, jsobel)
    kept = nms(isobel, jsobel, mag, eroded, low)
    labels, count = ndi.label(kept > 0, np.ones((3, 3), bool))
    good = np.zeros(count + 1, bool)
    good[np.unique(labels[kept >= high])] = True
    good[0] = False
    return good[labels]


def normalise(d, valid):
    lo, hi = d[valid].min(), d[valid].max()
    return np.where(valid, (d - lo) / (hi - lo), 0)


def dbe(pred, gt, max_dist=10.0):
    pred, gt = pred.astype(F64), gt.astype(F64)
    valid = np.isfinite(pred) & np.isfinite(gt) & (gt > 0)
    e_gt = canny(normalise(gt, valid), valid, np.sqrt(2), 0.1, 0.2)
    e_est = canny(normalise(pred, valid), valid, np.sqrt(2), 0.1, 0.2)
    d_gt = ndi.distance_transform_edt(~e_gt)
    d_est = ndi.distance_transform_edt(~e_est)
    band = e_est & (d_gt < max_dist)
    if not e_gt.any():
        acc = comp = None
    elif not band.any():
        acc = comp = max_dist
    else:
        acc = float(d_gt[band].sum() / band.sum())
        comp = float(d_est[e_gt].sum() / e_gt.sum())
    return dict(dbe_acc=acc, dbe_comp=comp, gtEdges=int(e_gt.sum()), predEdges=int(e_est.sum())), e_gt, e_est, d_gt


def expect(d, out):
    L = lambda name: np.load(os.path.join(d, name))
    gt, pred, img = L('gt.npy'), L('pred.npy'), L('image.npy')
    scores, e_gt, e_est, d_gt = dbe(pred, gt)
    np.save(os.path.join(d, 'edges_gt_ref.npy'), e_gt.astype(np.uint8))
    np.save(os.path.join(d, 'edges_pred_ref.npy'), e_est.astype(np.uint8))
    np.save(os.path.join(d, 'dist_gt_ref.npy'), d_gt.astype(np.float32))
    res = dict(smoothness_pred=smoothness(pred, img), smoothness_gt=smoothness(np.where(gt > 0, gt, 3), img),
               dbe=scores)
    with open(out, 'w') as f:
        json.dump(res, f, indent=1)


if __name__ == '__main__':
    if sys.argv[1] == 'generate':
        generate(sys.argv[2])
    else:
        expect(sys.argv[2], sys.argv[3])
