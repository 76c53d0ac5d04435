#!/usr/bin/env bash
# The whole test suite: set up, then the nbdev sync checks, every notebook's tests, and pytest.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
export TRITON_INTERPRET=1   # Triton kernels run on the CPU interpreter in tests (set before any kernel is defined)
start=$(date +%s)

echo "== nbdev sync: nbdev_clean and nbdev_export must leave every tracked notebook and module unchanged"
snapshot() { git ls-files -z -- nbs workbench | xargs -0 sha256sum; }
before="$(snapshot)"
nbdev_clean
nbdev_export
changed="$(diff <(echo "$before") <(snapshot) | grep '^>' | awk '{print $3}' || true)"
if [ -n "$changed" ]; then
  echo "$changed"
  echo "FAIL: nbdev_clean/nbdev_export changed the files above: the notebooks and workbench/ were out of sync." >&2
  echo "      Commit what the two commands wrote (they have now been run)." >&2
  exit 1
fi

echo "== nbdev_test (every notebook's examples are tests; flags slow/gpu are skipped)"
nbdev_test --n_workers 2 --timing

echo "== pytest"
python -m pytest -q tests
echo "suite wall time: $(( $(date +%s) - start )) s"
