"""Every notebook's examples are tests: each notebook `nbdev_test` would test runs here as one test, in a fresh Python
process (`scripts/test_notebooks.py --n_workers 0`), with the same cells skipped (the `tst_flags`, `slow` and `gpu`).

As pytest items, the notebooks share one pool of workers with the other tests (`pytest -n 2` in the README's test
command), so two cores stay busy to the end. A notebook that passes is saved with its outputs to `_nbcache/` for the
documentation site (`tests/test_docs.py` runs after this pool and builds from those copies)."""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / 'scripts' / 'test_notebooks.py'

def _notebooks()->list[Path]:
    "The notebooks `nbdev_test` would test (same selection as `scripts/test_notebooks.py`)."
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        from nbdev.doclinks import nbglob
        from nbdev.test import _keep_file
        return [f.absolute() for f in sorted(nbglob(None, as_path=True, symlinks=False)) if _keep_file(f, '.notest')]
    finally: os.chdir(cwd)

NOTEBOOKS = _notebooks()

@pytest.mark.notebook
@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(f.relative_to(ROOT / 'nbs').with_suffix('')) for f in NOTEBOOKS])
def test_notebook(nb):
    env = dict(os.environ, TRITON_INTERPRET='1')   # Triton kernels on the CPU interpreter, as in `nbdev_test` here
    r = subprocess.run([sys.executable, str(RUNNER), '--n_workers', '0', '--slowest', '3', str(nb)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    print(r.stdout.strip())
    assert r.returncode == 0, f"{nb.name} failed:\n{r.stdout[-4000:]}\n{r.stderr[-8000:]}"
