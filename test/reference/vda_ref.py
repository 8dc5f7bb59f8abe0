"""Independent numpy reference for `depthkit video`'s sequence-level accuracy and TAE, following Video Depth
Anything's benchmark scripts (github.com/DepthAnything/Video-Depth-Anything, benchmark/eval/eval.py with metric.py,
and benchmark/eval/eval_tae.py), written here from what those scripts do, not from the TypeScript.

    python3 vda_ref.py generate SYNTH_DIR DIR   a `depthkit synth` clip -> small inputs in DIR (needs ffmpeg)
    python3 vda_ref.py expect DIR OUT.json      the benchmark numbers for DIR's inputs -> OUT.json (numpy only)

The protocol, per sequence (eval.py `eval_depthcrafter`, eval_tae.py `eval_TAE`; one dataset cap `max_depth`):
- ground truth g = png / factor in float64; valid = 1e-3 < g < max_depth (strict; the scripts' `min_depth_eval`
  0.1 is set but never used, so the lower bound is 1e-3 for every dataset).
- the prediction is disparity; it is clipped to >= 1e-3 BEFORE the fit (the clipped values are also the ones aligned).
- ONE least-squares fit over the valid pixels of all frames: [p, 1] (s, t) ~ 1 / (g + 1e-8), in float64.
- aligned disparity s p + t clipped to >= 1e-3, inverted, and the depth clipped to [1e-3, max_depth].
- accuracy (metric.py): per frame over its valid pixels, abs_rel = mean |p - g| / g, rmse = sqrt(mean (p - g)^2),
  d1 = mean(max(p / g, g / p) < 1.25); frames with no valid pixel are dropped; the sequence value is the mean over
  the remaining frames (the scripts then average sequences). These are the BTS per-image definitions.
- TAE (eval_tae.py `tae_torch`): the same aligned depth for every frame (no frame dropped); for each pair
  T_21 = inv(T_{i+1}) T_i (camera-to-world poses); every pixel of frame i is back-projected with K, moved, projected,
  rounded half to even; points landing inside the image are scattered into an empty map: the reference has no
  z-buffer (torch index assignment, CPU: the point written last in row-major order wins, points behind the camera
  included); depthkit keeps the nearest point in front of the camera (mode `zbuffer`). AbsRel = mean |d_{i+1} - proj|
  / d_{i+1} over pixels where proj > 0 and d_{i+1} > 0 (0 when there are none); backward with inv(T_21), likewise;
  TAE = 100 * sum(fwd + bwd) / (2 (N - 1)).
- depthkit does not clip the predicted disparity to >= 1e-3 (a floor in the model's own, arbitrary units): its fit
  skips pixels whose disparity is <= 0 and keeps small positive ones as they are. Mode floor=False; the two agree
  whenever every predicted disparity is >= 1e-3, which pred_floor.npy (zeros and 4e-4 values) breaks on purpose.
Non-finite numbers are written as null.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

F64 = np.float64
FACTOR = 1000.0  # ground-truth PNGs in millimetres
MAX_DEPTH = 8.0  # the dataset cap of this test sequence (passed to depthkit as --max-depth)
DISP_FLOOR = 1e-3  # eval.py's clip of predicted and aligned disparity
DEPTH_FLOOR = 1e-3  # eval.py's lower ground-truth bound and prediction clamp
GT_EPS = 1e-8  # eval.py's 1 / (g + eps) in the fit target
EMPTY_FRAME = 5  # the frame whose ground truth is blanked out


# ---------------------------------------------------------------- inputs
def read_png16(path):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'gray16le', '-'],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, '<u2')


def generate(synth, d):
    with open(os.path.join(synth, 'meta.json')) as f:
        meta = json.load(f)
    W, H, T = meta['width'], meta['height'], meta['frame_count']
    names = sorted(n for n in os.listdir(os.path.join(synth, 'depth')) if n.endswith('.png'))
    gt_mm = np.stack([read_png16(os.path.join(synth, 'depth', n)).reshape(H, W) for n in names])
    depth = gt_mm / FACTOR
    rng = np.random.default_rng(13)
    # a relative model's disparity: a global scale and shift of 1/depth, a gain that drifts over the clip, noise
    gain = 1 + 0.04 * np.sin(1.3 * np.arange(T))[:, None, None]
    pred = 0.37 * gain / depth * np.exp(0.08 * rng.standard_normal(depth.shape)) + 0.05
    # ground-truth holes (the prediction still covers them) and one frame with no measurement at all
    holes = rng.random(depth.shape) < 0.05
    gt_mm[holes] = 0
    gt_mm[EMPTY_FRAME] = 0
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, 'gt_mm.npy'), gt_mm.astype(np.uint16))
    np.save(os.path.join(d, 'pred_disp.npy'), pred.astype(np.float32))
    # the same prediction with pixels a model left empty (0) or nearly so, below eval.py's 1e-3 disparity floor
    cut = rng.random(depth.shape)
    pred[cut < 0.04] = 0
    pred[(cut >= 0.04) & (cut < 0.05)] = 4e-4
    np.save(os.path.join(d, 'pred_floor.npy'), pred.astype(np.float32))
    for name in ('poses.txt', 'intrinsics.txt', 'video.mp4'):
        shutil.copyfile(os.path.join(synth, name), os.path.join(d, name))


def load(d):
    gt = np.load(os.path.join(d, 'gt_mm.npy')).astype(F64) / FACTOR
    pred = np.load(os.path.join(d, 'pred_disp.npy'))
    rows = np.loadtxt(os.path.join(d, 'poses.txt'), dtype=F64).reshape(-1, 3, 4)
    poses = np.zeros((len(rows), 4, 4))
    poses[:, :3, :] = rows
    poses[:, 3, 3] = 1
    fx, fy, cx, cy = np.loadtxt(os.path.join(d, 'intrinsics.txt'), dtype=F64)
    return gt, pred, poses, dict(fx=fx, fy=fy, cx=cx, cy=cy)


# ---------------------------------------------------------------- sequence-level fit and accuracy (eval.py)
def align_sequence(pred, gt, max_depth, floor=True):
    """floor=False is depthkit's variant: predicted disparity is not clipped; the fit skips values <= 0."""
    valid = (gt > DEPTH_FLOOR) & (gt < max_depth)
    pred = np.clip(pred, DISP_FLOOR, None) if floor else pred
    fitted = valid if floor else valid & (pred > 0)
    x = pred[fitted].astype(F64)
    y = 1.0 / (gt[fitted] + GT_EPS)
    A = np.stack([x, np.ones_like(x)], axis=1)
    (scale, shift), *_ = np.linalg.lstsq(A, y, rcond=None)
    disparity = np.clip(scale * pred.astype(F64) + shift, DISP_FLOOR, None)
    depth = np.clip(1.0 / disparity, DEPTH_FLOOR, max_depth)
    return depth, valid, dict(scale=float(scale), shift=float(shift), pixels=int(fitted.sum()))


def frame_accuracy(p, g, valid):
    n = int(valid.sum())
    if n == 0:
        return dict(valid_pixels=0, abs_rel=None, rmse=None, d1=None)
    p, g = p[valid], g[valid]
    ratio = np.maximum(p / g, g / p)
    return dict(valid_pixels=n, abs_rel=float(np.sum(np.abs(p - g) / g) / n),
                rmse=float(np.sqrt(np.sum((p - g) ** 2) / n)), d1=float(np.count_nonzero(ratio < 1.25) / n))


def sequence_accuracy(depth, gt, valid):
    frames = [dict(frame=t, **frame_accuracy(depth[t], gt[t], valid[t])) for t in range(len(depth))]
    kept = [f for f in frames if f['valid_pixels'] > 0]
    summary = {k: float(np.mean([f[k] for f in kept])) for k in ('abs_rel', 'rmse', 'd1')}
    return dict(summary=dict(summary, frames_used=len(kept)), frames=frames)


# ---------------------------------------------------------------- TAE (eval_tae.py)
def project(src, K, M):
    """Every pixel of `src` back-projected with K and moved by M (4x4): camera coordinates in the target frame."""
    H, W = src.shape
    v, u = np.divmod(np.arange(H * W), W)
    z = src.ravel()
    pts = np.stack([(u - K['cx']) * z / K['fx'], (v - K['cy']) * z / K['fy'], z])
    return M[:3, :3] @ pts + M[:3, 3:4]


def scatter(xt, yt, zt, K, H, W, zbuffer):
    with np.errstate(divide='ignore', invalid='ignore'):
        u = np.round(xt * K['fx'] / zt + K['cx'])
        v = np.round(yt * K['fy'] / zt + K['cy'])
    inside = np.isfinite(u) & np.isfinite(v) & (u >= 0) & (u < W) & (v >= 0) & (v < H)
    if zbuffer:
        inside &= zt > 0
    target = (v[inside] * W + u[inside]).astype(np.int64)
    z = zt[inside]
    proj = np.zeros(H * W)
    if zbuffer:
        nearest = np.full(H * W, np.inf)
        np.minimum.at(nearest, target, z)
        hit = np.isfinite(nearest)
        proj[hit] = nearest[hit]
    else:
        # the last write wins: the first occurrence of each target in the reversed order
        rev_target = target[::-1]
        first, idx = np.unique(rev_target, return_index=True)
        proj[first] = z[::-1][idx]
    return proj.reshape(H, W)


def pair_absrel(src, dst, K, M, zbuffer):
    H, W = src.shape
    xt, yt, zt = project(src, K, M)
    proj = scatter(xt, yt, zt, K, H, W, zbuffer)
    sel = (proj > 0) & (dst > 0)
    if not sel.any():
        return 0.0
    return float(np.mean(np.abs(dst[sel] - proj[sel]) / dst[sel]))


def tae(depth, poses, K, zbuffer):
    pairs, total = [], 0.0
    for i in range(len(depth) - 1):
        t21 = np.linalg.inv(poses[i + 1]) @ poses[i]
        fwd = pair_absrel(depth[i], depth[i + 1], K, t21, zbuffer)
        bwd = pair_absrel(depth[i + 1], depth[i], K, np.linalg.inv(t21), zbuffer)
        pairs.append(dict(forward=fwd, backward=bwd))
        total += fwd + bwd
    return dict(tae=100 * total / (2 * (len(depth) - 1)), pairs=pairs)


def clean(o):
    if isinstance(o, float):
        return o if np.isfinite(o) else None
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()}
    if isinstance(o, list):
        return [clean(v) for v in o]
    return o


def sequence_case(pred, gt, poses, K, floor):
    depth, valid, fit = align_sequence(pred, gt, MAX_DEPTH, floor)
    return dict(fit=fit, accuracy=sequence_accuracy(depth, gt, valid)['summary'],
                tae_zbuffer=tae(depth, poses, K, zbuffer=True)['tae'])


def expect(d, out):
    gt, pred, poses, K = load(d)
    pred_floor = np.load(os.path.join(d, 'pred_floor.npy'))
    depth, valid, fit = align_sequence(pred, gt, MAX_DEPTH)
    res = dict(
        protocol=dict(max_depth=MAX_DEPTH, min_depth=DEPTH_FLOOR, gt_factor=FACTOR, empty_frame=EMPTY_FRAME),
        fit=fit,
        accuracy=sequence_accuracy(depth, gt, valid),
        tae_reference=tae(depth, poses, K, zbuffer=False),
        tae_zbuffer=tae(depth, poses, K, zbuffer=True),
        floor=dict(vda=sequence_case(pred_floor, gt, poses, K, floor=True),
                   depthkit=sequence_case(pred_floor, gt, poses, K, floor=False)),
    )
    with open(out, 'w') as f:
        json.dump(clean(res), f, indent=1)


if __name__ == '__main__':
    if sys.argv[1] == 'generate':
        generate(sys.argv[2], sys.argv[3])
    else:
        expect(sys.argv[2], sys.argv[3])
