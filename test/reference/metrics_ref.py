"""Independent numpy reference for depthkit's accuracy metrics, crops, alignment and bilinear resize.

    python3 metrics_ref.py generate DIR          writes the small .npy inputs and DIR/cases.json (seeded, deterministic)
    python3 metrics_ref.py expect DIR OUT.json   evaluates every case of DIR/cases.json, writes the expected outputs

Conventions (docs: /work/shared/notes/metrics.md): BTS/AdaBins/ZoeDepth errors per image; valid ground truth is
min < g < max compared in float64; the prediction is clamped in float32 (NaN and -inf -> min, +inf -> max); the
alignment is fitted on valid pixels with a finite positive prediction, before clamping, with np.linalg.lstsq;
resize follows torch interpolate(bilinear, align_corners=False). Large inputs (KITTI 375x1242, NYU 480x640) are not
committed: they come from an integer hash that test/metrics.test.ts reimplements, and each such case records a
checksum of its inputs so that a disagreement of the two generators shows as such.
Non-finite numbers are written as null (JSON has no NaN).
"""
import json
import os
import sys

import numpy as np

F32, F64 = np.float32, np.float64
ALIGNS = [('none', 'depth'), ('median', 'depth'), ('scale', 'depth'), ('scale', 'disparity'),
          ('scale-shift', 'depth'), ('scale-shift', 'disparity'), ('median', 'disparity'), ('none', 'disparity')]


# ---------------------------------------------------------------- inputs
def hash_unit(n, stream):
    """Uniform [0, 1) per index from a murmur3 finaliser on uint32 (wrap-around arithmetic, same in JS)."""
    x = np.arange(n, dtype=np.uint32) * np.uint32(0x9E3779B1) + np.uint32((stream * 0x632BE5AB) & 0xFFFFFFFF)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x85EBCA6B)
    x ^= x >> np.uint32(13)
    x *= np.uint32(0xC2B2AE35)
    x ^= x >> np.uint32(16)
    return (x >> np.uint32(8)).astype(F64) / 16777216.0


def hashed_pair(seed, width, height, gt_max):
    """A ground truth with holes (0) and values past gt_max, and a prediction with NaN, +-inf, negatives and zeros."""
    n = width * height
    u0, u1, u2, u3 = (hash_unit(n, seed * 4 + k) for k in range(4))
    base = 0.5 + u0 * (gt_max * 1.15)
    gt = np.where(u1 < 0.06, 0.0, base).astype(F32)
    pred = base * (0.6 + 0.8 * u2)
    pred = np.where(u3 < 0.035, 0.0, pred)
    pred = np.where(u3 < 0.03, -base, pred)
    pred = np.where(u3 < 0.02, -np.inf, pred)
    pred = np.where(u3 < 0.015, np.inf, pred)
    pred = np.where(u3 < 0.01, np.nan, pred)
    return gt.reshape(height, width), pred.astype(F32).reshape(height, width)


def checksum(gt, pred):
    g, p = gt.astype(F64), pred.astype(F64)
    fin = np.isfinite(p)
    return {'gt_sum': float(g.sum()), 'pred_finite_sum': float(p[fin].sum()), 'pred_nonfinite': int((~fin).sum()),
            'gt_at_777': float(g.ravel()[777]), 'pred_at_4321': float(p.ravel()[4321])}


def random_pair(rng, h, w, gt_max, pred_shape=None):
    gt = rng.uniform(0.2, gt_max * 1.1, (h, w))
    holes = rng.random((h, w))
    gt[holes < 0.10] = 0.0
    gt[(holes >= 0.10) & (holes < 0.12)] = -1.0
    gt.ravel()[[3, 17, 40, 41]] = [np.nan, np.inf, gt_max, gt_max]  # max itself is invalid (strict)
    ph, pw = pred_shape or (h, w)
    # A relative-looking prediction: affine in disparity with noise, so that the alignments have work to do.
    ref = gt if (ph, pw) == (h, w) else rng.uniform(0.2, gt_max, (ph, pw))
    with np.errstate(divide='ignore', invalid='ignore'):
        pred = 1.0 / (0.4 / np.where(ref > 0, ref, 1.0) + 0.03) * rng.lognormal(0.0, 0.15, (ph, pw))
    specials = rng.choice(ph * pw, 10, replace=False)
    pred.ravel()[specials] = [np.nan, np.nan, np.inf, -np.inf, -2.0, 0.0, gt_max * 3, 0.05, -np.inf, 0.5]
    return gt.astype(F32), pred.astype(F32)


def generate(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(20251125)
    arrays = {}
    arrays['a_gt'], arrays['a_pred'] = random_pair(rng, 37, 53, 10.0)
    arrays['b_gt'], arrays['b_pred'] = random_pair(rng, 48, 160, 80.0)
    _, arrays['b_pred_small'] = random_pair(rng, 48, 160, 80.0, (24, 80))
    _, arrays['a_pred_big'] = random_pair(rng, 37, 53, 10.0, (75, 101))
    for k in range(3):
        arrays[f's{k}_gt'], arrays[f's{k}_pred'] = random_pair(rng, 29, 31, 10.0)
    src = rng.uniform(0.0, 5.0, (11, 17)).astype(F32)
    arrays['resize_src'] = src
    src_nan = src.copy()
    src_nan[4, 9] = np.nan
    arrays['resize_src_nan'] = src_nan
    for name, arr in arrays.items():
        np.save(os.path.join(folder, name + '.npy'), arr)

    nyu, kitti = {'min_depth': 1e-3, 'max_depth': 10.0}, {'min_depth': 1e-3, 'max_depth': 80.0}
    gen_kitti = {'generate': {'seed': 1, 'width': 1242, 'height': 375, 'gt_max': 80.0}}
    gen_kitti2 = {'generate': {'seed': 2, 'width': 1224, 'height': 370, 'gt_max': 80.0}}
    gen_nyu = {'generate': {'seed': 3, 'width': 640, 'height': 480, 'gt_max': 10.0}}
    cases = []

    def case(name, inputs, rng_, crop='none', dataset=None, align='none', space='depth'):
        cases.append({'name': name, **inputs, **rng_, 'crop': crop, 'dataset': dataset, 'align': align, 'space': space})

    a, b = {'gt': 'a_gt', 'pred': 'a_pred'}, {'gt': 'b_gt', 'pred': 'b_pred'}
    for mode, space in ALIGNS:
        case(f'a/{mode}/{space}', a, nyu, align=mode, space=space)
        case(f'b/{mode}/{space}', b, kitti, align=mode, space=space)
    case('b/garg', b, kitti, 'garg', 'kitti')
    case('b/eigen', b, kitti, 'eigen', 'kitti')
    case('b/garg-no-dataset', b, kitti, 'garg', None)
    case('b/resize-up', {'gt': 'b_gt', 'pred': 'b_pred_small'}, kitti, 'garg', 'kitti')
    case('b/resize-up/scale-shift/disparity', {'gt': 'b_gt', 'pred': 'b_pred_small'}, kitti, align='scale-shift', space='disparity')
    case('a/resize-down/median', {'gt': 'a_gt', 'pred': 'a_pred_big'}, nyu, align='median')
    case('kitti375/none', gen_kitti, kitti)
    case('kitti375/garg', gen_kitti, kitti, 'garg', 'kitti')
    case('kitti375/eigen', gen_kitti, kitti, 'eigen', 'kitti')
    case('kitti375/garg/median', gen_kitti, kitti, 'garg', 'kitti', 'median')
    case('kitti375/garg/scale-shift/disparity', gen_kitti, kitti, 'garg', 'kitti', 'scale-shift', 'disparity')
    case('kitti370/garg/scale/depth', gen_kitti2, kitti, 'garg', 'kitti', 'scale', 'depth')
    case('nyu/eigen', gen_nyu, nyu, 'eigen', 'nyu')
    case('nyu/eigen/scale-shift/depth', gen_nyu, nyu, 'eigen', 'nyu', 'scale-shift', 'depth')

    frames = [{'gt': f's{k}_gt', 'pred': f's{k}_pred'} for k in range(3)]
    sequences = [{'name': f'seq/{m}/{s}', 'frames': frames, **nyu, 'align': m, 'space': s} for m, s in ALIGNS]
    resize = [{'name': f'{src}->{w}x{h}', 'src': src, 'width': w, 'height': h}
              for src in ('resize_src', 'resize_src_nan') for w, h in ((17, 11), (7, 5), (29, 19), (5, 30), (1, 1))]
    with open(os.path.join(folder, 'cases.json'), 'w') as f:
        json.dump({'cases': cases, 'sequences': sequences, 'resize': resize}, f, indent=1)


# ---------------------------------------------------------------- the metric engine, written from the formulas
def crop_rect(name, dataset, h, w):
    if name == 'none':
        return None
    if dataset == 'nyu':
        assert name == 'eigen' and (h, w) == (480, 640)
        return 45, 471, 41, 601
    top, bottom = (0.40810811, 0.99189189) if name == 'garg' else (0.3324324, 0.91351351)
    return int(top * h), int(bottom * h), int(0.03594771 * w), int(0.96405229 * w)


def valid_mask(gt, lo, hi, rect):
    g = gt.astype(F64)
    with np.errstate(invalid='ignore'):
        valid = (g > lo) & (g < hi)
    if rect is not None:
        inside = np.zeros_like(valid)
        inside[rect[0]:rect[1], rect[2]:rect[3]] = True
        valid &= inside
    return valid


def fit(pairs, mode, space):
    """pairs: [(gt, pred, valid)]; one fit over all of them."""
    if mode == 'none':
        return {'scale': 1.0, 'shift': 0.0, 'pixels': 0, 'degenerate': False, 'space': space}
    g = np.concatenate([gt[v].astype(F64) for gt, _, v in pairs])
    p = np.concatenate([pr[v].astype(F64) for _, pr, v in pairs])
    ok = np.isfinite(p) & (p > 0) & (g > 0)
    g, p = g[ok], p[ok]
    space = 'depth' if mode == 'median' else space
    ident = {'scale': 1.0, 'shift': 0.0, 'pixels': int(g.size), 'degenerate': True, 'space': space}
    if g.size == 0:
        return ident
    if mode == 'median':
        return {'scale': float(np.median(g) / np.median(p)), 'shift': 0.0, 'pixels': int(g.size), 'degenerate': False, 'space': space}
    x, y = (1.0 / p, 1.0 / g) if space == 'disparity' else (p, g)
    if mode == 'scale':
        s = np.linalg.lstsq(x[:, None], y, rcond=None)[0][0]
        return {'scale': float(s), 'shift': 0.0, 'pixels': int(g.size), 'degenerate': False, 'space': space}
    if not np.var(x) > 1e-12 * np.mean(x) ** 2:
        return ident
    s, t = np.linalg.lstsq(np.stack([x, np.ones_like(x)], 1), y, rcond=None)[0]
    return {'scale': float(s), 'shift': float(t), 'pixels': int(g.size), 'degenerate': False, 'space': space}


def apply(pred, a, mode, max_depth):
    if mode == 'none' or a['degenerate']:
        return pred.copy()
    p = pred.astype(F64)
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        if a['space'] == 'depth':
            return (a['scale'] * p + a['shift']).astype(F32)
        disp = np.maximum(a['scale'] * (1.0 / p) + a['shift'], 1.0 / max_depth)
        return (1.0 / disp).astype(F32)


def sanitize(pred, lo, hi):
    p = np.nan_to_num(pred.astype(F32), nan=lo, posinf=hi, neginf=lo)
    return np.clip(p, lo, hi)


def metrics(gt, pred, valid):
    g, p = gt[valid].astype(F64), pred[valid].astype(F64)
    if g.size == 0:
        return {k: None for k in ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog', 'd1', 'd2', 'd3')}
    thresh = np.maximum(g / p, p / g)
    e = np.log(p) - np.log(g)
    return {
        'abs_rel': np.mean(np.abs(g - p) / g),
        'sq_rel': np.mean((g - p) ** 2 / g),
        'rmse': np.sqrt(np.mean((g - p) ** 2)),
        'rmse_log': np.sqrt(np.mean(e ** 2)),
        'log10': np.mean(np.abs(np.log10(p) - np.log10(g))),
        'silog': 100 * np.sqrt(np.var(e)),  # = sqrt(mean(e^2) - mean(e)^2), without its cancellation
        'd1': np.mean(thresh < 1.25), 'd2': np.mean(thresh < 1.25 ** 2), 'd3': np.mean(thresh < 1.25 ** 3),
    }


def resize(src, width, height):
    """torch.nn.functional.interpolate(mode='bilinear', align_corners=False), float64 weights, float32 result."""
    def taps(n_in, n_out):
        s = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.floor(s).astype(np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), s - i0
    y0, y1, wy = taps(src.shape[0], height)
    x0, x1, wx = taps(src.shape[1], width)
    a = src.astype(F64)
    wy, wx = wy[:, None], wx[None, :]
    top = (1 - wx) * a[y0][:, x0] + wx * a[y0][:, x1]
    bottom = (1 - wx) * a[y1][:, x0] + wx * a[y1][:, x1]
    return ((1 - wy) * top + wy * bottom).astype(F32)


def evaluate(gt, pred, c):
    lo, hi = c['min_depth'], c['max_depth']
    resized = pred.shape != gt.shape
    if resized:
        pred = resize(pred, gt.shape[1], gt.shape[0])
    rect = crop_rect(c['crop'], c['dataset'], *gt.shape)
    valid = valid_mask(gt, lo, hi, rect)
    a = fit([(gt, pred, valid)], c['align'], c['space'])
    p = sanitize(apply(pred, a, c['align'], hi), lo, hi)
    return {'metrics': metrics(gt, p, valid), 'valid_pixels': int(valid.sum()), 'alignment': a, 'resized': resized,
            'crop': None if rect is None else dict(zip(('top', 'bottom', 'left', 'right'), rect))}


def finite_or_null(obj):
    if isinstance(obj, dict):
        return {k: finite_or_null(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite_or_null(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def expect(folder, out_file):
    with open(os.path.join(folder, 'cases.json')) as f:
        spec = json.load(f)
    load = lambda name: np.load(os.path.join(folder, name + '.npy'))
    out = {'numpy': np.__version__, 'cases': {}, 'sequences': {}, 'resize': {}}
    for c in spec['cases']:
        if 'generate' in c:
            gt, pred = hashed_pair(**c['generate'])
            r = evaluate(gt, pred, c)
            r['checksum'] = checksum(gt, pred)
        else:
            r = evaluate(load(c['gt']), load(c['pred']), c)
        out['cases'][c['name']] = r
    for s in spec['sequences']:
        lo, hi = s['min_depth'], s['max_depth']
        frames = [(load(f['gt']), load(f['pred'])) for f in s['frames']]
        pairs = [(gt, pred, valid_mask(gt, lo, hi, None)) for gt, pred in frames]
        a = fit(pairs, s['align'], s['space'])
        rows = [metrics(gt, sanitize(apply(pred, a, s['align'], hi), lo, hi), v) for gt, pred, v in pairs]
        mean = {k: float(np.mean([row[k] for row in rows])) for k in rows[0]}
        out['sequences'][s['name']] = {'alignment': a, 'frames': rows, 'mean': mean}
    for r in spec['resize']:
        out['resize'][r['name']] = resize(load(r['src']), r['width'], r['height']).astype(F64).ravel().tolist()
    out = finite_or_null(out)
    resized = out.pop('resize')
    # Resized maps one line each, so the file stays small and readable.
    text = json.dumps(out, indent=1, allow_nan=False)[:-2] + ',\n "resize": {\n' + ',\n'.join(
        f'  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}' for k, v in resized.items()) + '\n }\n}\n'
    with open(out_file, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'generate':
        generate(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'expect':
        expect(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
