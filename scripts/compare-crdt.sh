#!/usr/bin/env bash
# Compares the two gossip strategies of the g-set and pn-counter nodes
# (-strategy state and -strategy delta) with eddy compare: 5 nodes, 15 s,
# partitions, rate 10 and 100, on seeds 1..SEEDS (default 5), the same
# seeds for both. The binaries are built into bin/ first; the tables go to
# results/compare/gset/ and results/compare/pncounter/ (OUT=dir puts them
# in dir/gset and dir/pncounter), the runs to store/.
#
#   scripts/compare-crdt.sh
#   SEEDS=3 NOTE='quiet machine' scripts/compare-crdt.sh
#   scripts/compare-crdt.sh --strict   # extra eddy compare flags
#
# Exit status: 0 if every run of both comparisons was valid, else that of
# the first comparison that was not.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p bin
go build -o bin/eddy ./cmd/eddy
go build -o bin/gset ./nodes/gset
go build -o bin/pncounter ./nodes/pncounter

note="made by scripts/compare-crdt.sh"
if [ -n "${NOTE:-}" ]; then
  note="$note; $NOTE"
fi
out=${OUT:-results/compare}
status=0
for pair in g-set:gset pn-counter:pncounter; do
  workload=${pair%%:*}
  node=${pair##*:}
  code=0
  bin/eddy compare \
    --impl "state=bin/$node -- -strategy state" \
    --impl "delta=bin/$node -- -strategy delta" \
    --seeds "${SEEDS:-5}" \
    -w "$workload" --node-count 5 --rate 10,100 --time-limit 15 --nemesis partition \
    --out "$out/$node" --note "$note" "$@" || code=$?
  if [ "$status" -eq 0 ]; then
    status=$code
  fi
done
exit "$status"
