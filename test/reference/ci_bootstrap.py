"""Independent reference for src/ci/bootstrap.ts: replays the mulberry32 resample indices in Python and takes the
percentile interval with numpy (linear interpolation, numpy's default), plus plain means of per-row deltas.
Writes ci_bootstrap.json next to this file.  Run: python3 test/reference/ci_bootstrap.py
"""
import json
import os

import numpy as np

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    state = seed & M32

    def rand():
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return rand


def bootstrap(diffs, resamples, confidence, seed):
    rand = mulberry32(seed)
    n = len(diffs)
    idx = np.array([[int(rand() * n) for _ in range(n)] for _ in range(resamples)])
    means = diffs[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    lo, hi = np.percentile(means, [100 * alpha, 100 * (1 - alpha)])
    return float(diffs.mean()), float(lo), float(hi)


def main():
    rng = np.random.default_rng(7)
    cases = []
    for n, shift, resamples, confidence, seed in [(12, 0.0, 500, 0.95, 1), (40, 0.01, 300, 0.9, 42), (5, -0.2, 200, 0.99, 7)]:
        diffs = np.round(rng.normal(shift, 0.02, n), 6)
        mean, lo, hi = bootstrap(diffs, resamples, confidence, seed)
        cases.append({"diffs": diffs.tolist(), "resamples": resamples, "confidence": confidence, "seed": seed,
                      "mean": mean, "lo": lo, "hi": hi})
    first = mulberry32(1)
    out = {"mulberry32_seed1_first5": [first() for _ in range(5)], "cases": cases}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ci_bootstrap.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
