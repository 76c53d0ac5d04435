#!/usr/bin/env bash
# The whole test suite: set up, then the nbdev sync checks, every notebook's tests, and pytest.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
export TRITON_INTERPRET=1   # Triton kernels run on the CPU interpreter in tests (set before any kernel is defined)
start=$(date +%s)

echo "== nbdev sync: nbdev_clean and nbdev_export must leave no tracked file changed"
nbdev_clean
nbdev_export
if [ -n "$(git status --porcelain --untracked-files=no -- nbs workbench settings.ini)" ]; then
  git status --porcelain --untracked-files=no -- nbs workbench settings.ini
  git --no-pager diff --stat -- nbs workbench
  echo "FAIL: the notebooks and workbench/ are out of sync; run nbdev_clean && nbdev_export and commit" >&2
  exit 1
fi

echo "== nbdev_test (every notebook's examples are tests; flags slow/gpu are skipped)"
nbdev_test --n_workers 2 --timing

echo "== pytest"
python -m pytest -q tests
echo "suite wall time: $(( $(date +%s) - start )) s"
