#!/usr/bin/env bash
# The main job: runs Gossip Glomers challenges with their official flags
# through `eddy challenge` and prints each one's figures and targets. The
# runs go to store/, with the table and one JSON record per challenge in
# store/challenges/<time>/; the checkout is left alone (refreshing the
# committed results/ is scripts/refresh-results.sh).
#
#   scripts/challenges.sh              # every challenge that has a node
#   scripts/challenges.sh 3d 3e        # some of them
#   SEED=7 scripts/challenges.sh       # reproducible schedules (eddy only)
#   MAELSTROM=/path/to/maelstrom scripts/challenges.sh   # on the real Maelstrom
#   RESULTS=dir scripts/challenges.sh  # the records and table in dir instead
#
# Exit status: 0 if every target was met, 1 if one was missed, 255 if a run
# could not complete.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p bin
go build -o bin/eddy ./cmd/eddy

args=()
if [ -n "${SEED:-}" ]; then
  args+=(--seed "$SEED")
fi
if [ -n "${RESULTS:-}" ]; then
  args+=(--results "$RESULTS")
fi
if [ $# -eq 0 ]; then
  set -- all
fi
exec bin/eddy challenge "${args[@]}" "$@"
