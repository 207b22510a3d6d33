#!/usr/bin/env bash
# Peak resident memory of smp-preview on a 50-megapixel photo, measured by
# /usr/bin/time -v (the largest process of the tree: a worker).
#   bench/preview-memory.sh [BUILD_DIR]
# Exits 1 when the peak reaches 1.5 GB.  GEGL swaps to a file here, as it
# does for a user (GEGL_SWAP=RAM would keep every tile in memory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GEGL_PATH="$build/filters:$(pkg-config --variable=pluginsdir gegl-0.4)"
export GEGL_SWAP="$work"
export GEGL_USE_OPENCL=no
export SMP_PRESET_PATH="$root/data/presets"
unset GEGL_TILE_CACHE_SIZE GEGL_CACHE_SIZE

width=8660 height=5774   # 50.0 megapixels
# A skin tone with grain, as a camera's JPEG.
gegl -o "$work/photo.jpg" -- gegl:color value='rgb(0.55,0.36,0.27)' \
  gegl:crop width=$width height=$height gegl:noise-rgb red=0.04 green=0.04 \
  blue=0.04 2>/dev/null
printf '%s\n' "input: $width x $height = $((width * height)) px, $(du -h "$work/photo.jpg" | cut -f1) JPEG"

/usr/bin/time -v "$build/tools/smp-preview" -p shaved-dark-hair \
  -p density-long-hair --px-per-mm 20 --seed 1 "$work/photo.jpg" \
  -o "$work/out" 2> "$work/time.txt"
peak_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
# The sheet's size from its PNG header (ImageMagick refuses sheets this wide).
sheet=$(od -An -tu1 -j16 -N8 "$work/out/photo-preview.png" |
        awk '{ printf "%d x %d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
printf '%s\n' "sheet: $sheet px, $(du -h "$work/out/photo-preview.png" | cut -f1)"
printf 'peak resident memory: %d MB (limit 1536 MB); wall %s; %s\n' \
  $((peak_kb / 1024)) "$wall" "$(nproc) cores"
[ "$peak_kb" -lt $((1536 * 1024)) ]
