#!/bin/sh
# Trains the demo checkpoint (issue #10): mirror + decoder on a frozen random tiny CLIP (seed 1, the one
# src/demo/run-demo.ts regenerates), on synth rooms rendered here. Needs a build (npm run build). Usage:
#   sh scripts/demo-train.sh [out-folder] [steps]
# Then copy <out>/run/checkpoint.safetensors to fixtures/demo/demo-tiny.safetensors; <out>/run/preview.png shows
# RGB | prediction | ground truth | error for the first validation frame, <out>/run/train_log.csv the curve.
set -eu
OUT=${1:-demo-train}
STEPS=${2:-1000}
DK="node bin/run.js"
mkdir -p "$OUT/synth"
node -e "import('./dist/model/random-clip.js').then((m) => m.writeRandomClip(process.argv[1], 'tiny', 1))" "$OUT/clip-tiny.safetensors"
: > "$OUT/train.txt"
: > "$OUT/val.txt"
for seed in 1 2 3 4 5; do
  for motion in forward orbit pan; do
    name="room-$seed-$motion"
    $DK synth --scene room --motion "$motion" --seed "$seed" --frames 30 --width 160 --height 120 --save-frames --out "$OUT/synth/$name" > /dev/null
    # The lists' paths are relative to their folder: prefix them with the sequence folder.
    for split in train val; do
      sed "s#^\([^ ]*\) \([^ ]*\)#synth/$name/\1 synth/$name/\2#" "$OUT/synth/$name/$split.txt" >> "$OUT/$split.txt"
    done
  done
done
$DK train --data "$OUT/train.txt" --val "$OUT/val.txt" --clip "$OUT/clip-tiny.safetensors" --init \
  --input-size 64x48 --decoder-channels 32,32,16,16 --max-depth 20 \
  --steps "$STEPS" --batch-size 8 --lr 3e-3 --cache-features --backend wasm \
  --val-every 100 --save-every 500 --out "$OUT/run"
