"""The documentation site builds from the notebooks: a page per exported module, tutorial and experiment; the
`show_doc` tables render; the home page is the README (itself generated from nbs/index.ipynb)."""
import json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_readme_is_generated_from_the_index_notebook():
    r = subprocess.run([sys.executable, 'scripts/docs.py', '--check-readme'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_docs_site_builds(tmp_path):
    site = tmp_path / 'site'
    r = subprocess.run([sys.executable, 'scripts/docs.py', '--out', str(site)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(r.stdout.strip().splitlines()[-1])
    modules = [nb for nb in sorted((ROOT / 'nbs').glob('[0-9]*.ipynb'))
               if any('default_exp' in ''.join(c['source']) for c in json.loads(nb.read_text())['cells'])]
    assert len(modules) >= 14
    for nb in modules:
        page = site / f'{nb.stem}.html'
        assert page.exists(), page
    tutorials = sorted((ROOT / 'nbs' / 'tutorials').glob('*.ipynb'))
    assert tutorials and all((site / 'tutorials' / f'{t.stem}.html').exists() for t in tutorials)
    kernels = (site / '12_kernels.html').read_text()
    assert 'fake_quantize' in kernels and 'int8_gemm' in kernels and '{target=' not in kernels
    assert 'the last dimension holds the columns' in kernels     # show_doc's signature with its docments
    assert 'Two commands' in (site / 'index.html').read_text()  # the README as the home page
