"""Independent reference for `depthkit eval --dataset ... --data-path` (tests in test/dataset*.test.ts).

Usage:
  python3 dataset_ref.py eval JOB.json   -> JSON list, one object per job item: crop rectangle, valid pixel count, metrics
  python3 dataset_ref.py mat OUT.mat INDEX... -> writes a tiny nyu_depth_v2_labeled.mat look-alike with h5py
  python3 dataset_ref.py crops           -> the crop rectangles of KITTI's image sizes and NYU (dataset_crops.json)

A job item: {"pred": npy path, "gt": 16-bit png path | null, "scale": gt divisor, "mat": path | null, "index": 1-based,
"key": "rawDepths", "dataset": "kitti" | "nyu", "crop": "garg" | "eigen" | "none", "min": float, "max": float}.
Written the way BTS's eval_with_pngs.py and monodepth2's evaluate_depth.py do it: numpy, per image, crop by
int(fraction * size) for KITTI, the fixed 45:471, 41:601 for NYU; clamp the prediction; strict caps.
The .mat is built the way MATLAB v7.3 stores arrays (HDF5 sees them transposed): images (N, 3, 640, 480),
depths/rawDepths (N, 640, 480); only the listed images hold data (chunked, unwritten chunks cost nothing).
Pixel (y, x) of image i: rawDepths = 0.5 + 0.01 * x + 0.02 * y + 0.001 * i (metres, 0 where (x + y) % 7 == 0),
depths = rawDepths + 1, rgb = ((x + i) % 256, (y + 2 * i) % 256, (x + y) % 256).
"""
import json, sys
import numpy as np


def crop_rect(dataset, crop, h, w):
    if crop == 'none':
        return [0, h, 0, w]
    if dataset == 'nyu':
        return [45, 471, 41, 601]
    top, bottom = (0.40810811, 0.99189189) if crop == 'garg' else (0.3324324, 0.91351351)
    return [int(top * h), int(bottom * h), int(0.03594771 * w), int(0.96405229 * w)]


def metrics(gt, pred):
    thresh = np.maximum(gt / pred, pred / gt)
    err = np.log(pred) - np.log(gt)
    return {
        'abs_rel': np.mean(np.abs(gt - pred) / gt), 'sq_rel': np.mean((gt - pred) ** 2 / gt),
        'rmse': np.sqrt(np.mean((gt - pred) ** 2)), 'rmse_log': np.sqrt(np.mean(err ** 2)),
        'log10': np.mean(np.abs(np.log10(pred) - np.log10(gt))), 'silog': 100 * np.sqrt(np.mean(err ** 2) - np.mean(err) ** 2),
        'd1': np.mean(thresh < 1.25), 'd2': np.mean(thresh < 1.25 ** 2), 'd3': np.mean(thresh < 1.25 ** 3),
    }


def evaluate(job):
    from PIL import Image
    out = []
    for it in job:
        if it.get('mat'):
            import h5py
            with h5py.File(it['mat'], 'r') as f:
                gt = np.asarray(f[it['key']][it['index'] - 1], dtype=np.float64).T
        else:
            gt = np.asarray(Image.open(it['gt']), dtype=np.float64) / it['scale']
        pred = np.load(it['pred']).astype(np.float64)
        pred = np.clip(np.nan_to_num(pred, nan=it['min'], posinf=it['max'], neginf=it['min']), it['min'], it['max'])
        h, w = gt.shape
        t, b, l, r = crop_rect(it['dataset'], it['crop'], h, w)
        inside = np.zeros_like(gt, dtype=bool)
        inside[t:b, l:r] = True
        valid = inside & (gt > it['min']) & (gt < it['max'])
        row = {k: float(v) for k, v in metrics(gt[valid], pred[valid]).items()}
        row.update(crop=[t, b, l, r], valid_pixels=int(valid.sum()))
        out.append(row)
    return out


def make_mat(path, indices):
    import h5py
    n = max(indices)
    y, x = np.mgrid[0:480, 0:640]
    with h5py.File(path, 'w') as f:
        raw = f.create_dataset('rawDepths', shape=(n, 640, 480), dtype='f4', chunks=(1, 640, 480), compression='gzip')
        filled = f.create_dataset('depths', shape=(n, 640, 480), dtype='f4', chunks=(1, 640, 480), compression='gzip')
        images = f.create_dataset('images', shape=(n, 3, 640, 480), dtype='u1', chunks=(1, 3, 640, 480), compression='gzip')
        for i in indices:
            d = (0.5 + 0.01 * x + 0.02 * y + 0.001 * i).astype(np.float32)
            d[(x + y) % 7 == 0] = 0
            raw[i - 1] = d.T
            filled[i - 1] = (d + 1).T
            rgb = np.stack([(x + i) % 256, (y + 2 * i) % 256, (x + y) % 256]).astype(np.uint8)
            images[i - 1] = rgb.transpose(0, 2, 1)


def crops():
    sizes = [(375, 1242), (370, 1224), (374, 1238), (376, 1241), (352, 1216), (40, 96)]
    out = [{'dataset': 'kitti', 'crop': c, 'height': h, 'width': w, 'rect': crop_rect('kitti', c, h, w)} for h, w in sizes for c in ('garg', 'eigen')]
    return out + [{'dataset': 'nyu', 'crop': 'eigen', 'height': 480, 'width': 640, 'rect': crop_rect('nyu', 'eigen', 480, 640)}]


if __name__ == '__main__':
    if sys.argv[1] == 'crops':
        print(json.dumps(crops(), indent=1))
    elif sys.argv[1] == 'eval':
        print(json.dumps(evaluate(json.load(open(sys.argv[2])))))
    else:
        make_mat(sys.argv[2], [int(a) for a in sys.argv[3:]])
