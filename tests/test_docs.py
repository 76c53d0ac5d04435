"""The documentation site builds from the notebooks: a page per exported module, tutorial and experiment; every module
page has nbdev's parameter tables; the explorer and tutorial pages embed their bokeh plots (BokehJS from the site);
maths is rendered by the site's own MathJax (no CDN, no placeholder links); the build leaves the environment as it
was (`pip freeze` unchanged); the home page is the README (itself generated from nbs/index.ipynb).

The build takes the notebooks' outputs from `_nbcache/`, which `scripts/test_notebooks.py` fills (the README's test
command runs every notebook through `tests/test_notebooks.py` first, then this file on its own); notebooks without a
cached run are run by the build, which then takes minutes."""
import json, re, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.after_notebooks

ROOT = Path(__file__).resolve().parents[1]

def test_readme_is_generated_from_the_index_notebook():
    r = subprocess.run([sys.executable, 'scripts/docs.py', '--check-readme'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def _freeze(): return subprocess.run([sys.executable, '-m', 'pip', 'freeze'], capture_output=True, text=True, check=True).stdout

def _scripts(page:str)->list[str]: return re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)

def test_docs_site_builds(tmp_path):
    site, before = tmp_path / 'site', _freeze()
    r = subprocess.run([sys.executable, 'scripts/docs.py', '--out', str(site)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(r.stdout.strip().splitlines()[-1])
    assert _freeze() == before, 'the docs build changed the environment (pip freeze differs)'
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob('*.html')}

    modules = [nb for nb in sorted((ROOT / 'nbs').glob('[0-9]*.ipynb'))
               if any('default_exp' in ''.join(c['source']) for c in json.loads(nb.read_text())['cells'])]
    assert len(modules) >= 14
    for nb in modules:   # nbdev's parameter table (a 'Details' column from the docments) on every module page
        page = pages.get(f'{nb.stem}.html')
        assert page is not None, f'{nb.stem}.html is missing'
        assert re.search(r'<table.*?<th[^>]*>(<p>)?<strong>Details</strong>', page, re.S), f'{nb.stem}.html has no parameter table'
    tutorials = sorted((ROOT / 'nbs' / 'tutorials').glob('*.ipynb'))
    assert tutorials and all(f'tutorials/{t.stem}.html' in pages for t in tutorials)

    kernels = pages['12_kernels.html']
    assert 'fake_quantize' in kernels and 'int8_gemm' in kernels
    assert 'the last dimension holds the columns' in kernels     # a docment, in the parameter table
    assert 'Two commands' in pages['index.html']                # the README as the home page

    # the explorer and the tutorial show their plots: bokeh documents embedded, BokehJS loaded from the site
    for name in ['10_explorer.html'] + [f'tutorials/{t.stem}.html' for t in tutorials]:
        page = pages[name]
        assert page.count('data-root-id=') >= 1 and 'Bokeh.embed.embed_items' in page, f'{name} has no bokeh plot'
        bokeh_js = [s for s in _scripts(page) if s.split('?')[0].endswith('bokeh/bokeh.min.js')]
        assert bokeh_js and (site / name).parent.joinpath(bokeh_js[0].split('?')[0]).resolve().exists(), f'{name}: BokehJS not in the site'
    assert pages[f'tutorials/{tutorials[0].stem}.html'].count('data-root-id=') >= 4   # one figure per section

    # maths rendered offline by the site's MathJax 3; nothing loaded from the network; no placeholder links
    with_maths = [n for n, p in pages.items() if 'class="math notranslate' in p]
    assert with_maths, 'no page has maths'
    for n in with_maths:
        mj = [s for s in _scripts(pages[n]) if 'mathjax' in s.lower()]
        assert mj and not mj[0].startswith(('http:', 'https:', '//')), f'{n}: MathJax is not local: {mj}'
        assert (site / n).parent.joinpath(mj[0].split('?')[0]).resolve().exists(), f'{n}: {mj[0]} is not in the site'
    for n, p in pages.items():
        remote = [s for s in _scripts(p) if s.startswith(('http:', 'https:', '//'))]
        assert not remote, f'{n} loads scripts from the network: {remote}'
        for bad in ('github.com/workbench/workbench', 'workbench.github.io', '{target=', 'cdn.jsdelivr', 'unpkg.com', 'cdnjs'):
            assert bad not in p, f'{n} contains {bad!r}'
        assert not re.search(r'\]\((https?://|[\w./-]+\.(html|ipynb))', p), f'{n} has a raw markdown link'
