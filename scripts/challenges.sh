#!/usr/bin/env bash
# Runs Gossip Glomers challenges with their official flags and keeps the
# results in results/.
#
#   scripts/challenges.sh            # every challenge that has a node
#   scripts/challenges.sh 1 2        # some of them
#   SEED=7 scripts/challenges.sh     # reproducible schedules
#   MAELSTROM=/path/to/maelstrom scripts/challenges.sh   # on the real Maelstrom
#
# Exit status: non-zero if any challenge is not valid.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin="$root/bin"
results="$root/results"
mkdir -p "$bin" "$results"

# id | workload | node | official flags [-- node arguments]
challenges=(
  "1|echo|echo|--node-count 1 --time-limit 10"
  "2|unique-ids|uniqueids|--time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition"
  "3a|broadcast|broadcast|--node-count 1 --time-limit 20 --rate 10"
  "3b|broadcast|broadcast|--node-count 5 --time-limit 20 --rate 10"
  "3c|broadcast|broadcast|--node-count 5 --time-limit 20 --rate 10 --nemesis partition"
  "3d|broadcast|broadcast|--node-count 25 --time-limit 20 --rate 100 --latency 100 -- -strategy latency"
  "3e|broadcast|broadcast|--node-count 25 --time-limit 20 --rate 100 --latency 100 -- -strategy messages"
  "4|g-counter|gcounter|--node-count 3 --rate 100 --time-limit 20 --nemesis partition"
)

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(all)

selected() {
  local id=$1 w
  for w in "${want[@]}"; do
    [ "$w" = all ] || [ "$w" = "$id" ] && return 0
  done
  return 1
}

echo "Building eddy and the nodes into $bin" >&2
go build -o "$bin/eddy" ./cmd/eddy
for node in echo uniqueids broadcast gcounter; do
  go build -o "$bin/$node" "./nodes/$node"
done

engine=eddy
[ -n "${MAELSTROM:-}" ] && engine=maelstrom
status=0
ran=()
for entry in "${challenges[@]}"; do
  IFS='|' read -r id workload node flags <<<"$entry"
  selected "$id" || continue
  read -r -a flag_args <<<"$flags"
  seed_args=()
  [ -n "${SEED:-}" ] && [ "$engine" = eddy ] && seed_args=(--seed "$SEED")
  echo "== challenge $id: $engine test -w $workload $flags" >&2
  code=0
  if [ "$engine" = eddy ]; then
    "$bin/eddy" test "${seed_args[@]}" --store "$root/store" -w "$workload" --bin "$bin/$node" "${flag_args[@]}" || code=$?
    cp "$root/store/$workload/latest/results.json" "$results/$id.json"
  else
    "$MAELSTROM" test -w "$workload" --bin "$bin/$node" "${flag_args[@]}" || code=$?
    cp "store/latest/results.edn" "$results/$id.edn"
  fi
  printf '%s\n' "engine=$engine" "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "command=test -w $workload --bin bin/$node $flags" >"$results/$id.meta"
  [ "$code" -eq 0 ] || status=1
  ran+=("$id")
done

if [ "$engine" = eddy ] && [ ${#ran[@]} -gt 0 ]; then
  go run ./scripts/summarize -dir "$results"
fi
exit "$status"
