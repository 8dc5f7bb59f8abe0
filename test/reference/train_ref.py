"""Independent numpy references for depthkit train (test/train.test.ts): scale-invariant log loss, the learning-rate
schedule and two AdamW steps. Writes train/train_ref.json. Run: python3 test/reference/train_ref.py"""
import json
import math
import os

import numpy as np

rng = np.random.default_rng(7)

# SILog (BTS/AdaBins form) over valid pixels (gt > 0); predictions floored at 1e-3 before the log.
pred = rng.uniform(0.5, 8.0, size=40).astype(np.float32)
gt = rng.uniform(0.5, 8.0, size=40).astype(np.float32)
gt[::7] = 0  # invalid
valid = gt > 0
g = np.log(np.maximum(pred[valid].astype(np.float64), 1e-3)) - np.log(gt[valid].astype(np.float64))
silog = 10 * math.sqrt(np.mean(g ** 2) - 0.85 * np.mean(g) ** 2)

# Linear warm-up to lr over `warmup` steps, then cosine to lr * final.
def lr_at(step, lr=1e-3, warmup=5, steps=30, final=0.01):
    if step < warmup:
        return lr * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, steps - warmup))
    return lr * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t)))

# AdamW as PyTorch: w *= 1 - lr*wd (decayed params only), then the bias-corrected Adam step.
w0 = rng.normal(size=6).astype(np.float32)
grads = [rng.normal(size=6).astype(np.float32) for _ in range(2)]
lrs = [0.1, 0.05]
b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.01

def adamw(decay):
    w = w0.astype(np.float64)
    m = np.zeros(6)
    v = np.zeros(6)
    for t, (gr, lr) in enumerate(zip(grads, lrs), start=1):
        m = b1 * m + (1 - b1) * gr
        v = b2 * v + (1 - b2) * gr.astype(np.float64) ** 2
        upd = (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        if decay:
            w = w * (1 - lr * wd)
        w = w - lr * upd
    return w

out = {
    "silog": {"pred": pred.tolist(), "gt": gt.tolist(), "loss": silog},
    "schedule": {"lr": 1e-3, "warmup": 5, "steps": 30, "final": 0.01, "values": [lr_at(s) for s in range(30)]},
    "adamw": {
        "w0": w0.tolist(), "grads": [x.tolist() for x in grads], "lrs": lrs, "weight_decay": wd,
        "decayed": adamw(True).tolist(), "not_decayed": adamw(False).tolist(),
    },
}
with open(os.path.join(os.path.dirname(__file__), "train", "train_ref.json"), "w") as f:
    json.dump(out, f, indent=1)
