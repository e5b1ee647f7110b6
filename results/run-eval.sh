#!/usr/bin/env bash
# Runs one headline evaluation (results/NAME.cmd) from a frozen checkout of the code, so
# that development in this checkout cannot leak into a running measurement:
#   git worktree add /work/eval-wt COMMIT
#   python -m venv --without-pip /work/eval-wt/.venv-frozen, with two .pth files: the
#   worktree, then this checkout's .venv site-packages (the dependencies).
# Usage: results/run-eval.sh NAME   (WT overrides the worktree's path)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
wt="${WT:-/work/eval-wt}"
name="$1"
read -r -a cmd < "$here/results/$name.cmd"
cd "$here"
exec "$wt/.venv-frozen/bin/python" -m "${cmd[@]}"
