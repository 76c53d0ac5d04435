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

echo "== every notebook's examples (as nbdev_test runs them: flags slow/gpu skipped) and the tests in tests/, on 2 workers"
# One pool for both (tests/test_notebooks.py runs each notebook in a fresh process), longest first, so both cores stay
# busy to the end; one torch thread per process, as two processes share the two cores.
OMP_NUM_THREADS=1 python -m pytest -q -n 2 --durations=20 --ignore tests/test_docs.py tests   # the slowest listed
echo "== the documentation site, built from the notebooks' executed copies (_nbcache/, written by the step above)"
python -m pytest -q tests/test_docs.py
echo "suite wall time: $(( $(date +%s) - start )) s"
