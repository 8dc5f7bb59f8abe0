"""Plain numpy + PIL doing the work of `depthkit eval --dataset kitti` (read + metrics), for the benchmark ratio.

Usage: python3 eval_numpy.py PRED_DIR GT_DIR  -> prints JSON {"images": N, "seconds": S, "abs_rel": ...}
Written the way the BTS / monodepth2 evaluation scripts do it: one image at a time, vectorised numpy per image.
"""
import json, os, sys, time
import numpy as np
from PIL import Image


def errors(gt, pred):
    thresh = np.maximum(gt / pred, pred / gt)
    d1, d2, d3 = [(thresh < 1.25 ** k).mean() for k in (1, 2, 3)]
    rmse = np.sqrt(((gt - pred) ** 2).mean())
    rmse_log = np.sqrt(((np.log(gt) - np.log(pred)) ** 2).mean())
    abs_rel = np.mean(np.abs(gt - pred) / gt)
    sq_rel = np.mean(((gt - pred) ** 2) / gt)
    err = np.log(pred) - np.log(gt)
    silog = np.sqrt(np.mean(err ** 2) - np.mean(err) ** 2) * 100
    log10 = np.mean(np.abs(np.log10(pred) - np.log10(gt)))
    return [abs_rel, sq_rel, rmse, rmse_log, log10, silog, d1, d2, d3]


def main(pred_dir, gt_dir):
    t0 = time.perf_counter()
    names = sorted(os.path.splitext(f)[0] for f in os.listdir(pred_dir) if f.endswith('.npy'))
    rows = []
    for name in names:
        pred = np.load(os.path.join(pred_dir, name + ".npy")).astype(np.float64)
        gt = np.asarray(Image.open(os.path.join(gt_dir, name + '.png')), dtype=np.float64) / 256.0
        h, w = gt.shape
        pred = np.nan_to_num(pred, nan=1e-3, posinf=80, neginf=1e-3)
        pred = np.clip(pred, 1e-3, 80)
        valid = (gt > 1e-3) & (gt < 80)
        crop = np.zeros_like(valid)
        crop[int(0.40810811 * h):int(0.99189189 * h), int(0.03594771 * w):int(0.96405229 * w)] = True
        valid &= crop
        rows.append(errors(gt[valid], pred[valid]))
    mean = np.mean(rows, axis=0)
    keys = ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog', 'd1', 'd2', 'd3']
    out = {'images': len(rows), 'seconds': time.perf_counter() - t0}
    out.update({k: float(v) for k, v in zip(keys, mean)})
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
