"""Every notebook's examples are tests: each notebook `nbdev_test` would test runs here as one test, in a fresh Python
process (`scripts/test_notebooks.py --n_workers 0`), with the same cells skipped (the `tst_flags`, `slow` and `gpu`).

As pytest items, the notebooks share one pool of workers with the other tests (`pytest -n 2` in the README's test
command), so two cores stay busy to the end. A notebook that passes is saved with its outputs to `_nbcache/` for the
documentation site (`tests/test_docs.py` runs after this pool and builds from those copies)."""
import importlib.util, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / 'scripts' / 'test_notebooks.py'

def _runner():
    "scripts/test_notebooks.py as a module, by its path (scripts/ is not a package)."
    spec = importlib.util.spec_from_file_location('workbench_test_notebooks', RUNNER)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

NOTEBOOKS = _runner().test_files()   # the notebooks `nbdev_test` would test

@pytest.mark.notebook
@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(f.relative_to(ROOT / 'nbs').with_suffix('')) for f in NOTEBOOKS])
def test_notebook(nb):
    # TRITON_INTERPRET=1 comes from conftest.py's environment: Triton kernels on the CPU interpreter
    r = subprocess.run([sys.executable, str(RUNNER), '--n_workers', '0', '--slowest', '3', str(nb)], cwd=ROOT,
                       capture_output=True, text=True)
    print(r.stdout.strip())
    assert r.returncode == 0, f"{nb.name} failed:\n{r.stdout[-4000:]}\n{r.stderr[-8000:]}"
