#!/usr/bin/env bash
# bench/run-bench.sh: the benchmarks of a build directory, compared with a
# saved baseline of the same harness; what it prints is README's
# performance section.  `./run bench` calls it after building.
#
#   bench/run-bench.sh [BUILD]              figures of BUILD (default build/)
#                                           against bench/baseline.tsv
#   bench/run-bench.sh --baseline REV [BUILD]
#                                           saves bench/baseline.tsv anew: the
#                                           same harness (BUILD's bench-ops)
#                                           timing the ops of commit REV
#
# bench-ops prints the write-buffer and blit tables, the targets and, with
# a baseline, now / then of MP/s and of the ratio to gegl:invert-linear
# measured in the same process (which a loaded machine changes less).
# bench-preview and bench-scalp-map follow.  Figures, not assertions: the
# status is that of the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rev=
if [ "${1:-}" = --baseline ]; then
  rev=${2:?usage: bench/run-bench.sh --baseline REV [BUILD]}
  shift 2
  # A commit, once: a branch may move while the benchmark runs.
  rev=$(git rev-parse --verify "$rev^{commit}")
fi
build=$(cd "${1:-build}" && pwd)
baseline=$root/bench/baseline.tsv

export GEGL_SWAP=RAM GEGL_USE_OPENCL=no
export SMP_PRESET_PATH=$root/data/presets
export SMP_SHARED_DATA=$root/../shared/data
gegl_plugins=$(pkg-config --variable=pluginsdir gegl-0.4 2>/dev/null ||
               echo /usr/lib/x86_64-linux-gnu/gegl-0.4)

machine () {
  printf '%s, %s cores, %s; load average %s\n' \
    "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(nproc)" \
    "$(. /etc/os-release && echo "$PRETTY_NAME")" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ -n "$rev" ]; then
  # REV's module, built apart (its sources from git archive: no checkout).
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/smp-baseline.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  git -C "$root" archive "$rev" | tar -x -C "$tmp"
  meson setup "$tmp/build" "$tmp" >/dev/null
  ninja -C "$tmp/build" filters/smp-ops.so >/dev/null
  echo "== baseline: $(git -C "$root" log -1 --format='%h %s' "$rev" | cut -c1-100)"
  echo "== $(machine)"
  GEGL_PATH=$tmp/build/filters:$gegl_plugins \
    "$build/bench/bench-ops" --save "$baseline.new"
  # The file names REV, not the commit the harness was built at.
  { echo "# bench-ops figures, MP/s: threads, pull, operation, MP/s (3000 x 2000 R'G'B'A u8)"
    echo "# commit $(git -C "$root" log -1 --format='%h %s' "$rev" | cut -c1-100)"
    echo "# machine $(machine)"
    grep -v '^#' "$baseline.new"; } > "$baseline"
  rm -f "$baseline.new"
  echo "== saved $baseline"
  exit 0
fi

export GEGL_PATH=$build/filters:$gegl_plugins
echo "== now: $(git -C "$root" log -1 --format='%h %s' | cut -c1-100)$(
  git -C "$root" diff --quiet HEAD -- filters || echo ' (and uncommitted changes)')"
echo "== $(machine)"
echo
# The figures are kept in BUILD/bench-now.tsv: `bench-ops --figures
# BUILD/bench-now.tsv --baseline FILE` prints them again against any baseline.
if [ -f "$baseline" ]; then
  "$build/bench/bench-ops" --baseline "$baseline" --save "$build/bench-now.tsv"
else
  echo "(no $baseline: bench/run-bench.sh --baseline REV saves one)"
  "$build/bench/bench-ops"
fi
echo
# A failed run (an op that changed nothing) does not hide the figures
# after it: the status is given at the end.
status=0
GEGL_THREADS=1 "$build/bench/bench-preview" || status=$?
echo
"$build/bench/bench-scalp-map" || status=$?
echo
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
