#!/usr/bin/env bash
# Runs each of our nodes under --nemesis kill and under --nemesis pause
# (eddy's process faults; see "Killing and pausing nodes" in the README),
# seeds 1..RUNS (default 3) each, through scripts/seeds.sh, and writes one
# table per node and fault to results/faults/ (OUT_DIR to change it).
#
#   scripts/faults.sh            # every node, kill and pause, seeds 1-3
#   RUNS=5 scripts/faults.sh txn kafka
#
# Kills and pauses hit any of Jepsen's targets (all nodes at once among
# them) every 2 s on average; runs are 10 s long, shorter than the
# challenges', and without --availability total, which no node can meet
# while it is down. Exit status: non-zero unless every run was valid.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=${RUNS:-3}
out=${OUT_DIR:-results/faults}
common="--time-limit 10 --nemesis-interval 2"

declare -A cmd=(
  [echo]="-w echo --bin bin/echo --node-count 3 --rate 20"
  [uniqueids]="-w unique-ids --bin bin/uniqueids --node-count 3 --rate 100"
  [broadcast-latency]="-w broadcast --bin bin/broadcast --node-count 5 --rate 20 --latency 50 -- -strategy latency"
  [broadcast-messages]="-w broadcast --bin bin/broadcast --node-count 5 --rate 20 --latency 50 -- -strategy messages"
  [broadcast-gset]="-w g-set --bin bin/broadcast --node-count 3 --rate 20"
  [gset]="-w g-set --bin bin/gset --node-count 3 --rate 20"
  [gcounter]="-w g-counter --bin bin/gcounter --node-count 3 --rate 100"
  [gcounter-pn]="-w pn-counter --bin bin/gcounter --node-count 3 --rate 100"
  [pncounter]="-w pn-counter --bin bin/pncounter --node-count 3 --rate 100"
  [kafka]="-w kafka --bin bin/kafka --node-count 2 --concurrency 2n --rate 100"
  [txn]="-w txn-rw-register --bin bin/txn --node-count 2 --concurrency 2n --rate 100 --consistency-models read-committed"
  [linkv]="-w lin-kv --bin bin/linkv --node-count 3 --concurrency 2n --rate 50"
  [listappend]="-w txn-list-append --bin bin/listappend --node-count 3 --concurrency 2n --rate 50"
  [raft]="-w lin-kv --bin bin/raft --node-count 5 --concurrency 2n --rate 100"
  [paxos]="-w lin-kv --bin bin/paxos --node-count 5 --concurrency 2n --rate 100"
)
order=(echo uniqueids broadcast-latency broadcast-messages broadcast-gset gset gcounter gcounter-pn pncounter kafka txn linkv listappend raft paxos)
if [ $# -gt 0 ]; then order=("$@"); fi

status=0
for name in "${order[@]}"; do
  if [ -z "${cmd[$name]:-}" ]; then
    echo "faults.sh: no node named $name (${!cmd[*]})" >&2
    exit 254
  fi
  for fault in kill pause; do
    # The node's own arguments (after --) stay last.
    flags=${cmd[$name]}
    node_args=""
    if [[ $flags == *" -- "* ]]; then
      node_args="-- ${flags#* -- }"
      flags=${flags%% -- *}
    fi
    # shellcheck disable=SC2086
    OUT="$out/$name-$fault.md" scripts/seeds.sh "$runs" $flags $common --nemesis $fault $node_args || status=1
  done
done
exit $status
