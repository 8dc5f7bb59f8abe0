"""Independent numpy reference for depthkit's flow-based temporal metrics (OPW, rTC, flicker) and TAE.

    python3 temporal_ref.py generate DIR          writes small seeded .npy inputs into DIR
    python3 temporal_ref.py expect DIR OUT.json   computes every metric from DIR's .npy files, writes OUT.json

Definitions (docs: /work/shared/notes/metrics.md, "Video: temporal consistency"), written here from the formulas,
not from the TypeScript:
- flows: toPrev[t] maps frame t+1 to frame t (I_{t+1}(x) ~ I_t(x + f)); toNext[t] the opposite; bilinear sampling
  with the right/bottom neighbour clamped on the last column/row; a sample is inside when 0 <= x <= W-1 (same for y).
- valid (frame t+1): inside, forward-backward check |f + b(x+f)|^2 < 0.01 (|f|^2 + |b(x+f)|^2) + 0.5, depth of t+1
  finite > 0 and the four depths of frame t read by the bilinear sample finite > 0.
- OPW: per frame (d - median) / mean|d - median| over finite positive depths; M = exp(-50 sum_c (I_{t+1} -
  warp I_t)^2), RGB / 255; mean over valid pixels of M |n_{t+1} - warp n_t|; sequence value = mean over pairs.
- rTC: share of valid pixels with max(d1 / warp d0, warp d0 / d1) < 1.01 (rtc_101) and < 1.05 (rtc_105).
- flicker: mean over pixels with both depths finite > 0 of |d1 - d0| / ((d1 + d0) / 2), then mean over pairs.
- TCC: mean over pairs of SSIM(|P_t - P_t+1|, |G_t - G_t+1|), differences 0 where any of the four depths is not
  finite > 0; SSIM = skimage structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  K1=0.01, K2=0.03, data_range = max - min over both maps), scipy gaussian_filter reflect truncate 3.5, mean over
  pixels >= 5 px from the border.
- TAE (Video Depth Anything eval_tae.py): T21 = inv(T_{i+1}) T_i; back-project source pixels with depth > 0,
  transform, project, round half to even, scatter z: z-buffer = nearest point (points with z <= 0 dropped);
  no z-buffer = the LAST source pixel in row-major order wins, z <= 0 included (as torch's index_put on CPU);
  AbsRel over proj > 0, dst > 0, dst mask; 0 when nothing is valid; TAE = 100 sum(fwd + bwd) / (2 (N - 1)).
Non-finite numbers are written as null.
"""
import json
import os
import sys

import numpy as np

F64 = np.float64
FB_ALPHA, FB_BETA = 0.01, 0.5


# ---------------------------------------------------------------- inputs
def generate(d):
    rng = np.random.default_rng(6)
    T, H, W = 4, 12, 16
    yy, xx = np.mgrid[0:H, 0:W].astype(F64)
    base = 2 + 0.4 * np.sin(xx / 3) * np.cos(yy / 4)
    depth = np.stack([base * (1 + 0.03 * rng.standard_normal((H, W))) for _ in range(T)]).astype(np.float32)
    depth[1, 3, 4] = 0  # invalid pixels exercise the validity rules
    depth[2, 7, 9] = np.nan
    pattern = 120 + 80 * np.sin(xx / 2 + yy / 3)
    images = np.stack([np.clip(pattern[..., None] + rng.normal(0, 12, (H, W, 3)), 0, 255) for _ in range(T)])
    images = np.round(images).astype(np.uint8)

    def smooth_field(scale):
        a, b, c = rng.normal(0, 1, 3)
        return scale * (a * np.sin(xx / 5 + b) + c * np.cos(yy / 4))

    to_prev, to_next = [], []
    for _ in range(T - 1):
        u, v = smooth_field(1.2), smooth_field(0.9)
        to_prev.append(np.stack([u, v]))
        # the opposite field, perturbed so that the forward-backward check rejects part of the frame
        to_next.append(np.stack([-u + rng.normal(0, 0.5, u.shape), -v + rng.normal(0, 0.5, v.shape)]))
    np.save(os.path.join(d, 'depth.npy'), depth)
    np.save(os.path.join(d, 'images.npy'), images)
    np.save(os.path.join(d, 'to_prev.npy'), np.stack(to_prev).astype(np.float32))
    np.save(os.path.join(d, 'to_next.npy'), np.stack(to_next).astype(np.float32))

    # TAE: a slanted background and a near box, seen by a camera that moves and turns a little; depth with noise
    K = dict(fx=14.0, fy=14.0, cx=7.5, cy=5.5)
    poses = []
    for t in range(T):
        a = 0.02 * t
        R = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        P = np.eye(4)
        P[:3, :3] = R
        P[:3, 3] = [0.31 * t, 0.05 * t, 0.07 * t]
        poses.append(P)
    tae_depth = (4 + 0.1 * xx + 0.05 * yy)[None].repeat(T, 0) * (1 + 0.01 * rng.standard_normal((T, H, W)))
    tae_depth[:, 4:8, 5:10] = 1.5 + 0.02 * rng.standard_normal((T, 4, 5))
    masks = (rng.random((T, H, W)) > 0.15).astype(np.uint8)
    np.save(os.path.join(d, 'tae_depth.npy'), tae_depth.astype(np.float32))
    np.save(os.path.join(d, 'poses.npy'), np.stack(poses).astype(np.float32))
    np.save(os.path.join(d, 'tae_masks.npy'), masks)
    with open(os.path.join(d, 'intrinsics.json'), 'w') as f:
        json.dump(K, f)

    # TCC: a ground-truth sequence and a prediction that follows it with noise and a flickering gain
    rng = np.random.default_rng(66)
    H2, W2 = 20, 24
    y2, x2 = np.mgrid[0:H2, 0:W2].astype(F64)
    g = np.stack([3 + np.sin((x2 - 2 * t) / 4) + 0.5 * np.cos(y2 / 5) for t in range(T)])
    g[:, 2, 3] = 0  # a hole in the ground truth
    p = g * (1 + 0.05 * np.array([1, -1, 1, -1])[:, None, None]) + 0.05 * rng.standard_normal(g.shape)
    np.save(os.path.join(d, 'tcc_gt.npy'), g.astype(np.float32))
    np.save(os.path.join(d, 'tcc_pred.npy'), p.astype(np.float32))


# ---------------------------------------------------------------- flow metrics
def sample(img, x, y):
    H, W = img.shape
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    x1 = np.where(x0 + 1 < W, x0 + 1, x0)
    y1 = np.where(y0 + 1 < H, y0 + 1, y0)
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    return top * (1 - fy) + bottom * fy, (x0, x1, y0, y1)


def landing(flow):
    H, W = flow.shape[1:]
    yy, xx = np.mgrid[0:H, 0:W].astype(F64)
    sx, sy = xx + flow[0].astype(F64), yy + flow[1].astype(F64)
    inside = (sx >= 0) & (sy >= 0) & (sx <= W - 1) & (sy <= H - 1)
    return np.where(inside, sx, 0), np.where(inside, sy, 0), inside


def warp(img, flow):
    sx, sy, inside = landing(flow)
    out, _ = sample(img.astype(F64), sx, sy)
    return np.where(inside, out, 0), inside


def usable(d):
    return np.isfinite(d) & (d > 0)


def validity(d0, d1, to_prev, to_next):
    sx, sy, inside = landing(to_prev)
    f = to_prev.astype(F64)
    bu, (x0, x1, y0, y1) = sample(to_next[0].astype(F64), sx, sy)
    bv, _ = sample(to_next[1].astype(F64), sx, sy)
    du, dv = f[0] + bu, f[1] + bv
    fb = du ** 2 + dv ** 2 < FB_ALPHA * (f[0] ** 2 + f[1] ** 2 + bu ** 2 + bv ** 2) + FB_BETA
    ok0 = usable(d0)
    reads = ok0[y0, x0] & ok0[y0, x1] & ok0[y1, x0] & ok0[y1, x1]
    return inside & fb & usable(d1) & reads


def normalise(d):
    d = d.astype(F64)
    ok = usable(d)
    med = np.median(d[ok])
    dev = np.mean(np.abs(d[ok] - med))
    return (d - med) / dev if dev > 0 else (d - med) * 0


def opw(d0, d1, i0, i1, to_prev, valid):
    wd, _ = warp(np.nan_to_num(normalise(d0)), to_prev)
    n1 = normalise(d1)
    wi = np.stack([warp(i0[..., c] / 255.0, to_prev)[0] for c in range(3)], -1)
    M = np.exp(-50 * np.sum((i1 / 255.0 - wi) ** 2, -1))
    return float(np.mean((M * np.abs(n1 - wd))[valid])) if valid.any() else float('nan')


def rtc(d0, d1, to_prev, valid):
    wd, _ = warp(np.nan_to_num(d0.astype(F64)), to_prev)
    d1 = d1.astype(F64)
    with np.errstate(divide='ignore', invalid='ignore'):
        r = np.maximum(d1 / wd, wd / d1)[valid]
    if r.size == 0:
        return float('nan'), float('nan')
    return float(np.mean(r < 1.01)), float(np.mean(r < 1.05))


def flicker(d0, d1):
    d0, d1 = d0.astype(F64), d1.astype(F64)
    ok = usable(d0) & usable(d1)
    return float(np.mean(np.abs(d1 - d0)[ok] / ((d1 + d0)[ok] / 2)))


def flow_metrics(depth, images, to_prev, to_next):
    pairs = []
    for t in range(len(depth) - 1):
        valid = validity(depth[t], depth[t + 1], to_prev[t], to_next[t])
        r101, r105 = rtc(depth[t], depth[t + 1], to_prev[t], valid)
        pairs.append(dict(opw=opw(depth[t], depth[t + 1], images[t].astype(F64), images[t + 1].astype(F64),
                                  to_prev[t], valid),
                          rtc_101=r101, rtc_105=r105, flicker=flicker(depth[t], depth[t + 1]),
                          validPixels=int(valid.sum())))
    summary = {k: float(np.nanmean([p[k] for p in pairs])) for k in ('opw', 'rtc_101', 'rtc_105', 'flicker')}
    return dict(summary, pairs=pairs)


# ---------------------------------------------------------------- TCC
def ssim(x, y):
    # skimage structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False), written out
    from scipy.ndimage import gaussian_filter
    lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
    L = hi - lo if hi > lo else 1.0
    f = lambda a: gaussian_filter(a, 1.5, mode='reflect', truncate=3.5)
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    S = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return float(S[5:-5, 5:-5].mean())


def tcc(pred, gt):
    pred, gt = pred.astype(F64), gt.astype(F64)
    scores = []
    for t in range(len(pred) - 1):
        ok = usable(pred[t]) & usable(pred[t + 1]) & usable(gt[t]) & usable(gt[t + 1])
        dp = np.where(ok, np.abs(pred[t] - pred[t + 1]), 0)
        dg = np.where(ok, np.abs(gt[t] - gt[t + 1]), 0)
        scores.append(ssim(dp, dg))
    return dict(tcc=float(np.mean(scores)), pairs=scores)


# ---------------------------------------------------------------- TAE
def reproject_absrel(src, dst, M, K, dst_mask, zbuffer):
    H, W = src.shape
    yy, xx = np.mgrid[0:H, 0:W].astype(F64)
    z = src.astype(F64).ravel()
    keep = np.isfinite(z) & (z > 0)
    X = ((xx.ravel() - K['cx']) * z / K['fx'])[keep]
    Y = ((yy.ravel() - K['cy']) * z / K['fy'])[keep]
    Z = z[keep]
    pts = np.stack([X, Y, Z, np.ones_like(Z)])
    xt, yt, zt = (M @ pts)[:3]
    if zbuffer:
        front = zt > 0
        xt, yt, zt = xt[front], yt[front], zt[front]
    with np.errstate(divide='ignore', invalid='ignore'):
        u = np.round(xt * K['fx'] / zt + K['cx'])
        v = np.round(yt * K['fy'] / zt + K['cy'])
    ok = np.isfinite(u) & np.isfinite(v) & (u >= 0) & (u < W) & (v >= 0) & (v < H)
    idx = (v[ok] * W + u[ok]).astype(np.int64)
    zs = zt[ok]
    proj = np.zeros(H * W)
    if zbuffer:
        best = np.full(H * W, np.inf)
        np.minimum.at(best, idx, zs)
        proj = np.where(np.isfinite(best), best, 0)
    else:
        order = np.arange(len(idx))
        last = np.full(H * W, -1)
        np.maximum.at(last, idx, order)
        hit = last >= 0
        proj[hit] = zs[last[hit]]
    d = dst.astype(F64).ravel()
    sel = (proj > 0) & (d > 0)
    if dst_mask is not None:
        sel &= dst_mask.ravel() > 0
    if not sel.any():
        return 0.0
    return float(np.mean(np.abs(d[sel] - proj[sel]) / d[sel]))


def tae(depth, poses, K, zbuffer=True, masks=None, clamp=None):
    depth = depth.astype(F64)
    if clamp is not None:
        depth = np.clip(depth, clamp[0], clamp[1])
    poses = poses.astype(F64)
    pairs, total = [], 0.0
    for i in range(len(depth) - 1):
        T21 = np.linalg.inv(poses[i + 1]) @ poses[i]
        fwd = reproject_absrel(depth[i], depth[i + 1], T21, K, None if masks is None else masks[i + 1], zbuffer)
        bwd = reproject_absrel(depth[i + 1], depth[i], np.linalg.inv(T21), K, None if masks is None else masks[i],
                               zbuffer)
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


def expect(d, out):
    L = lambda name: np.load(os.path.join(d, name))
    with open(os.path.join(d, 'intrinsics.json')) as f:
        K = json.load(f)
    depth, poses, masks = L('tae_depth.npy'), L('poses.npy'), L('tae_masks.npy')
    res = dict(
        flow_metrics=flow_metrics(L('depth.npy'), L('images.npy'), L('to_prev.npy'), L('to_next.npy')),
        tae_zbuffer=tae(depth, poses, K, zbuffer=True),
        tae_reference=tae(depth, poses, K, zbuffer=False),
        tae_masked_clamped=tae(depth, poses, K, zbuffer=True, masks=masks, clamp=(1e-3, 3.0)),
        tcc=tcc(L('tcc_pred.npy'), L('tcc_gt.npy')),
    )
    with open(out, 'w') as f:
        json.dump(clean(res), f, indent=1)


if __name__ == '__main__':
    if sys.argv[1] == 'generate':
        generate(sys.argv[2])
    else:
        expect(sys.argv[2], sys.argv[3])
