"""Independent numpy ports of the published evaluation scripts that `depthkit eval --protocol` reproduces.

    python3 protocols_ref.py generate DIR      writes the cases (folders of .npy predictions, 16-bit PNG ground truth)
    python3 protocols_ref.py expect DIR OUT    evaluates each case as its script does, and as depthkit's default
                                              protocol does (with --pred-layout resize), writes OUT (JSON)
    python3 protocols_ref.py vda VDA_DIR OUT   metric.py's pooled log10 / silog on the clip of test/reference/vda/

Each port follows the script's code at the commit named, written from reading it (nothing copied):
- monodepth2: nianticlabs/monodepth2 @ b676244e5a1ca55564eb5d16ab521a48f823af31, evaluate_depth.py (evaluate,
  compute_errors): disparity predicted at 192x640 resized with cv2.resize (bilinear) to the ground truth, then
  1/disp; split eigen: mask 1e-3 < gt < 80 inside the Garg crop; split eigen_benchmark: mask gt > 0, no crop;
  ratio = median(gt[mask]) / median(pred[mask]) over every masked value (0, negative, inf, NaN included);
  pred[pred < 1e-3] = 1e-3, pred[pred > 80] = 80 (NaN stays NaN); per-image errors, mean over images.
- BTS: cleinc/bts @ 5e3406b35d1497b2e55d2dd600524d1f4efacaed, utils/eval_with_pngs.py (eval, compute_errors): the
  352x1216 prediction clamped (< min -> min, > max -> max, inf -> max) and THEN pasted into a zero canvas of the
  full frame at top = H - 352, left = int((W - 1216) / 2); mask min < gt < max and the Garg crop.
- ZoeDepth: isl-org/ZoeDepth @ d87f17b2f5fdcb174cf4fb115491f4a6c60de152, zoedepth/utils/misc.py compute_metrics
  and compute_errors, zoedepth/data/data_mono.py (online_eval: with do_kb_crop the ground truth is cut to the KB
  crop too), zoedepth/utils/config.py (kitti: garg crop, 1e-3..80; nyu: eigen crop, 1e-3..10): bilinear
  interpolation with align_corners=True when sizes differ, clamp, inf -> max, NaN -> min.
The Video Depth Anything port (benchmark/eval/eval.py, eval_tae.py, metric.py) is test/reference/vda_ref.py plus
vda_pooled() here (metric.py log10 and silog_rmse over a sequence).
Non-finite numbers are written as strings ('nan', 'inf').
"""
import json
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics_ref  # noqa: E402

F32, F64 = np.float32, np.float64


def errors(gt, pred):
    """BTS / ZoeDepth compute_errors (monodepth2's is the same less log10 and silog), in float64: metrics_ref.py's
    formulas, with silog taken literally as sqrt(mean(e^2) - mean(e)^2), as the scripts do (so that a zero
    prediction's -inf gives their NaN)."""
    with np.errstate(all='ignore'):
        m = metrics_ref.metrics(gt, pred, np.ones(gt.shape, bool))
        e = np.log(pred.astype(F64)) - np.log(gt.astype(F64))
        m['silog'] = np.sqrt(np.mean(e ** 2) - np.mean(e) ** 2) * 100
    m['valid_pixels'] = int(gt.size)
    return m


def garg(h, w):
    return int(0.40810811 * h), int(0.99189189 * h), int(0.03594771 * w), int(0.96405229 * w)


def crop_mask(shape, rect):
    m = np.zeros(shape, bool)
    if rect is None:
        m[:] = True
    else:
        m[rect[0]:rect[1], rect[2]:rect[3]] = True
    return m


# ---------------------------------------------------------------- the scripts' conventions
def monodepth2(pred_disp, gt, split):
    h, w = gt.shape
    disp = cv2.resize(pred_disp, (w, h))  # cv2 default: INTER_LINEAR, half-pixel centres
    with np.errstate(divide='ignore'):
        depth = 1 / disp
    if split == 'eigen':
        # np.int32 of the float products truncates, as int() does for these positive values
        mask = (gt > 1e-3) & (gt < 80) & crop_mask(gt.shape, garg(h, w))
    else:
        mask = gt > 0
    p, g = depth[mask], gt[mask]
    with np.errstate(invalid='ignore'):
        ratio = np.median(g) / np.median(p)
        p = p * ratio
        p[p < 1e-3] = 1e-3
        p[p > 80] = 80
    return errors(g, p)


def bts_kitti(pred, gt, min_d, max_d, crop):
    pred = pred.copy()
    pred[pred < min_d] = min_d
    pred[pred > max_d] = max_d
    pred[np.isinf(pred)] = max_d
    h, w = gt.shape
    top, left = int(h - 352), int((w - 1216) / 2)
    canvas = np.zeros((h, w), F32)
    canvas[top:top + 352, left:left + 1216] = pred
    mask = (gt > min_d) & (gt < max_d) & crop_mask(gt.shape, garg(h, w) if crop == 'garg' else None)
    return errors(gt[mask], canvas[mask])


def bilinear(src, h, w, grid):
    """Bilinear resize in float64. align-corners: torch interpolate(align_corners=True), src = dst (in-1)/(out-1);
    half-pixel: torch align_corners=False, src = max((dst + 0.5) in/out - 0.5, 0) (depthkit's default arithmetic)."""
    sh, sw = src.shape
    def taps(n_in, n_out):
        d = np.arange(n_out, dtype=F64)
        if grid == 'align-corners':
            s = d * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            s = np.maximum((d + 0.5) * (n_in / n_out) - 0.5, 0)
        i0 = np.minimum(np.floor(s).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, s - i0
    y0, y1, wy = taps(sh, h)
    x0, x1, wx = taps(sw, w)
    s = src.astype(F64)
    wy, wx = wy[:, None], wx[None, :]
    with np.errstate(invalid='ignore'):
        top = (1 - wx) * s[y0][:, x0] + wx * s[y0][:, x1]
        bot = (1 - wx) * s[y1][:, x0] + wx * s[y1][:, x1]
        return ((1 - wy) * top + wy * bot).astype(F32)


def zoedepth(pred, gt, dataset):
    if dataset == 'kitti':
        h, w = gt.shape
        top, left = int(h - 352), int((w - 1216) / 2)
        gt = gt[top:top + 352, left:left + 1216]
        min_d, max_d = 1e-3, 80
    else:
        min_d, max_d = 1e-3, 10
    if pred.shape != gt.shape:
        pred = bilinear(pred, *gt.shape, 'align-corners')
    pred = pred.copy()
    with np.errstate(invalid='ignore'):
        pred[pred < min_d] = min_d
        pred[pred > max_d] = max_d
    pred[np.isinf(pred)] = max_d
    pred[np.isnan(pred)] = min_d
    h, w = gt.shape
    rect = garg(h, w) if dataset == 'kitti' else (45, 471, 41, 601)
    mask = (gt > min_d) & (gt < max_d) & crop_mask(gt.shape, rect)
    return errors(gt[mask], pred[mask])


def vda_pooled(pred_depth, gt, valid):
    """metric.py over a sequence (frames x H x W): log10 of every valid pixel pooled; silog_rmse = 100 sqrt(mean over
    frames of mean(d^2) - mean(d)^2); frames without valid pixels dropped first (eval.py)."""
    keep = valid.sum((1, 2)) > 0
    p, g, v = pred_depth[keep], gt[keep], valid[keep]
    log10 = np.mean(np.abs(np.log10(p[v]) - np.log10(g[v])))
    d = np.where(v, np.log(np.where(v, p, 1)) - np.log(np.where(v, g, 1)), 0)
    n = v.sum((1, 2))
    first = (d ** 2).sum((1, 2)) / n
    second = d.sum((1, 2)) ** 2 / n ** 2
    return {'log10': log10, 'silog': np.sqrt(np.mean(first - second)) * 100}


# ---------------------------------------------------------------- depthkit's default protocol (for the figures)
def depthkit_default(pred, gt, min_d, max_d, rect, align):
    """Today's numbers: depth resized (half-pixel), median over finite positive values, NaN -> min, caps mask."""
    if pred.shape != gt.shape:
        pred = bilinear(pred, *gt.shape, 'half-pixel')
    mask = (gt > min_d) & (gt < max_d) & crop_mask(gt.shape, rect)
    p, g = pred[mask].astype(F64), gt[mask].astype(F64)
    if align == 'median':
        ok = np.isfinite(p) & (p > 0)
        p = p * (np.median(g[ok]) / np.median(p[ok]))
    p = np.where(np.isnan(p), min_d, np.clip(p, min_d, max_d)).astype(F32)
    return errors(g, p)


# ---------------------------------------------------------------- cases
KITTI = (375, 1242)


def smooth(rng, h, w, lo, hi):
    """A smooth random field in [lo, hi] (upsampled noise), so that resizing it means something."""
    coarse = rng.uniform(lo, hi, (max(h // 24, 2), max(w // 24, 2))).astype(F32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).clip(lo, hi)


def kitti_gt(rng, max_gt=79.0):
    """Sparse LiDAR-like ground truth (~30% of pixels valid, some beyond 80 m when max_gt says so) and the dense
    scene it samples."""
    dense = smooth(rng, *KITTI, 2.0, max_gt)
    g = np.round(dense * 256) / 256
    g[rng.random(KITTI) > 0.3] = 0
    return g, dense


def write_png(path, depth, scale):
    cv2.imwrite(path, np.clip(np.round(depth * scale), 0, 65535).astype(np.uint16))


def generate(d):
    rng = np.random.default_rng(19)
    cases = {}

    # monodepth2: disparity at 192x640, ground truth with points beyond 80 m (eigen_benchmark keeps them)
    c = os.path.join(d, 'm2')
    os.makedirs(os.path.join(c, 'pred')), os.makedirs(os.path.join(c, 'gt'))
    for i in range(3):
        gt, dense = kitti_gt(rng, max_gt=120.0)
        disp = (0.3 / cv2.resize(dense, (640, 192), interpolation=cv2.INTER_AREA) * rng.uniform(0.9, 1.1, (192, 640))).astype(F32)
        bad = rng.random((192, 640))
        disp[bad < 0.004] = 0          # -> +inf depth, inside the median
        disp[(bad >= 0.004) & (bad < 0.006)] *= -1  # negative depth, inside the median
        np.save(os.path.join(c, f'disp_{i:02d}.npy'), disp)
        with np.errstate(divide='ignore'):
            np.save(os.path.join(c, 'pred', f'{i:02d}.npy'), (1 / disp).astype(F32))
        write_png(os.path.join(c, 'gt', f'{i:02d}.png'), gt, 256)
    cases['m2'] = 3

    # monodepth2 with a NaN disparity inside the mask: the median, hence every metric, is NaN
    c = os.path.join(d, 'm2nan')
    os.makedirs(os.path.join(c, 'pred')), os.makedirs(os.path.join(c, 'gt'))
    disp = np.load(os.path.join(d, 'm2', 'disp_00.npy')).copy()
    disp[150, 320] = np.nan
    np.save(os.path.join(c, 'disp_00.npy'), disp)
    with np.errstate(divide='ignore'):
        np.save(os.path.join(c, 'pred', '00.npy'), (1 / disp).astype(F32))
    write_png(os.path.join(c, 'gt', '00.png'), cv2.imread(os.path.join(d, 'm2', 'gt', '00.png'), -1) / 256.0, 256)
    cases['m2nan'] = 1

    # KITTI KB crop: 352x1216 metric predictions with values past the caps and +inf
    c = os.path.join(d, 'kb')
    os.makedirs(os.path.join(c, 'pred')), os.makedirs(os.path.join(c, 'gt'))
    for i in range(3):
        gt, dense = kitti_gt(rng)
        top, left = KITTI[0] - 352, (KITTI[1] - 1216) // 2
        base = dense[top:top + 352, left:left + 1216]
        pred = (base * rng.uniform(0.85, 1.15, base.shape)).astype(F32)
        bad = rng.random(base.shape)
        pred[bad < 0.005] = 95.0
        pred[(bad >= 0.005) & (bad < 0.007)] = np.inf
        pred[(bad >= 0.007) & (bad < 0.008)] = 1e-4
        np.save(os.path.join(c, 'pred', f'{i:02d}.npy'), pred)
        write_png(os.path.join(c, 'gt', f'{i:02d}.png'), gt, 256)
    cases['kb'] = 3

    # NYU at half resolution (ZoeDepth upsamples align_corners=True), with NaN and inf predictions
    c = os.path.join(d, 'nyu')
    os.makedirs(os.path.join(c, 'pred')), os.makedirs(os.path.join(c, 'gt'))
    for i in range(2):
        gt = smooth(rng, 480, 640, 0.5, 9.5)
        gt[rng.random(gt.shape) < 0.05] = 0
        pred = (cv2.resize(gt.astype(F32), (320, 240), interpolation=cv2.INTER_AREA) * rng.uniform(0.9, 1.1, (240, 320))).astype(F32)
        pred[100, 100] = np.nan
        pred[120, 200] = np.inf
        np.save(os.path.join(c, 'pred', f'{i:02d}.npy'), pred)
        write_png(os.path.join(c, 'gt', f'{i:02d}.png'), gt, 1000)
    cases['nyu'] = 2
    with open(os.path.join(d, 'cases.json'), 'w') as f:
        json.dump(cases, f)


def clean(o):
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if isinstance(o, (np.floating, float)):
        v = float(o)
        return v if np.isfinite(v) else str(v)
    if isinstance(o, (np.integer, int)):
        return int(o)
    return o


def mean_rows(rows):
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != 'valid_pixels'}


def run(d, case, n, fn):
    rows = []
    for i in range(n):
        gt_file = os.path.join(d, case, 'gt', f'{i:02d}.png')
        rows.append(fn(i, gt_file))
    return {'images': rows, 'mean': mean_rows(rows)}


def expect(d, out):
    with open(os.path.join(d, 'cases.json')) as f:
        cases = json.load(f)
    kitti_gt_of = lambda p: cv2.imread(p, -1).astype(F32) / 256.0
    nyu_gt_of = lambda p: cv2.imread(p, -1).astype(F32) / 1000.0
    disp = lambda case, i: np.load(os.path.join(d, case, f'disp_{i:02d}.npy'))
    pred = lambda case, i: np.load(os.path.join(d, case, 'pred', f'{i:02d}.npy'))
    garg_kitti = garg(*KITTI)
    res = {
        'monodepth2_eigen': run(d, 'm2', cases['m2'], lambda i, g: monodepth2(disp('m2', i), kitti_gt_of(g), 'eigen')),
        'monodepth2_eigen_benchmark': run(d, 'm2', cases['m2'], lambda i, g: monodepth2(disp('m2', i), kitti_gt_of(g), 'eigen_benchmark')),
        'monodepth2_nan': run(d, 'm2nan', 1, lambda i, g: monodepth2(disp('m2nan', i), kitti_gt_of(g), 'eigen')),
        'bts_kitti': run(d, 'kb', cases['kb'], lambda i, g: bts_kitti(pred('kb', i), kitti_gt_of(g), 1e-3, 80, 'garg')),
        'bts_kitti_nocrop': run(d, 'kb', cases['kb'], lambda i, g: bts_kitti(pred('kb', i), kitti_gt_of(g), 1e-3, 80, 'none')),
        'zoedepth_kitti': run(d, 'kb', cases['kb'], lambda i, g: zoedepth(pred('kb', i), kitti_gt_of(g), 'kitti')),
        'zoedepth_nyu': run(d, 'nyu', cases['nyu'], lambda i, g: zoedepth(pred('nyu', i), nyu_gt_of(g), 'nyu')),
        # depthkit's default protocol on the same files (resize stated), for the differences in docs/metrics.md
        'default_m2': run(d, 'm2', cases['m2'], lambda i, g: depthkit_default(pred('m2', i), kitti_gt_of(g), 1e-3, 80, garg_kitti, 'median')),
        'default_m2_cap': run(d, 'm2', cases['m2'], lambda i, g: depthkit_default(pred('m2', i), kitti_gt_of(g), 1e-3, 80, None, 'median')),
        'default_kb': run(d, 'kb', cases['kb'], lambda i, g: depthkit_default(pred('kb', i), kitti_gt_of(g), 1e-3, 80, garg_kitti, 'none')),
        'default_nyu': run(d, 'nyu', cases['nyu'], lambda i, g: depthkit_default(pred('nyu', i), nyu_gt_of(g), 1e-3, 10, (45, 471, 41, 601), 'none')),
    }
    with open(out, 'w') as f:
        json.dump(clean(res), f, indent=1)


def expect_vda(d, out):
    """The committed VDA clip (test/reference/vda/): eval.py's sequence fit (vda_ref.py), then metric.py pooling."""
    import vda_ref
    gt, pred, _poses, _K = vda_ref.load(d)
    depth, valid, _fit = vda_ref.align_sequence(pred, gt, vda_ref.MAX_DEPTH)
    with open(out, 'w') as f:
        json.dump(clean(vda_pooled(depth, gt, valid)), f, indent=1)


if __name__ == '__main__':
    if sys.argv[1] == 'generate':
        generate(sys.argv[2])
    elif sys.argv[1] == 'expect':
        expect(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'vda':
        expect_vda(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
