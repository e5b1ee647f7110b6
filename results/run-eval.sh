#!/usr/bin/env bash
# Runs one headline evaluation (results/NAME.cmd) from a frozen checkout of the code at
# the commit in results/COMMIT, so that development in this checkout cannot leak into a
# running measurement (the eval's workers are fresh processes that import the code).
# Creates, when missing: a git worktree at that commit (WT, default /work/eval-wt) and a
# venv there whose two .pth files put the worktree first and this checkout's .venv
# packages second. Usage: results/run-eval.sh builtin|miniwob|webdreamer
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
name="${1:?usage: results/run-eval.sh NAME (a results/NAME.cmd)}"
wt="${WT:-/work/eval-wt}"
# (a run may name its own commit in NAME.commit; else results/COMMIT)
commit_file="$here/results/$name.commit"
[ -f "$commit_file" ] || commit_file="$here/results/COMMIT"
commit="$(cat "$commit_file")"
if [ ! -d "$wt" ]; then
  git -C "$here" worktree add --detach "$wt" "$commit"
fi
if [ "$(git -C "$wt" rev-parse --short HEAD)" != "$(git -C "$here" rev-parse --short "$commit")" ]; then
  echo "error: $wt is not at $commit ($commit_file); move it or set WT" >&2
  exit 2
fi
if [ ! -x "$wt/.venv-frozen/bin/python" ]; then
  "$here/.venv/bin/python" -m venv --without-pip "$wt/.venv-frozen"
  site="$("$wt/.venv-frozen/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  deps="$("$here/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$wt" > "$site/00-frozen-code.pth"
  echo "$deps" > "$site/01-deps.pth"
fi
read -r -a cmd < "$here/results/$name.cmd"
cd "$here"  # for the command's relative --out; PYTHONSAFEPATH keeps it off sys.path,
export PYTHONSAFEPATH=1  # in this process and in the workers and server it starts
exec "$wt/.venv-frozen/bin/python" -m "${cmd[@]}"
