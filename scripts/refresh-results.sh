#!/usr/bin/env bash
# For maintainers: reruns challenges and rewrites the committed results/
# (<id>.json and the generated README.md) from them; then copy the table
# into the README's "Latest results" and commit. Takes what
# scripts/challenges.sh takes:
#
#   SEED=20261201 scripts/refresh-results.sh          # every challenge
#   SEED=20261201 scripts/refresh-results.sh 3d 3e    # some of them
#
# Exit status as scripts/challenges.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS="$root/results" exec "$root/scripts/challenges.sh" "$@"
