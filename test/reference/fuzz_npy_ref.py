"""Differential reference for the .npy fuzz cases: loads every .npy in a folder with numpy and prints, per file,
its shape, dtype and values as float32 (or the numpy error). Used by test/fuzz.test.ts.

usage: python3 fuzz_npy_ref.py <folder>   -> JSON {file name: {"shape", "dtype", "values"} | {"error"}} on stdout
NaN and infinities are written as the strings "nan", "inf", "-inf" (JSON has no spelling for them).
"""
import json
import os
import sys

import numpy as np


def spell(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(v)


def main(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".npy"):
            continue
        try:
            with open(os.path.join(folder, name), "rb") as f:
                a = np.load(f, allow_pickle=False)
                # np.load ignores bytes after the data; the readers under test refuse them, so report them here.
                trailing = len(f.read())
            vals = np.ascontiguousarray(a).astype(np.float32).ravel()
            out[name] = {"shape": list(a.shape), "dtype": a.dtype.str, "trailing": trailing, "values": [spell(v) for v in vals[:64]]}
        except Exception as e:  # noqa: BLE001 - every numpy refusal is an answer here
            out[name] = {"error": f"{type(e).__name__}: {e}"[:200]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
