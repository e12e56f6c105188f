#!/usr/bin/env bash
# Compares the two replicated lin-kv nodes, Raft (nodes/raft) and
# Multi-Paxos (nodes/paxos), with the proxy baseline (nodes/linkv, which
# forwards every operation to Maelstrom's lin-kv service) under eddy
# compare, on seeds 1..SEEDS (default 5), the same seeds for all three.
#
#   scripts/compare-linkv.sh            # 3 and 5 nodes, with and without partitions:
#                                       # results/compare/lin-kv/
#   scripts/compare-linkv.sh latency    # 5 nodes, --latency 10, each node also with
#                                       # -batch 0: results/compare/lin-kv-latency/
#   SEEDS=3 NOTE='quiet machine' scripts/compare-linkv.sh
#   OUT=/tmp/cmp scripts/compare-linkv.sh --strict   # extra eddy compare flags
#
# Every run is lin-kv with --concurrency 2n --rate 100 --time-limit 20. The
# binaries are built into bin/ first; the runs go to store/. Leader changes
# are counted from the lines "eddy: leader …" the nodes write to their logs
# (store/…/node-logs/). Exit status as eddy compare: 0 if every run was
# valid, 1 if one was invalid or unknown, 255 if one aborted.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=matrix
if [ "${1:-}" = latency ]; then
  mode=latency
  shift
fi
mkdir -p bin
go build -o bin/eddy ./cmd/eddy
for n in raft paxos linkv; do
  go build -o "bin/$n" "./nodes/$n"
done

note="made by scripts/compare-linkv.sh"
if [ "$mode" = latency ]; then
  note="made by scripts/compare-linkv.sh latency"
fi
if [ -n "${NOTE:-}" ]; then
  note="$note; $NOTE"
fi
common=(--seeds "${SEEDS:-5}" -w lin-kv --concurrency 2n --time-limit 20 --rate 100 --note "$note")
if [ "$mode" = matrix ]; then
  args=(
    --impl 'raft=bin/raft'
    --impl 'paxos=bin/paxos'
    --impl 'proxy=bin/linkv'
    --node-count 3,5 --nemesis none,partition
    --out "${OUT:-results/compare/lin-kv}"
  )
else
  args=(
    --impl 'raft=bin/raft'
    --impl 'paxos=bin/paxos'
    --impl 'proxy=bin/linkv'
    --impl 'raft-batch0=bin/raft -- -batch 0s'
    --impl 'paxos-batch0=bin/paxos -- -batch 0s'
    --node-count 5 --latency 10
    --out "${OUT:-results/compare/lin-kv-latency}"
  )
fi
exec bin/eddy compare "${common[@]}" "${args[@]}" "$@"
