"""Independent numpy reference for `depthkit eval --dataset sintel,scannet,kitti-video,bonn,nyuv2-video,scannet-tae`.

Follows Video Depth Anything's benchmark (github.com/DepthAnything/Video-Depth-Anything at commit
4f5ae23172ba60fd7bc11ef671cca678842c7072): benchmark/eval/eval.py (`eval_depthcrafter`, the per-dataset settings in
`main`), benchmark/eval/metric.py (the metric definitions, ported from torch to numpy), benchmark/eval/eval_tae.py
(`eval_TAE`, `tae_torch`; eval_tae.sh's --start_idx 10 --end_idx 180 --eval_scenes_num 20 --hard_crop) and the lists
benchmark/dataset_extract/eval_utils.py `gen_json` writes (windows start:end:step per dataset). Written from what
those scripts do, not from the TypeScript. Native layouts are read here with their own formats' rules: Sintel's SDK
depth_read / cam_read (.dpt, .cam), TUM RGB-D's associate.py (nearest stamps within 0.02 s, greedy, one-to-one),
ScanNet's SensReader export (pose/N.txt camera-to-world, intrinsic/intrinsic_depth.txt).

    python3 video_benchmarks_ref.py generate DIR        writes DIR/bench (reference layout), DIR/native, DIR/pred
    python3 video_benchmarks_ref.py expect DIR OUT.json  the expected rows, for z-buffer off (reference) and on

Extension the reference does not have (depthkit's, checked here the same way): TAE on any window whose frames have
poses (native Sintel and ScanNet), with the same per-sequence fit as the accuracy; --pred-kind depth inverts the
prediction (1/d, 0 where d <= 0) before the protocol.
"""
import glob
import json
import os
import struct
import sys
import zlib

import cv2
import numpy as np

TAG = 202021.25
# eval.py / eval_tae.py settings: (folder, max depth, crop a:b c:d, list file, gen_json start:end:step, first, cap, hard_crop, scenes)
PRESETS = {
    'sintel': ('sintel', 70.0, (0, 436, 0, 1024), 'sintel_video.json', (0, 100, 1), 0, 100, False, None),
    'scannet': ('scannet', 10.0, (8, -8, 11, -11), 'scannet_video.json', (0, 270, 3), 0, 90, False, None),
    'kitti-video': ('kitti', 80.0, (0, 374, 0, 1242), 'kitti_video.json', (0, 110, 1), 0, 110, False, None),
    'bonn': ('bonn', 10.0, (0, 480, 0, 640), 'bonn_video.json', (30, 140, 1), 0, 110, False, None),
    'nyuv2-video': ('nyuv2', 10.0, (45, 471, 41, 601), 'nyuv2_video_500.json', (0, 500, 1), 0, 500, False, None),
    'scannet-tae': ('scannet', 10.0, (8, -8, 11, -11), 'scannet_video_tae.json', (0, 192, 1), 10, 170, True, 20),
}
FACTORS = {'sintel': 65535 / 650, 'scannet': 1000.0, 'kitti': 256.0, 'bonn': 5000.0, 'nyuv2': 6000.0}


# ---------------------------------------------------------------- fixtures
def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def write_dpt(path, depth):
    h, w = depth.shape
    with open(path, 'wb') as f:
        f.write(struct.pack('<fii', TAG, w, h))
        f.write(depth.astype('<f4').tobytes())


def write_cam(path, K, N):
    with open(path, 'wb') as f:
        f.write(struct.pack('<f', TAG))
        f.write(np.asarray(K, '<f8').tobytes())
        f.write(np.asarray(N, '<f8').tobytes())


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    Rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    Ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    Rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return Rz @ Ry @ Rx


def camera_path(n, rng):
    """Camera-to-world poses of a smooth small motion."""
    poses = []
    for i in range(n):
        T = np.eye(4)
        T[:3, :3] = rotation(0.01 * i, 0.02 * i + rng.uniform(-0.003, 0.003), 0.005 * i)
        T[:3, 3] = [0.03 * i, -0.01 * i, 0.02 * i]
        poses.append(T)
    return poses


def scene_depth(h, w, i, rng, lo, hi, holes=0.1):
    yy, xx = np.mgrid[0:h, 0:w]
    d = lo + (hi - lo) * (0.5 + 0.3 * np.sin(xx / 5.0 + i * 0.2) * np.cos(yy / 7.0)) + rng.uniform(0, 0.05 * (hi - lo), (h, w))
    d[rng.random((h, w)) < holes] = 0
    return d


def disparity_pred(depth, rng, shape=None):
    """A relative model: affine in disparity with noise, some values under the 1e-3 floor."""
    d = np.where(depth > 0, depth, np.median(depth[depth > 0]) if (depth > 0).any() else 1.0)
    p = (0.3 / d + 0.02) * rng.uniform(0.9, 1.1, d.shape)
    p[rng.random(d.shape) < 0.03] = 2e-4
    if shape is not None and shape != p.shape:
        p = cv2.resize(p.astype(np.float32), (shape[1], shape[0]))
    return p.astype(np.float32)


def save_json(path, dataset, seqs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({dataset: [{name: frames} for name, frames in seqs]}, f, indent=1)


def save_png16(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.clip(np.round(arr), 0, 65535).astype(np.uint16))


def save_pred(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, arr.astype(np.float32))
    if '/pred-native/' in path:  # the same model's output as depth, for --pred-kind depth
        depth_path = path.replace('/pred-native/', '/pred-native-depth/')
        os.makedirs(os.path.dirname(depth_path), exist_ok=True)
        np.save(depth_path, (1 / arr.astype(np.float32)).astype(np.float32))


def gen_reference_layout(root, pred):
    """The folders and json lists dataset_extract/*.py writes, and predictions <pred>/<folder>/<image>.npy."""
    # Sintel: 2 scenes of 4 frames, depth png (the extract's uint16 metres) read with factor 65535/650
    seqs = []
    for scene in ['alley_1', 'market_2']:
        rng = rng_for(scene)
        frames = []
        for i in range(1, 5):
            depth = scene_depth(12, 16, i, rng, 2.0, 90.0) * (65535 / 650)
            rel_d = f'depth/{scene}/frame_{i:04d}.png'
            rel_i = f'clean/{scene}/frame_{i:04d}.png'
            save_png16(os.path.join(root, 'sintel', rel_d), depth)
            save_pred(os.path.join(pred, 'sintel', rel_i[:-4] + '.npy'), disparity_pred(depth / (65535 / 650), rng))
            frames.append({'image': rel_i, 'gt_depth': rel_d, 'factor': 65535 / 650})
        seqs.append((scene, frames))
    save_json(os.path.join(root, 'sintel', 'sintel_video.json'), 'sintel', seqs)
    # ScanNet video list (cropped colour: predictions at the cropped size; one scene at half size -> resized)
    seqs = []
    for s, scene in enumerate(['scene0000_00', 'scene0001_00']):
        rng = rng_for(scene)
        frames = []
        for i in range(0, 15, 3):
            depth = scene_depth(30, 40, i, rng, 500, 4000)
            rel_d = f'{scene}/depth/{i}.png'
            rel_i = f'{scene}/color/{i}.jpg'
            save_png16(os.path.join(root, 'scannet', rel_d), depth)
            shape = (14, 18) if s == 0 else (14, 9)
            save_pred(os.path.join(pred, 'scannet', rel_i[:-4] + '.npy'), disparity_pred(depth[8:-8, 11:-11] / 1000, rng, shape))
            frames.append({'image': rel_i, 'gt_depth': rel_d, 'factor': 1000.0})
        seqs.append((scene, frames))
    save_json(os.path.join(root, 'scannet', 'scannet_video.json'), 'scannet', seqs)
    # ScanNet TAE list: 14 frames with K and pose; predictions on the uncropped frame (hard crop); eval uses 10:180
    seqs = []
    for scene in ['scene0000_00', 'scene0001_00']:
        rng = rng_for(scene + 'tae')
        K = [[30.0, 0, 19.5, 0], [0, 31.0, 14.2, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        poses = camera_path(14, rng)
        frames = []
        for i in range(14):
            depth = scene_depth(30, 40, i, rng, 800, 3000, holes=0.05)
            rel_d = f'{scene}/depth/{i}.png'
            rel_i = f'{scene}/color_origin/{i}.jpg'
            save_png16(os.path.join(root, 'scannet', rel_d.replace('/depth/', '/depth_tae/')), depth)
            save_pred(os.path.join(pred, 'scannet', rel_i[:-4] + '.npy'), disparity_pred(depth / 1000, rng))
            frames.append({'image': rel_i, 'gt_depth': rel_d.replace('/depth/', '/depth_tae/'), 'factor': 1000.0, 'K': K, 'pose': poses[i].tolist()})
        seqs.append((scene, frames))
    save_json(os.path.join(root, 'scannet', 'scannet_video_tae.json'), 'scannet', seqs)
    # KITTI: one drive of 3 frames, png / 256; the prediction of one frame is absent (--allow-missing)
    seqs = []
    for drive in ['2011_09_26_drive_0002_sync']:
        rng = rng_for(drive)
        frames = []
        for i in range(3):
            depth = scene_depth(10, 24, i, rng, 3 * 256, 70 * 256, holes=0.6)
            rel_d = f'{drive}/depth/{i:010d}.png'
            rel_i = f'{drive}/rgb/{i:010d}.png'
            save_png16(os.path.join(root, 'kitti', rel_d), depth)
            if i != 1:
                save_pred(os.path.join(pred, 'kitti', rel_i[:-4] + '.npy'), disparity_pred(depth / 256, rng))
            frames.append({'image': rel_i, 'gt_depth': rel_d, 'factor': 256.0})
        seqs.append((drive, frames))
    save_json(os.path.join(root, 'kitti', 'kitti_video.json'), 'kitti', seqs)
    # NYUv2 (500 list): 60x70 frames, Eigen crop 45:471 41:601 -> 15x29; predictions as one .npz stack per scene
    seqs = []
    for scene in ['basement_0001a']:
        rng = rng_for(scene)
        frames, stack = [], []
        for i in range(3):
            depth = scene_depth(60, 70, i, rng, 3000, 50000, holes=0.1)
            rel_d = f'{scene}/depth/{i}.png'
            save_png16(os.path.join(root, 'nyuv2', rel_d), depth)
            stack.append(disparity_pred(depth[45:471, 41:601] / 6000, rng))
            frames.append({'image': f'{scene}/rgb/{i}.jpg', 'gt_depth': rel_d, 'factor': 6000.0})
        os.makedirs(os.path.join(pred, 'nyuv2'), exist_ok=True)
        np.savez(os.path.join(pred, 'nyuv2', scene + '.npz'), disparity=np.stack(stack))
        seqs.append((scene, frames))
    save_json(os.path.join(root, 'nyuv2', 'nyuv2_video_500.json'), 'nyuv2', seqs)


def gen_native_layout(root, pred):
    # Sintel: MPI-Sintel-depth-training depth/<scene>/*.dpt + camdata_left/<scene>/*.cam
    for scene in ['bamboo_1', 'cave_2']:
        rng = rng_for('native' + scene)
        poses = camera_path(3, rng)
        for i in range(1, 4):
            depth = scene_depth(16, 20, i, rng, 1.0, 60.0, holes=0.0).astype(np.float32)
            depth[0, 0] = 1e5  # sky beyond the cap
            os.makedirs(os.path.join(root, 'sintel', 'depth', scene), exist_ok=True)
            os.makedirs(os.path.join(root, 'sintel', 'camdata_left', scene), exist_ok=True)
            write_dpt(os.path.join(root, 'sintel', 'depth', scene, f'frame_{i:04d}.dpt'), depth)
            K = [[20.0 + i, 0, 9.5], [0, 20.0 + i, 7.5], [0, 0, 1]]
            N = np.linalg.inv(poses[i - 1])[:3, :]
            write_cam(os.path.join(root, 'sintel', 'camdata_left', scene, f'frame_{i:04d}.cam'), K, N)
            save_pred(os.path.join(pred, 'sintel', 'clean', scene, f'frame_{i:04d}.npy'), disparity_pred(depth, rng))
    # ScanNet SensReader export: 8 frames -> window 0:270:3 keeps 0, 3, 6; file names 0..7 in natural order
    for scene in ['scene0707_00']:
        rng = rng_for('native' + scene)
        poses = camera_path(8, rng)
        d = os.path.join(root, 'scannet', scene)
        os.makedirs(os.path.join(d, 'intrinsic'), exist_ok=True)
        os.makedirs(os.path.join(d, 'pose'), exist_ok=True)
        os.makedirs(os.path.join(d, 'color'), exist_ok=True)
        np.savetxt(os.path.join(d, 'intrinsic', 'intrinsic_depth.txt'), [[28.0, 0, 17.5, 0], [0, 29.0, 13.0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        for i in range(8):
            depth = scene_depth(30, 40, i, rng, 600, 5000)
            save_png16(os.path.join(d, 'depth', f'{i}.png'), depth)
            cv2.imwrite(os.path.join(d, 'color', f'{i}.jpg'), np.zeros((30, 40, 3), np.uint8))
            np.savetxt(os.path.join(d, 'pose', f'{i}.txt'), poses[i])
            save_pred(os.path.join(pred, 'scannet', scene, 'color', f'{i}.npy'), disparity_pred(depth[8:-8, 11:-11] / 1000, rng))
    # Bonn (TUM format): 34 colour frames at ~30 Hz with jittered stamps, one depth frame dropped; window 30:140
    for seq in ['rgbd_bonn_balloon', 'rgbd_bonn_crowd']:
        rng = rng_for('native' + seq)
        d = os.path.join(root, 'bonn', seq)
        t0 = 1548266469.0
        for i in range(34):
            t = t0 + i / 30.0
            name_rgb = f'{t + rng.uniform(-0.002, 0.002):.6f}.png'
            os.makedirs(os.path.join(d, 'rgb'), exist_ok=True)
            cv2.imwrite(os.path.join(d, 'rgb', name_rgb), (rng.random((6, 8, 3)) * 255).astype(np.uint8))
            if i == 31 and seq == 'rgbd_bonn_crowd':
                continue
            depth = scene_depth(6, 8, i, rng, 2000, 30000)
            save_png16(os.path.join(d, 'depth', f'{t + rng.uniform(-0.008, 0.008):.6f}.png'), depth)
            save_pred(os.path.join(pred, 'bonn', seq, 'rgb', name_rgb[:-4] + '.npy'), disparity_pred(depth / 5000, rng))


def generate(d):
    gen_reference_layout(os.path.join(d, 'bench'), os.path.join(d, 'pred'))
    gen_native_layout(os.path.join(d, 'native'), os.path.join(d, 'pred-native'))


# ---------------------------------------------------------------- listing (reference json / native layouts)
def natural_key(s):
    import re
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', s)]


def read_cam(path):
    with open(path, 'rb') as f:
        assert np.fromfile(f, np.float32, 1)[0] == TAG
        M = np.fromfile(f, '<f8', 9).reshape(3, 3)
        N = np.fromfile(f, '<f8', 12).reshape(3, 4)
    return M, N


def read_dpt(path):
    with open(path, 'rb') as f:
        assert np.fromfile(f, np.float32, 1)[0] == TAG
        w = int(np.fromfile(f, np.int32, 1)[0])
        h = int(np.fromfile(f, np.int32, 1)[0])
        return np.fromfile(f, np.float32, -1).reshape(h, w)


def tum_associate(first, second, max_difference=0.02):
    potential = [(abs(a - b), a, b) for a in first for b in second if abs(a - b) < max_difference]
    potential.sort()
    matches = []
    fk, sk = list(first), list(second)
    for diff, a, b in potential:
        if a in fk and b in sk:
            fk.remove(a)
            sk.remove(b)
            matches.append((a, b))
    matches.sort()
    return matches


def sequences_json(dataset, root):
    folder, _, _, js, _, first, cap, _, scenes = PRESETS[dataset]
    with open(os.path.join(root, folder, js)) as f:
        data = json.load(f)[folder]
    if scenes is not None:
        data = data[:scenes]
    out = []
    for item in data:
        for name, value in item.items():
            frames = [{
                'image': e['image'], 'gt': os.path.join(root, folder, e['gt_depth']), 'factor': e['factor'],
                'K': np.array(e['K']) if 'K' in e else None, 'pose': np.array(e['pose']) if 'pose' in e else None,
            } for e in value]
            out.append((name, frames[first:first + cap]))
    return out


def sequences_native(dataset, root):
    folder, _, _, _, (start, end, step), first, cap, _, _ = PRESETS[dataset]
    base = os.path.join(root, folder)
    out = []
    if folder == 'sintel':
        for scene in sorted(os.listdir(os.path.join(base, 'depth'))):
            names = sorted(os.listdir(os.path.join(base, 'depth', scene)), key=natural_key)[start:end:step]
            frames = []
            for n in names:
                M, N = read_cam(os.path.join(base, 'camdata_left', scene, n[:-4] + '.cam'))
                frames.append({'image': f'clean/{scene}/{n[:-4]}.png', 'gt': os.path.join(base, 'depth', scene, n), 'factor': 1.0,
                               'K': M, 'pose': np.linalg.inv(np.vstack([N, [0, 0, 0, 1]]))})
            out.append((scene, frames[first:first + cap]))
    elif folder == 'scannet':
        for scene in sorted(os.listdir(base))[:100]:
            names = sorted(os.listdir(os.path.join(base, scene, 'color')), key=natural_key)[:510][start:end:step]
            K = np.loadtxt(os.path.join(base, scene, 'intrinsic', 'intrinsic_depth.txt'))
            frames = [{'image': f'{scene}/color/{n}', 'gt': os.path.join(base, scene, 'depth', n[:-4] + '.png'), 'factor': 1000.0,
                       'K': K, 'pose': np.loadtxt(os.path.join(base, scene, 'pose', n[:-4] + '.txt'))} for n in names]
            out.append((scene, frames[first:first + cap]))
    elif folder == 'bonn':
        for seq in sorted(os.listdir(base)):
            rgb = {float(n[:-4]): n for n in os.listdir(os.path.join(base, seq, 'rgb'))}
            dep = {float(n[:-4]): n for n in os.listdir(os.path.join(base, seq, 'depth'))}
            pairs = tum_associate(sorted(rgb), sorted(dep))[start:end:step]
            frames = [{'image': f'{seq}/rgb/{rgb[a]}', 'gt': os.path.join(base, seq, 'depth', dep[b]), 'factor': 5000.0, 'K': None, 'pose': None}
                      for a, b in pairs]
            out.append((seq, frames[first:first + cap]))
    return out


# ---------------------------------------------------------------- eval.py / metric.py / eval_tae.py
def get_gt(path, factor):
    if path.endswith('.dpt'):
        return read_dpt(path).astype(np.float64)
    return np.array(cv2.imread(path, -1)) / factor


def get_infer(pred_root, folder, name, frames, i, hard_crop, crop, gt_full_shape, target):
    stack = os.path.join(pred_root, folder, name + '.npz')
    if os.path.exists(stack):
        infer = np.load(stack)['disparity'][i].astype(np.float32)  # the window starts at the list's frame 0 here
    else:
        path = os.path.join(pred_root, folder, os.path.splitext(frames[i]['image'])[0] + '.npy')
        if not os.path.exists(path):
            return None
        infer = np.load(path).astype(np.float32)
    a, b, c, d = crop
    if hard_crop and infer.shape == gt_full_shape:
        infer = infer[a:b, c:d]
    if infer.shape != target:
        infer = cv2.resize(infer, (target[1], target[0]))
    return infer


@np.errstate(divide="ignore", invalid="ignore")
def metrics(pred, gt, valid):
    """metric.py on the frames with a valid pixel: per-frame sums / n, then the mean over frames."""
    n = valid.sum((-1, -2))
    keep = n > 0
    pred, gt, valid, n = pred[keep], gt[keep], valid[keep], n[keep]
    pm = lambda x: np.where(valid, x, 0)
    diff = pm(pred - gt)
    e = pm(np.log(np.where(valid, pred, 1)) - np.log(np.where(valid, gt, 1)))
    ratio = np.maximum(pred / gt, gt / pred)
    out = {
        'abs_rel': np.mean(pm(np.abs(pred - gt) / gt).sum((-1, -2)) / n),
        'sq_rel': np.mean(pm(np.abs(pred - gt) ** 2 / gt).sum((-1, -2)) / n),
        'rmse': np.mean(np.sqrt((diff ** 2).sum((-1, -2)) / n)),
        'rmse_log': np.mean(np.sqrt((e ** 2).sum((-1, -2)) / n)),
        'log10': np.mean(np.abs(np.log10(pred[valid]) - np.log10(gt[valid]))),
        'silog': np.sqrt(np.mean((e ** 2).sum((-1, -2)) / n - e.sum((-1, -2)) ** 2 / n ** 2)) * 100,
    }
    for k, t in (('d1', 1.25), ('d2', 1.25 ** 2), ('d3', 1.25 ** 3)):
        bits = np.where(ratio < t, np.float32(1), np.float32(0))
        bits[~valid] = 0
        out[k] = float(np.mean((bits.sum((-1, -2), dtype=np.float32) / n).astype(np.float32), dtype=np.float32))
    return out


def scatter_absrel(depth1, depth2, R, T, K, zbuffer):
    """tae_torch; zbuffer=False scatters in row-major order, the last point written wins (torch on CPU)."""
    H, W = depth1.shape
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    X = (xx - cx) * depth1 / fx
    Y = (yy - cy) * depth1 / fy
    P = np.stack([X.ravel(), Y.ravel(), depth1.ravel()], 1) @ R.T + T
    Z = P[:, 2]
    u = np.round(P[:, 0] * fx / Z + cx)
    v = np.round(P[:, 1] * fy / Z + cy)
    ok = (u >= 0) & (u < W) & (v >= 0) & (v < H)
    if zbuffer:
        ok &= Z > 0
    if ok.sum() == 0:
        return 0.0
    proj = np.zeros((H, W))
    ui, vi, zi = u[ok].astype(int), v[ok].astype(int), Z[ok]
    if zbuffer:
        order = np.argsort(-zi, kind='stable')  # nearest written last
        proj[vi[order], ui[order]] = zi[order]
    else:
        proj[vi, ui] = zi
    m = (proj > 0) & (depth2 > 0)
    if m.sum() == 0:
        return 0.0
    return float(np.mean(np.abs(depth2[m] - proj[m]) / depth2[m]))


def tae(pred_depth, Ks, poses, zbuffer):
    err = 0.0
    for i in range(len(pred_depth) - 1):
        T21 = np.linalg.inv(poses[i + 1]) @ poses[i]
        T12 = np.linalg.inv(T21)
        err += scatter_absrel(pred_depth[i], pred_depth[i + 1], T21[:3, :3], T21[:3, 3], Ks[i], zbuffer)
        err += scatter_absrel(pred_depth[i + 1], pred_depth[i], T12[:3, :3], T12[:3, 3], Ks[i], zbuffer)
    return 100 * err / (2 * (len(pred_depth) - 1))


def eval_sequence(dataset, name, frames, pred_root, pred_kind, zbuffer):
    folder, max_depth, crop, _, _, _, _, hard_crop, _ = PRESETS[dataset]
    a, b, c, d = crop
    gts, infs, Ks, poses = [], [], [], []
    for i, fr in enumerate(frames):
        gt_full = get_gt(fr['gt'], fr['factor'])
        gt = gt_full[a:b, c:d]
        inf = get_infer(pred_root, folder, name, frames, i, hard_crop, crop, gt_full.shape, gt.shape)
        if inf is None:
            continue  # eval.py: frames without a prediction are skipped
        if pred_kind == 'depth':
            inf = np.where(inf > 0, 1 / np.where(inf > 0, inf, 1), 0).astype(np.float32)
        gts.append(gt)
        infs.append(inf)
        Ks.append(fr['K'])
        poses.append(fr['pose'])
    gts = np.stack(gts)
    infs = np.stack(infs)
    valid = (gts > 1e-3) & (gts < max_depth)
    gt_disp = 1.0 / (gts[valid].reshape(-1, 1).astype(np.float64) + 1e-8)
    infs = np.clip(infs, 1e-3, None)
    A = np.concatenate([infs[valid].reshape(-1, 1).astype(np.float64), np.ones((valid.sum(), 1))], -1)
    (scale,), (shift,) = np.linalg.lstsq(A, gt_disp, rcond=None)[0]
    aligned = np.clip(scale * infs + shift, 1e-3, None)
    pred_depth = np.clip(1.0 / aligned, 1e-3, max_depth)
    row = {'dataset': dataset, 'sequence': name, 'frames': len(infs), **metrics(pred_depth, gts, valid),
           'align_scale': float(scale), 'align_shift': float(shift)}
    has_poses = all(k is not None for k in Ks) and all(p is not None for p in poses) and len(infs) > 1
    row['tae'] = tae(pred_depth, Ks, poses, zbuffer) if has_poses else None
    return row


def expect(d, out):
    result = {}
    runs = {
        'reference': (os.path.join(d, 'bench'), os.path.join(d, 'pred'), ['sintel', 'scannet', 'kitti-video', 'nyuv2-video', 'scannet-tae'], sequences_json),
        'native': (os.path.join(d, 'native'), os.path.join(d, 'pred-native'), ['sintel', 'scannet', 'bonn'], sequences_native),
    }
    for run, (root, pred, datasets, lister) in runs.items():
        for zb in (False, True):
            for kind in (['disparity', 'depth'] if run == 'native' and not zb else ['disparity']):
                rows = []
                for ds in datasets:
                    for name, frames in lister(ds, root):
                        rows.append(eval_sequence(ds, name, frames, pred + ('-depth' if kind == 'depth' else ''), kind, zb))
                result[f'{run}/zbuffer={int(zb)}/{kind}'] = rows
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    if sys.argv[1] == 'generate':
        generate(sys.argv[2])
    else:
        expect(sys.argv[2], sys.argv[3])
