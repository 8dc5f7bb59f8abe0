"""OpenCV DIS flow for depthkit's flow bench (run with Debian's /usr/bin/python3, cv2 4.6).

Reads N RGB frames (uint8, N x H x W x 3, raw) from argv[1]; for each consecutive pair computes the backward
(t+1 -> t) and forward (t -> t+1) flow with DISOpticalFlow_create(PRESET_<argv[6]>) (fast or medium; finest scale
argv[7] when given, else the preset's), on one thread, writes them as float32 (pairs x 2 x H x W x 2, backward
first) to argv[2], and prints the mean wall and CPU milliseconds a pair (both directions, best of `reps` passes over
all pairs) as JSON.
"""
import json
import sys
import time

import cv2
import numpy as np

src, dst, n, h, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
preset = {'fast': cv2.DISOPTICAL_FLOW_PRESET_FAST, 'medium': cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}[sys.argv[6]]
finest = int(sys.argv[7]) if len(sys.argv) > 7 else None
cv2.setNumThreads(1)
frames = np.fromfile(src, np.uint8).reshape(n, h, w, 3)
grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
dis = cv2.DISOpticalFlow_create(preset)
if finest is not None:
    dis.setFinestScale(finest)
out = np.zeros((n - 1, 2, h, w, 2), np.float32)
best = float('inf')
best_cpu = float('inf')
for rep in range(3):
    t0 = time.perf_counter()
    c0 = time.process_time()
    for k in range(n - 1):
        out[k, 0] = dis.calc(grey[k + 1], grey[k], None)
        out[k, 1] = dis.calc(grey[k], grey[k + 1], None)
    best = min(best, (time.perf_counter() - t0) * 1000 / (n - 1))
    best_cpu = min(best_cpu, (time.process_time() - c0) * 1000 / (n - 1))
out.tofile(dst)
print(json.dumps({'ms_per_pair': best, 'cpu_ms_per_pair': best_cpu}))
