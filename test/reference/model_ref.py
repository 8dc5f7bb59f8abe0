#!/usr/bin/env python3
"""Independent numpy forward pass of depthkit's CLIP + mirror depth model (reference for test/model.test.ts).

usage: model_ref.py CLIP.safetensors CKPT.safetensors FRAMES.npy OUT_DIR
  FRAMES.npy: uint8 [B, H, W, 3]; the model's input size is taken from its shape (pos-emb resampled if needed).
writes OUT_DIR/{conditioning,features,depth}.npy (float32): c [E], patch features [B, rows, cols, E], depth [B, H, W].

Written from the Hugging Face CLIP definitions and PyTorch's documented conv / conv-transpose / bicubic semantics,
in float64, with plain loops and einsum; it shares no code with the TypeScript model. CLIP files saved with
OpenAI / OpenCLIP names are read after renaming per open_clip's src/open_clip/transformer.py and model.py
(mlfoundations/open_clip: ResidualAttentionBlock ln_1/attn/ln_2/mlp.c_fc/mlp.c_proj, nn.MultiheadAttention's
stacked in_proj_weight, `x @ proj` projections). The MLP activation is the checkpoint's hiddenAct: quick_gelu
(OpenAI) or gelu in PyTorch's exact erf form.
"""
import json
import math
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    dt = {'F32': np.float32, 'F16': np.float16, 'I64': np.int64}
    out = {}
    for name, e in header.items():
        b, en = e['data_offsets']
        out[name] = np.frombuffer(data[b:en], dtype=dt[e['dtype']]).reshape(e['shape']).astype(np.float64)
    return out, meta


def from_openclip(W):
    """OpenAI / OpenCLIP tensor names -> Hugging Face CLIPModel names (projections transposed, q/k/v unstacked)."""
    out = {}
    top = {
        'visual.conv1.weight': 'vision_model.embeddings.patch_embedding.weight',
        'visual.class_embedding': 'vision_model.embeddings.class_embedding',
        'visual.positional_embedding': 'vision_model.embeddings.position_embedding.weight',
        'visual.ln_pre.weight': 'vision_model.pre_layrnorm.weight',
        'visual.ln_pre.bias': 'vision_model.pre_layrnorm.bias',
        'visual.ln_post.weight': 'vision_model.post_layernorm.weight',
        'visual.ln_post.bias': 'vision_model.post_layernorm.bias',
        'positional_embedding': 'text_model.embeddings.position_embedding.weight',
        'ln_final.weight': 'text_model.final_layer_norm.weight',
        'ln_final.bias': 'text_model.final_layer_norm.bias',
    }
    block = {'ln_1': 'layer_norm1', 'ln_2': 'layer_norm2', 'attn.out_proj': 'self_attn.out_proj',
             'mlp.c_fc': 'mlp.fc1', 'mlp.c_proj': 'mlp.fc2'}
    for name, t in W.items():
        if name in top:
            out[top[name]] = t
        elif name == 'visual.proj':
            out['visual_projection.weight'] = t.T
        elif name == 'text_projection':
            out['text_projection.weight'] = t.T
        elif '.resblocks.' in name:
            tower = 'vision_model' if name.startswith('visual.') else 'text_model'
            rest = name.split('.resblocks.')[1]
            i, part = rest.split('.', 1)
            pre = f'{tower}.encoder.layers.{i}.'
            if part.startswith('attn.in_proj_'):
                kind = part[len('attn.in_proj_'):]
                for j, qkv in enumerate(np.split(t, 3, axis=0)):
                    out[pre + f'self_attn.{"qkv"[j]}_proj.{kind}'] = qkv
            else:
                mod, kind = part.rsplit('.', 1)
                out[pre + block[mod] + '.' + kind] = t
    return out


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def lin(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


ERF = np.vectorize(math.erf)


def activation(h, act):
    if act == 'gelu':
        return 0.5 * h * (1 + ERF(h / math.sqrt(2)))
    assert act == 'quick_gelu', act
    return h * (1 / (1 + np.exp(-1.702 * h)))


def block(x, W, p, heads, eps, act, mask=None):
    B, n, d = x.shape
    hd = d // heads
    h = layer_norm(x, W[p + '.layer_norm1.weight'], W[p + '.layer_norm1.bias'], eps)
    a = p + '.self_attn.'
    q = lin(h, W[a + 'q_proj.weight'], W[a + 'q_proj.bias']) * hd ** -0.5
    k = lin(h, W[a + 'k_proj.weight'], W[a + 'k_proj.bias'])
    v = lin(h, W[a + 'v_proj.weight'], W[a + 'v_proj.bias'])
    q, k, v = (t.reshape(B, n, heads, hd) for t in (q, k, v))
    logits = np.einsum('bihd,bjhd->bhij', q, k)
    if mask is not None:
        logits = logits + mask
    o = np.einsum('bhij,bjhd->bihd', softmax(logits), v).reshape(B, n, d)
    x = x + lin(o, W[a + 'out_proj.weight'], W[a + 'out_proj.bias'])
    h = layer_norm(x, W[p + '.layer_norm2.weight'], W[p + '.layer_norm2.bias'], eps)
    h = lin(h, W[p + '.mlp.fc1.weight'], W[p + '.mlp.fc1.bias'])
    h = activation(h, act)
    return x + lin(h, W[p + '.mlp.fc2.weight'], W[p + '.mlp.fc2.bias'])


def cubic(dist, A=-0.75):
    d = abs(dist)
    if d <= 1:
        return ((A + 2) * d - (A + 3)) * d * d + 1
    if d < 2:
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A
    return 0.0


def bicubic(grid, rows, cols):
    """PyTorch F.interpolate(mode='bicubic', align_corners=False) on [g, g, C], border-clamped taps."""
    g = grid.shape[0]
    out = np.zeros((rows, cols, grid.shape[2]))
    for r in range(rows):
        sy = (r + 0.5) * g / rows - 0.5
        y0 = int(np.floor(sy))
        for c in range(cols):
            sx = (c + 0.5) * g / cols - 0.5
            x0 = int(np.floor(sx))
            for yy in range(y0 - 1, y0 + 3):
                for xx in range(x0 - 1, x0 + 3):
                    w = cubic(sy - yy) * cubic(sx - xx)
                    out[r, c] += w * grid[min(max(yy, 0), g - 1), min(max(xx, 0), g - 1)]
    return out


def conv2d(x, w, b, stride, pad):
    """x NHWC, w [O, I, kh, kw] (PyTorch), zero padding."""
    B, H, Wd, _ = x.shape
    O, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (Wd + 2 * pad - kw) // stride + 1
    out = np.zeros((B, Ho, Wo, O))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, ky:ky + stride * Ho:stride, kx:kx + stride * Wo:stride, :]
            out += np.einsum('bhwi,oi->bhwo', patch, w[:, :, ky, kx])
    return out if b is None else out + b


def conv_transpose2d(x, w, b, stride):
    """x NHWC, w [I, O, kh, kw] (PyTorch ConvTranspose2d): out[y*s+ky, x*s+kx] += x[y, x] @ w[:, :, ky, kx]."""
    B, H, Wd, _ = x.shape
    _, O, kh, kw = w.shape
    out = np.zeros((B, (H - 1) * stride + kh, (Wd - 1) * stride + kw, O))
    for y in range(H):
        for xx in range(Wd):
            out[:, y * stride:y * stride + kh, xx * stride:xx * stride + kw, :] += np.einsum('bi,iokl->bklo', x[:, y, xx, :], w)
    return out + b


def main():
    clip_path, ckpt_path, frames_path, out_dir = sys.argv[1:5]
    W, _ = read_safetensors(clip_path)
    if 'visual.conv1.weight' in W:
        W = from_openclip(W)
    C, meta = read_safetensors(ckpt_path)
    cfg = json.loads(meta['depthkit'])
    frames = np.load(frames_path)
    B, H, Wd, _ = frames.shape
    eps = cfg['layerNormEps']
    act = cfg['hiddenAct']
    vis, txt = cfg['clip']['vision'], cfg['clip']['text']
    P = vis['patchSize']
    rows, cols = H // P, Wd // P

    # Text tower on mirror: positions 0..T-1, causal mask, final LN, pooled at the last mirror position.
    T = cfg['mirror']['tokens']
    t = (C['mirror'] + W['text_model.embeddings.position_embedding.weight'][:T])[None]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for i in range(txt['layers']):
        t = block(t, W, f'text_model.encoder.layers.{i}', txt['heads'], eps, act, mask)
    t = layer_norm(t, W['text_model.final_layer_norm.weight'], W['text_model.final_layer_norm.bias'], eps)
    c = lin(t[0, T - 1], W['text_projection.weight'])

    # Image tower.
    mean = np.array(cfg['normalisation']['mean'])
    std = np.array(cfg['normalisation']['std'])
    x = (frames.astype(np.float64) / 255 - mean) / std
    patches = conv2d(x, W['vision_model.embeddings.patch_embedding.weight'], None, P, 0).reshape(B, rows * cols, -1)
    pos = W['vision_model.embeddings.position_embedding.weight']
    g = vis['imageSize'] // P
    grid = pos[1:].reshape(g, g, -1)
    if (rows, cols) != (g, g):
        grid = bicubic(grid, rows, cols)
    pos = np.concatenate([pos[:1], grid.reshape(rows * cols, -1)], 0)
    cls = np.broadcast_to(W['vision_model.embeddings.class_embedding'], (B, 1, patches.shape[2]))
    h = np.concatenate([cls, patches], 1) + pos
    h = layer_norm(h, W['vision_model.pre_layrnorm.weight'], W['vision_model.pre_layrnorm.bias'], eps)
    for i in range(vis['layers']):
        h = block(h, W, f'vision_model.encoder.layers.{i}', vis['heads'], eps, act)
    h = layer_norm(h, W['vision_model.post_layernorm.weight'], W['vision_model.post_layernorm.bias'], eps)
    feats = lin(h[:, 1:], W['visual_projection.weight']).reshape(B, rows, cols, -1)

    # Decoder with FiLM.
    d = conv2d(feats, C['decoder.proj.weight'], C['decoder.proj.bias'], 1, 0)
    stages = int(np.ceil(np.log2(P)))
    for i in range(stages):
        p = f'decoder.stages.{i}.'
        d = np.maximum(conv_transpose2d(d, C[p + 'up.weight'], C[p + 'up.bias'], 2), 0)
        d = conv2d(d, C[p + 'conv.weight'], C[p + 'conv.bias'], 1, 1)
        gb = lin(c, C[p + 'film.weight'], C[p + 'film.bias'])
        n = d.shape[3]
        d = np.maximum(d * (1 + gb[:n]) + gb[n:], 0)
    d = conv2d(d, C['decoder.head.weight'], C['decoder.head.bias'], 1, 1)
    assert d.shape[1:3] == (H, Wd), 'resize path not covered by this reference'
    depth = cfg['maxDepth'] / (1 + np.exp(-d[..., 0]))

    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, 'conditioning.npy'), c.astype(np.float32))
    np.save(os.path.join(out_dir, 'features.npy'), feats.astype(np.float32))
    np.save(os.path.join(out_dir, 'depth.npy'), depth.astype(np.float32))


if __name__ == '__main__':
    main()
