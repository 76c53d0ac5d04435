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

python scripts/docs.py --check-readme   # README.md is generated from nbs/index.ipynb

echo "== nbdev_test (every notebook's examples are tests; flags slow/gpu are skipped)"
python scripts/test_notebooks.py --n_workers 2   # nbdev_test's selection and flags, one fresh process per notebook

# The browser test drives Debian's chromium with Playwright (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[setup] installing Debian's chromium for the browser test: apt-get install chromium"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      || echo "[setup] apt-get install chromium failed: the browser test will fail in CI (skip elsewhere)" >&2
  else
    echo "[setup] chromium is missing: 'sudo apt-get install chromium' to run the browser test (it is skipped outside CI)" >&2
  fi
fi

echo "== pytest"
python -m pytest -q --durations=20 tests   # the slowest tests listed at the end
echo "suite wall time: $(( $(date +%s) - start )) s"
