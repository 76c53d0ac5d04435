"""Build the documentation site from the notebooks, and keep README.md in step with nbs/index.ipynb.

nbdev renders its sites with Quarto, which cannot be installed here (PyPI's quarto-cli downloads a binary while it
builds; Debian has no quarto). nbdev's own Quarto configuration stays in place for those who have Quarto. This script
renders the notebooks with Sphinx + myst-nb, both from PyPI: myst-nb reads notebooks with their outputs as they are,
and Sphinx gives a search index and cross-page navigation, and builds offline. It never calls `nbdev_proc_nbs`
(which looks for Quarto, tries `sudo` and runs `pip install -e`): the build has no side effect on the environment.

Where the outputs come from. The notebooks are committed without outputs, and running all of them takes minutes,
so the pages show the outputs of the test run: `scripts/test_notebooks.py` (the README's test command runs it)
executes every notebook as nbdev's `test_nb` does (cells flagged `slow`/`gpu` skipped) and saves each notebook that
passes, with its outputs, to `_nbcache/`, keyed by the notebook's content. The docs build takes that copy when the
key matches and otherwise runs the notebook itself, the same way, first (failing if its tests fail). So the test
suite's docs test reuses the executions the notebook tests just did (no second run of the notebooks), a docs build
after a test run renders in about a minute, and the pages show exactly what the tests checked. Committing outputs
was the other choice: it makes every diff of a notebook carry megabytes of plots and goes stale silently. (The key
is the notebook's own content: a page whose notebook is unchanged keeps the outputs of its last run even if a
module it imports changed since; `--fresh` runs every notebook again.)

While a notebook runs (tests or docs), two things make its outputs fit for a static page:
- `show_doc` renders as nbdev's docs show it: the signature, the docstring and a table of the parameters from their
  docments (`TableRenderer`; nbdev 2.4's default renderer prints the signature with the docments as code comments).
  It has no "source" link: settings.ini's git_url is a placeholder repository.
- widget outputs (the explorer) become static HTML while the widgets are alive (`static_outputs`): the bokeh plots
  they hold, embedded with `bokeh.embed.components`, and the controls' values. BokehJS is copied from the bokeh
  package into the site, and MathJax 3 (npm's `mathjax`, installed by scripts/setup.sh into the venv) too: the site
  needs no network.

The pages are processed with nbdev's own processors (front matter, `#| hide`, exported cells, `show_doc` cells' input
hidden, ...; not `exec_show_docs`, the outputs exist already), and backticked names of the library link to their
entries in the site.

    python scripts/docs.py              # writes the site to _site/ (runs the notebooks whose outputs are not cached)
    python scripts/docs.py --fresh      # runs every notebook again
    python scripts/docs.py --pages 10_explorer tutorials   # a preview of some pages
    python scripts/docs.py --readme     # writes README.md from nbs/index.ipynb
    python scripts/docs.py --check-readme   # fails if README.md differs from what nbs/index.ipynb gives
"""
import argparse, html, importlib.util, inspect, json, os, re, shutil, subprocess, sys, time
from pathlib import Path
import yaml
from fastcore.docments import MarkdownRenderer, docments

ROOT = Path(__file__).resolve().parents[1]
NBS, SRC = ROOT / 'nbs', ROOT / '_docs_src'
README_HEADER = '<!-- Generated from nbs/index.ipynb by `python scripts/docs.py --readme`: edit the notebook, not this file. -->\n\n'
WIDGET_MIME, BOKEH_LOAD_MIME = 'application/vnd.jupyter.widget-view+json', 'application/vnd.bokehjs_load.v0+json'
BOKEH_JS = ('bokeh.min.js', 'bokeh-gl.min.js', 'bokeh-widgets.min.js', 'bokeh-tables.min.js')
MATHJAX_FILES = ('tex-chtml-full.js', 'output/chtml', 'ui', 'a11y', 'sre')   # what tex-chtml-full.js loads

def readme_text(index:Path=NBS / 'index.ipynb')->str:
    "README.md's text: the markdown cells of the index notebook (code cells as python blocks)."
    cells = json.loads(index.read_text())['cells']
    parts = [''.join(c['source']).strip() if c['cell_type'] == 'markdown' else f"```python\n{''.join(c['source']).strip()}\n```"
             for c in cells if ''.join(c['source']).strip()]
    return README_HEADER + '\n\n'.join(parts) + '\n'

# ---- show_doc with nbdev's parameter table

_re_qualified = re.compile(r'\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)')
def _short(s:str)->str: return _re_qualified.sub(r'\1', s)   # torch.nn.modules.module.Module -> Module

def _anno(a)->str:
    if a is inspect.Parameter.empty: return ''
    return _short(a if isinstance(a, str) else a.__name__ if isinstance(a, type) else inspect.formatannotation(a))

def _cell(s)->str: return str(s).replace('|', '\\|').replace('\n', ' ').strip()

def param_table(sym)->str:
    "nbdev's markdown table of `sym`'s parameters (type, default, details from the docments), or '' without docments."
    empty = inspect.Parameter.empty
    try:
        dm = dict(docments(sym, full=True))
        try: sig = inspect.signature(sym, eval_str=True)
        except Exception: sig = inspect.signature(sym)
    except Exception: return ''
    params = [p for n, p in sig.parameters.items() if n != 'self']
    doc = lambda n: (dm.get(n) or {}).get('docment') or ''
    if not any(doc(p.name) for p in params): return ''
    cols = ['Type'] * any(p.annotation is not empty for p in params) + ['Default'] * any(p.default is not empty for p in params) + ['Details']
    def row(name, anno, default, details):
        vals = dict(Type=f"`{_cell(_anno(anno))}`" if anno is not empty else '',
                    Default=f"`{_cell(repr(default))}`" if default is not empty else '', Details=_cell(details))
        return f"| {name} | " + ' | '.join(vals[c] for c in cols) + ' |'
    lines = ['|    | ' + ' | '.join(f'**{c}**' for c in cols) + ' |', '|' + '---|' * (len(cols) + 1)]
    star = lambda p: '*' * (p.kind == p.VAR_POSITIONAL) + '**' * (p.kind == p.VAR_KEYWORD)
    lines += [row(f"`{star(p)}{p.name}`", p.annotation, p.default, doc(p.name))
              for p in params]
    ret = sig.return_annotation if not inspect.isclass(sym) else empty
    if doc('return') or ret is not empty: lines.append(row('**Returns**', ret, empty, doc('return')))
    return '\n'.join(lines)

def _signature(name:str, sig:inspect.Signature)->str:
    "`name(params) -> return`, one parameter a line when it is long."
    star = lambda p: '*' * (p.kind == p.VAR_POSITIONAL) + '**' * (p.kind == p.VAR_KEYWORD)
    ps = [star(p) + p.name + (f':{_anno(p.annotation)}' if p.annotation is not p.empty else '') +
          (f'={p.default!r}' if p.default is not p.empty else '') for n, p in sig.parameters.items() if n != 'self']
    ret = f" -> {_anno(sig.return_annotation)}" if sig.return_annotation is not inspect.Signature.empty else ''
    one = f"{name}({', '.join(ps)}){ret}"
    return one if len(one) <= 100 else f"{name}(\n" + ''.join(f"    {p},\n" for p in ps) + f"){ret}"

class TableRenderer(MarkdownRenderer):
    "`show_doc` as nbdev's docs show it: heading, signature, docstring, and the parameter table from the docments."
    def __init__(self, sym, *args, **kwargs):
        super().__init__(sym, *args, **kwargs)
        self.is_property = isinstance(sym, property)
        if self.is_property and self.docs == 'Call self as a function.': self.docs = ''

    def _repr_markdown_(self):
        md = f"{'#' * self.title_level} {self.nm}\n\n"
        if self.is_property and self.sig is not None and self.sig.return_annotation is not inspect.Signature.empty:
            md += f"```python\n{self.nm} -> {_anno(self.sig.return_annotation)}   # property\n```\n\n"
        elif self.sig is not None: md += f"```python\n{_signature(self.nm, self.sig)}\n```\n\n"
        if self.docs: md += f"*{self.docs.strip()}*\n\n" if '\n' not in self.docs.strip() else self.docs.strip() + '\n\n'
        return md + param_table(self.sym)

def use_table_renderer():
    "Make nbdev's `show_doc` (in this process) render with `TableRenderer`."
    import nbdev.showdoc
    nbdev.showdoc.BasicMarkdownRenderer = TableRenderer

# ---- widget outputs as static HTML

def widget_html(widget)->str|None:
    "Static HTML of a live widget: the bokeh plots it holds (embedded) and its controls' values; None without plots."
    from jupyter_bokeh.widgets import BokehModel
    from bokeh.embed import components
    plots, controls = [], []
    def walk(w):
        if isinstance(w, BokehModel): plots.append(w._model); return
        if getattr(w, 'description', '') and hasattr(w, 'value') and not isinstance(getattr(w, 'value'), (dict, list)):
            controls.append(f"{html.escape(str(w.description))}: <b>{html.escape(str(w.value))}</b>")
        for c in getattr(w, 'children', ()) or (): walk(c)
    walk(widget)
    if not plots: return None
    script, divs = components(plots)
    ctl = f'<p class="widget-controls">{" · ".join(controls)}</p>' if controls else ''
    wide = ' wide' if controls else ''   # a whole explorer: its responsive plots get room (the page scrolls sideways)
    return f'<div class="static-widget{wide}">{ctl}<div class="bokeh-plots">{"".join(divs)}</div>{script}</div>'

def static_outputs(cell):
    "After a cell ran: widget outputs become `widget_html` (or are dropped), BokehJS loader outputs are dropped."
    if not cell.get('outputs'): return
    from ipywidgets.widgets.widget import _instances
    outs = []
    for o in cell['outputs']:
        data = o.get('data') or {}
        if BOKEH_LOAD_MIME in data: continue          # BokehJS itself, inline: the site has its own copy
        if o.get('output_type') in ('display_data', 'execute_result') and not data: continue
        if WIDGET_MIME in data:
            try: h = widget_html(_instances[data[WIDGET_MIME]['model_id']])
            except Exception as e:
                print(f"[docs] a widget output could not be made static ({type(e).__name__}: {e}); it is left out", file=sys.stderr)
                h = None
            if h is None: continue
            o = dict(o, data={'text/html': h}, metadata={})
        outs.append(o)
    cell['outputs'] = outs

# ---- executed notebooks

def _runner():
    if 'test_notebooks' not in sys.modules:
        spec = importlib.util.spec_from_file_location('test_notebooks', Path(__file__).with_name('test_notebooks.py'))
        mod = importlib.util.module_from_spec(spec); sys.modules['test_notebooks'] = mod; spec.loader.exec_module(mod)
    return sys.modules['test_notebooks']

def executed(files:list, n_workers:int=2, fresh:bool=False)->tuple[dict, int]:
    "The executed copy of each notebook of `files` ({notebook: path}), from the cache or run now (as the tests run them); and how many ran."
    from nbdev.config import get_config
    tn, cfg = _runner(), get_config()
    flags = set(cfg.tst_flags.split())
    todo = [f for f in files if fresh or not tn.cache_path(f, flags).exists()]
    if todo:
        print(f"docs: running {len(todo)} of {len(files)} notebooks (their outputs are not in _nbcache/)", flush=True)
        res = tn.run_notebooks(todo, sorted(flags), (), n_workers, cfg.config_path)
        failed = [f.name for f, (ok, _) in res.items() if not ok]
        if failed: sys.exit(f"docs: these notebooks fail their tests, so their pages cannot be built: {', '.join(failed)}\n"
                             "      fix them (python scripts/test_notebooks.py NOTEBOOK shows the error), then build again")
    return {f: tn.cache_path(f, flags) for f in files}, len(todo)

# ---- processing and conversion for myst-nb

def doc_procs()->list:
    "nbdev's docs processors (`FilterDefaults`), less those that execute or only serve Quarto."
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.processors import (populate_language, strip_ansi, hide_line, filter_stream_, rm_header_dash, clean_show_doc,
                                  rm_export, ai_magics, clean_magics, hide_, strip_hidden_metadata)
    return [FrontmatterProc, populate_language, strip_ansi, hide_line, filter_stream_, rm_header_dash, clean_show_doc,
            rm_export, ai_magics, clean_magics, hide_, strip_hidden_metadata]

def process(nb_path:Path, source:Path)->dict:
    "Notebook `nb_path` (an executed copy of `source`) processed by nbdev's docs processors, as a plain dict."
    from execnb.nbio import read_nb, nb2dict
    from nbdev.process import NBProcessor
    nb = read_nb(nb_path); nb.path_ = str(source)
    return nb2dict(NBProcessor(nb=nb, procs=doc_procs(), process=True).nb)

def doc_links(pages:list)->dict:
    "{name: 'page.html#anchor'} for the library's public names (short and full), from nbdev's index of the modules."
    from docutils.nodes import make_id
    spec = importlib.util.spec_from_file_location('_modidx', ROOT / 'workbench' / '_modidx.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    page_of = {}
    for p in pages:
        src = '\n'.join(''.join(c['source']) for c in json.loads((NBS / p).with_suffix('.ipynb').read_text())['cells'])
        m = re.search(r'^\s*#\|\s*default_exp\s+(\S+)', src, re.M)
        if m: page_of[f'workbench.{m.group(1)}'] = p.with_suffix('.html').as_posix()
    links = {}
    for modname, syms in mod.d['syms'].items():
        if modname not in page_of: continue
        for full, (doc, _) in syms.items():
            short = full[len(modname) + 1:]
            if any(part.startswith('_') for part in short.split('.')): continue
            target = f"{page_of[modname]}#{make_id(doc.partition('#')[2])}"
            links.setdefault(full, target); links.setdefault(short, target)
    return links

_re_backticks = re.compile(r'`([^`\s]+?)(\(\))?`')
def linkify(md:str, links:dict, depth:int)->str:
    "Backticked library names in markdown `md` (outside code blocks) as links to their entries; `depth`: the page's folder depth."
    out, fence = [], False
    for line in md.split('\n'):
        if line.lstrip().startswith('```'): fence = not fence
        elif not fence and not line.startswith('    '):
            line = _re_backticks.sub(lambda m: f'<a href="{"../" * depth}{links[m.group(1)]}"><code>{html.escape(m.group(1) + (m.group(2) or ""))}</code></a>'
                                     if m.group(1) in links else m.group(0), line)
        out.append(line)
    return '\n'.join(out)

def _directives(src:str)->tuple[dict, str]:
    "nbdev/Quarto `#| key: value` lines at the top of a code cell, and the rest of the source."
    opts, lines = {}, src.splitlines()
    while lines and lines[0].startswith('#|'):
        key, _, val = lines.pop(0)[2:].strip().partition(':')
        opts[key.strip()] = val.strip() or True
    return opts, '\n'.join(lines)

def _clean(output:dict, links:dict, depth:int)->dict:
    "A markdown output ready for MyST: Pandoc's '---' rules and link attributes dropped, library names linked."
    md = output.get('data', {}).get('text/markdown')
    if md is None: return output
    text = ''.join(md) if isinstance(md, list) else md
    text = '\n'.join(l for l in text.splitlines() if l.strip() != '---')
    text = re.sub(r'\{target="_blank"[^}]*\}', '', text)   # a Pandoc link attribute, shown literally by MyST
    return dict(output, data=dict(output['data'], **{'text/markdown': linkify(text, links, depth)}))

def convert(nb:dict, dst:Path, links:dict|None=None, depth:int=0):
    "A processed notebook, made ready for myst-nb: front matter as a title, Quarto cell options as tags, names linked."
    links = links or {}
    cells = []
    for c in nb['cells']:
        text = ''.join(c['source'])
        if c['cell_type'] == 'raw' and text.startswith('---'):
            fm = yaml.safe_load(text.strip().strip('-')) or {}
            head = f"# {fm.get('title', dst.stem)}" + (f"\n\n> {fm['description']}" if fm.get('description') else '')
            cells.append(dict(cell_type='markdown', metadata={}, source=head)); continue
        if c['cell_type'] == 'markdown':
            if 'AUTOGENERATED! DO NOT EDIT' in text: continue
            c = dict(c, source=linkify(text, links, depth))
        if c['cell_type'] == 'code':
            opts, body = _directives(text)
            if opts.get('include') == 'false' or 'hide' in opts: continue
            tags = list(c.get('metadata', {}).get('tags', []))
            if opts.get('echo') == 'false': tags.append('remove-input')
            c = dict(c, source=body, metadata=dict(c.get('metadata', {}), tags=tags),
                     outputs=[_clean(o, links, depth) for o in c.get('outputs', [])])
        cells.append(c)
    keys = dict(code=('cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count'),
                markdown=('cell_type', 'id', 'metadata', 'source'), raw=('cell_type', 'id', 'metadata', 'source'))
    nb = dict(nb, cells=[dict({k: c[k] for k in keys[c['cell_type']] if k in c}, id=c.get('id') or f'cell{i}')
                         for i, c in enumerate(cells)])   # nbdev's processing leaves extra keys that nbformat refuses
    nb.setdefault('nbformat', 4); nb.setdefault('nbformat_minor', 5)
    for c in nb['cells']:
        if c['cell_type'] == 'code': c.setdefault('outputs', []); c.setdefault('execution_count', None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))

# ---- offline assets and Sphinx

def mathjax_dir()->Path:
    "MathJax 3's es5 folder: $WORKBENCH_MATHJAX, or npm's package that scripts/setup.sh installs into the venv."
    d = Path(os.environ.get('WORKBENCH_MATHJAX') or Path(sys.prefix) / 'share' / 'mathjax' / 'node_modules' / 'mathjax' / 'es5')
    if not (d / MATHJAX_FILES[0]).exists():
        sys.exit(f"docs: MathJax 3 is not installed ({d / MATHJAX_FILES[0]} is missing). Run scripts/setup.sh, which runs\n"
                 f"      `npm install --prefix {Path(sys.prefix) / 'share' / 'mathjax'} mathjax@3.2.2` (npm from Debian: apt-get install npm),\n"
                 "      or set WORKBENCH_MATHJAX to the es5 folder of a MathJax 3 copy")
    return d

def static_assets(static:Path):
    "Copy MathJax 3 and BokehJS into the site's `_static/` (the pages load them from there, not from a CDN)."
    from bokeh.util.paths import bokehjs_path
    mj = mathjax_dir()
    (static / 'mathjax').mkdir(parents=True, exist_ok=True)
    for f in MATHJAX_FILES:
        (shutil.copytree if (mj / f).is_dir() else shutil.copy2)(mj / f, static / 'mathjax' / f)
    (static / 'workbench.css').write_text(CSS)
    (static / 'bokeh').mkdir(parents=True, exist_ok=True)
    for f in BOKEH_JS: shutil.copy2(Path(bokehjs_path()) / 'js' / f, static / 'bokeh' / f)

CSS = (".static-widget { overflow-x: auto; margin: .5em 0 1em; }\n.static-widget.wide .bokeh-plots { min-width: 1100px; }\n"
       ".widget-controls { font-size: .85em; margin-bottom: .4em; }\n")

CONF = '''project = "workbench"
author = "workbench contributors"
extensions = ["myst_nb"]
nb_execution_mode = "off"                 # the outputs come from scripts/test_notebooks.py's runs (see scripts/docs.py)
nb_render_markdown_format = "myst"       # show_doc's parameter tables and maths in markdown outputs
nb_ipywidgets_js = {{}}                  # widget outputs are static HTML: no widget manager from a CDN
myst_enable_extensions = ["dollarmath", "colon_fence"]
mathjax_path = "mathjax/tex-chtml-full.js"   # MathJax 3 from npm, copied into _static (no CDN)
html_static_path = ["_static"]
html_css_files = ["workbench.css"]
html_theme = "furo"
html_title = "workbench"
exclude_patterns = ["_build", "_static"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
BOKEH_JS = {bokeh_js!r}

def _bokeh_js(app, pagename, templatename, context, doctree):
    "BokehJS (copied from the bokeh package into _static/bokeh) on the pages that embed bokeh plots."
    if "Bokeh" in (context.get("body") or ""):
        for f in BOKEH_JS: app.add_js_file("bokeh/" + f)

def setup(app): app.connect("html-page-context", _bokeh_js)
'''

def build(out:Path=ROOT / '_site', n_workers:int=2, fresh:bool=False, only:list|None=None)->dict:
    "Run the notebooks whose outputs are not cached, process and convert them, and render the site; timings and pages."
    t0 = time.time()
    tn = _runner()
    pages = [nb.relative_to(NBS).with_suffix('') for nb in sorted(NBS.rglob('*.ipynb'))
             if not any(part.startswith(('_', '.')) for part in nb.relative_to(NBS).parts) and nb.name != 'index.ipynb']
    if only: pages = [p for p in pages if any(re.search(o, p.as_posix()) for o in only)]
    tested = {f.resolve() for f in tn.test_files()}
    runs, ran = executed([NBS / p.with_suffix('.ipynb') for p in pages if (NBS / p.with_suffix('.ipynb')).resolve() in tested], n_workers, fresh)
    t1 = time.time()
    shutil.rmtree(SRC, ignore_errors=True); (SRC / '_static').mkdir(parents=True)
    links = doc_links(pages)
    for p in pages:
        nb = NBS / p.with_suffix('.ipynb')
        convert(process(runs.get(nb, nb), nb), SRC / p.with_suffix('.ipynb'), links, len(p.parts) - 1)
    index_body = '\n'.join(l for l in readme_text().splitlines() if not l.startswith('<!-- Generated'))
    lib = [p for p in pages if len(p.parts) == 1]
    tut = [p for p in pages if p.parts[0] == 'tutorials']
    exp = [p for p in pages if p.parts[0] == 'experiments']
    toc = lambda cap, ps: f"\n```{{toctree}}\n:caption: {cap}\n:maxdepth: 1\n\n" + '\n'.join(p.as_posix() for p in ps) + "\n```\n"
    (SRC / 'index.md').write_text(index_body + '\n' + toc('Library', lib) + toc('Tutorials', tut) + toc('Experiments', exp))
    (SRC / 'conf.py').write_text(CONF.format(bokeh_js=BOKEH_JS))
    static_assets(SRC / '_static')
    t2 = time.time()
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-j', str(max(1, n_workers)), str(SRC), str(out)],
                   cwd=ROOT, check=True)
    t3 = time.time()
    return dict(run_s=round(t1 - t0, 1), proc_s=round(t2 - t1, 1), sphinx_s=round(t3 - t2, 1), total_s=round(t3 - t0, 1),
                ran=ran, pages=[str(p) for p in pages], out=str(out))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(ROOT / '_site'))
    ap.add_argument('--n_workers', type=int, default=2, help='processes for the notebooks to run, and for Sphinx')
    ap.add_argument('--fresh', action='store_true', help='run every notebook again (ignore the outputs in _nbcache/)')
    ap.add_argument('--pages', nargs='*', help='build only the pages whose path matches one of these regular expressions (a preview)')
    ap.add_argument('--readme', action='store_true', help='write README.md from nbs/index.ipynb and stop')
    ap.add_argument('--check-readme', action='store_true', help='fail if README.md is not what nbs/index.ipynb gives')
    a = ap.parse_args()
    if a.readme: (ROOT / 'README.md').write_text(readme_text()); print('README.md written from nbs/index.ipynb'); sys.exit(0)
    if a.check_readme:
        if (ROOT / 'README.md').read_text() != readme_text():
            sys.exit("README.md differs from nbs/index.ipynb: edit the notebook, then run `python scripts/docs.py --readme`")
        print('README.md matches nbs/index.ipynb'); sys.exit(0)
    r = build(Path(a.out), a.n_workers, a.fresh, a.pages)
    print(f"docs: {len(r['pages'])} pages in {r['out']} in {r['total_s']} s (running {r['ran']} notebooks {r['run_s']} s, "
          f"processing {r['proc_s']} s, sphinx {r['sphinx_s']} s)")
