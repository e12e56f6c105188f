#!/usr/bin/env bash
# Runs one eddy test command once per seed 1..N and tabulates the runs: the
# way to back a claim like "valid in 10 of 10 seeded runs".
#
#   scripts/seeds.sh 10 -w g-counter --bin bin/gcounter --node-count 3 \
#       --rate 100 --time-limit 20 --nemesis partition
#   scripts/seeds.sh 5 -w broadcast --bin bin/broadcast --node-count 25 \
#       --time-limit 20 --rate 100 --latency 100 -- -strategy messages
#
# The node binaries are built into bin/ first. Each run is stored under
# store/seeds/<timestamp>/<seed>/. Exit status: non-zero unless every run
# was valid.
set -euo pipefail

if [ $# -lt 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/seeds.sh RUNS EDDY-TEST-FLAGS... [-- NODE-ARGS...]" >&2
  exit 254
fi
runs=$1
shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p "$root/bin"
go build -o "$root/bin/eddy" ./cmd/eddy
for dir in nodes/*/; do
  go build -o "$root/bin/$(basename "$dir")" "./$dir"
done

store="$root/store/seeds/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$store"
echo "== $runs runs of: eddy test $* (stored in $store)" >&2
files=()
for seed in $(seq 1 "$runs"); do
  code=0
  "$root/bin/eddy" test --seed "$seed" --store "$store/$seed" "$@" >"$store/$seed.out" 2>&1 || code=$?
  echo "seed $seed: exit $code" >&2
  files+=("$store/$seed/latest/results.json")
done
table=$(go run ./scripts/summarize -runs "${files[@]}")
printf '%s\n' "$table"
grep -q "valid in $runs of $runs runs" <<<"$table"
