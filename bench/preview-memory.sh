#!/usr/bin/env bash
# Peak resident memory of smp-preview, two presets, on photos of 12, 50 and
# 100 megapixels (3:2 baseline JPEGs, as cameras write them), and on a
# progressive JPEG of the largest size (libjpeg holds all of its
# coefficients while it decodes one), measured by /usr/bin/time -v (the
# largest process of the tree: a worker).  The figures README states.
#   bench/preview-memory.sh [BUILD_DIR [MEGAPIXELS...]]
# Exits 1 when a peak reaches the bound README gives: 1000 MB.  GEGL swaps
# to a file here, as it does for a user (GEGL_SWAP=RAM would keep every
# tile in memory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
sizes=("${@:-12 50 100}")
sizes=(${sizes[*]})
limit_mb=1000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GEGL_PATH="$build/filters:$(pkg-config --variable=pluginsdir gegl-0.4)"
export GEGL_SWAP="$work"
export GEGL_USE_OPENCL=no
export SMP_PRESET_PATH="$root/data/presets"
unset GEGL_TILE_CACHE_SIZE GEGL_CACHE_SIZE

status=0
# One photo: a skin tone with grain, as a camera's JPEG; then its sheet.
measure () {
  local mp=$1 progressive=$2 label=$3
  local width height peak_kb wall sheet
  width=$(awk -v mp="$mp" 'BEGIN { printf "%d", sqrt (mp * 1e6 * 1.5) + 0.5 }')
  height=$(awk -v mp="$mp" -v w="$width" 'BEGIN { printf "%d", mp * 1e6 / w + 0.5 }')
  rm -rf "$work/out" "$work/photo.jpg"
  gegl -o "$work/photo.jpg" -- gegl:color value='rgb(0.55,0.36,0.27)' \
    gegl:crop width="$width" height="$height" gegl:noise-rgb red=0.04 \
    green=0.04 blue=0.04 gegl:jpg-save path="$work/photo.jpg" \
    progressive="$progressive" 2>/dev/null
  # The whole photo treated (a flat photo holds no head for an automatic
  # mask): the largest job a photo of this size can be.
  if ! /usr/bin/time -v "$build/tools/smp-preview" -p shaved-dark-hair \
      -p density-long-hair --mask-mode=none --px-per-mm 20 --seed 1 \
      "$work/photo.jpg" -o "$work/out" 2> "$work/time.txt"; then
    echo "smp-preview failed on the $mp MP photo:" >&2
    cat "$work/time.txt" >&2
    exit 1
  fi
  peak_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
  # The sheet's size from its PNG header (ImageMagick refuses sheets this wide).
  sheet=$(od -An -tu1 -j16 -N8 "$work/out/photo-preview.png" |
          awk '{ printf "%d x %d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
  printf '%4s MP %-11s %5d x %-5d  peak %4d MB  wall %7s  sheet %s\n' \
    "$mp" "$label" "$width" "$height" $((peak_kb / 1024)) "$wall" "$sheet"
  if [ "$peak_kb" -ge $((limit_mb * 1024)) ]; then
    echo "  over $limit_mb MB"
    status=1
  fi
}

echo "smp-preview, presets shaved-dark-hair and density-long-hair; $(nproc) cores"
for mp in "${sizes[@]}"; do
  measure "$mp" false baseline
done
measure "${sizes[${#sizes[@]} - 1]}" true progressive
exit $status
