#!/usr/bin/env bash
# Compares the broadcast node's two strategies (-strategy latency and
# -strategy messages) with eddy compare, on the matrix of
# scripts/compare-broadcast.spec: the 3d/3e command (25 nodes, rate 100,
# 100 ms latency, 20 s) and the same on 5 nodes, each with and without
# partitions, on seeds 1..5 (SEEDS=N for 1..N), the same seeds for both.
# The binaries are built into bin/ first; the tables and the plot go to
# results/compare/broadcast/ (OUT=dir to change), the runs to store/.
# JOBS=N runs N cell x seed groups at once (eddy compare -j N). The same
# spec runs sharded on a cluster: see deploy/ and the README.
#
#   scripts/compare-broadcast.sh
#   SEEDS=3 NOTE='quiet machine' scripts/compare-broadcast.sh
#   OUT=/tmp/cmp scripts/compare-broadcast.sh --strict   # extra eddy compare flags
#
# Exit status as eddy compare: 0 if every run was valid, 1 if one was invalid
# or unknown, 255 if one aborted.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p bin
go build -o bin/eddy ./cmd/eddy
go build -o bin/broadcast ./nodes/broadcast

note="made by scripts/compare-broadcast.sh"
if [ -n "${NOTE:-}" ]; then
  note="$note; $NOTE"
fi
args=(
  --spec scripts/compare-broadcast.spec
  --out "${OUT:-results/compare/broadcast}"
  --note "$note"
  -j "${JOBS:-1}"
)
if [ -n "${SEEDS:-}" ]; then
  args+=(--seeds "$SEEDS")
fi
exec bin/eddy compare "${args[@]}" "$@"
