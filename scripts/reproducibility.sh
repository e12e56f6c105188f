#!/usr/bin/env bash
# Measures, for every workload, how far two eddy runs with the same seed
# differ in what their processes do: the fraction of positions k where the
# k-th main-phase invocation (f and value) of a process differs between the
# runs (scripts/repro), and the same for the nemesis. Each workload runs on
# the repo's own node, 3 nodes, 5 s; the last column runs seed+1 to show
# what different streams look like.
#
#   scripts/reproducibility.sh                 # seed 7, a Markdown table on stdout
#   SEEDS="1 2 3" scripts/reproducibility.sh broadcast kafka
#
# The node binaries and eddy are built into bin/ first.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seeds=${SEEDS:-7}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "${COMMIT:-unknown}")
mkdir -p bin
go build -o bin/eddy ./cmd/eddy
for dir in nodes/*/; do
  go build -o "bin/$(basename "$dir")" "./$dir"
done

common=(--node-count 3 --time-limit 5)
declare -A cmd=(
  [echo]="-w echo --bin bin/echo --rate 50"
  [unique-ids]="-w unique-ids --bin bin/uniqueids --rate 100"
  [broadcast]="-w broadcast --bin bin/broadcast --rate 30"
  [broadcast-partition]="-w broadcast --bin bin/broadcast --rate 30 --nemesis partition --nemesis-interval 1"
  [g-set]="-w g-set --bin bin/broadcast --rate 30"
  [g-counter]="-w g-counter --bin bin/gcounter --rate 50"
  [pn-counter]="-w pn-counter --bin bin/gcounter --rate 50"
  [lin-kv]="-w lin-kv --bin bin/linkv --concurrency 2n --rate 50"
  [kafka]="-w kafka --bin bin/kafka --concurrency 2n --rate 100"
  [txn-rw-register]="-w txn-rw-register --bin bin/txn --concurrency 2n --rate 100 --consistency-models read-committed"
  [txn-list-append]="-w txn-list-append --bin bin/txn --concurrency 2n --rate 100"
)
order=(echo unique-ids broadcast broadcast-partition g-set g-counter pn-counter lin-kv kafka txn-rw-register txn-list-append)
if [ $# -gt 0 ]; then order=("$@"); fi

echo "engine eddy, $(date -u +%Y-%m-%d), commit $commit, seeds $seeds; every command adds ${common[*]}"
echo
header=-header
for name in "${order[@]}"; do
  flags=${cmd[$name]:?unknown workload $name}
  for seed in $seeds; do
    echo "  $name, seed $seed: eddy test ${common[*]} $flags" >&2
    # shellcheck disable=SC2086
    go run ./scripts/repro -seed "$seed" -contrast -label "$name" $header -- ${common[@]} $flags
    header=
  done
done
echo
echo "Commands (each run twice with the seed, once with the seed + 1):"
echo
for name in "${order[@]}"; do
  echo "- $name: \`eddy test ${common[*]} ${cmd[$name]}\`"
done
