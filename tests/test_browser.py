"""Real browser test of the live explorer: JupyterLab on loopback, Debian's chromium driven by Playwright.

It opens `nbs/experiments/explore.ipynb` (a copy), runs it, moves the activation-bits slider from 8 to 4 and the
block slider from 0 to 3, and checks that the change reached the browser: the bokeh grid source in the page holds
the 4-bit grid, the histogram's canvas pixels changed (it re-drew), and the titles and data name block 3 and W8A4.
Then it re-renders the plots three ways and checks after each that every view in the page shows exactly that
state, not the start state (block 0, 255 levels, one top-1 bar):

- a notebook tab switch (another notebook opened, then the explorer's tab brought back);
- the explorer displayed again in a new cell (a new view of the same widget, drawn from its stored state);
- a page reload with the kernel alive (the notebook saved first; the widgets come back from the kernel).

Screenshots of each state go to tests/artifacts/ (git-ignored): explorer.png (after the change),
explorer_tab_switch.png, explorer_redisplay.png, explorer_reload.png.
"""
import json, os, re, shutil, socket, subprocess, sys, time, secrets, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / 'tests' / 'artifacts'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

def _free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _other_notebook(path:Path):
    "A second notebook to switch tabs to (one markdown cell)."
    nb = json.loads((ROOT / 'nbs' / 'experiments' / 'explore.ipynb').read_text())
    nb['cells'] = [dict(cell_type='markdown', id='other', metadata={}, source=['Another notebook, to switch tabs to.'])]
    path.write_text(json.dumps(nb))

@pytest.fixture
def jupyterlab(tmp_path):
    "A JupyterLab server on 127.0.0.1 with a random token, serving a copy of the explorer notebook and another notebook."
    shutil.copy(ROOT / 'nbs' / 'experiments' / 'explore.ipynb', tmp_path / 'explore.ipynb')
    _other_notebook(tmp_path / 'other.ipynb')
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(tmp_path / 'cfg'), 'JUPYTER_RUNTIME_DIR': str(tmp_path / 'rt'),
           'JUPYTERLAB_SETTINGS_DIR': str(tmp_path / 'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(tmp_path / 'ws'),
           'OMP_NUM_THREADS': '1'}
    notes = tmp_path / 'settings' / '@jupyterlab' / 'apputils-extension'   # no "Jupyter news?" prompt over the screenshot
    notes.mkdir(parents=True)
    (notes / 'notification.jupyterlab-settings').write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = open(tmp_path / 'jupyterlab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={tmp_path}',
                             '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
                             '--ServerApp.port_retries=0', '--LabApp.extension_manager=readonly',
                             *(['--allow-root'] if os.geteuid() == 0 else [])],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
            except OSError:
                if proc.poll() is not None: break
                time.sleep(0.5)
        else: pytest.fail('JupyterLab did not answer within 60 s')
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
        yield url, token, tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try: proc.wait(20)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, 9)
        log.close()

GRID_LEVELS_JS = """() => {
  for (const doc of (window.Bokeh ? window.Bokeh.documents : [])) {
    const src = doc.get_model_by_name('grid');
    if (src) return src.data.x0.length;
  }
  return -1;
}"""

HIST_FIGURE = 2   # the explorer's figures in layout order: channels, peaks, histogram, SQNR, top-1
CANVAS_JS = """() => {
  // bokeh 3 draws each figure into canvases inside shadow roots: the histogram figure's pixels, as data URLs
  const figures = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.classList && el.classList.contains('bk-Figure')) figures.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const fig = figures[%d];
  if (!fig) return '';
  const canvases = [];
  const collect = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') canvases.push(el.toDataURL());
      if (el.shadowRoot) collect(el.shadowRoot);
    }
  };
  collect(fig.shadowRoot || fig);
  return canvases.join('|');
}""" % HIST_FIGURE

TOP1_JS = """() => {
  for (const doc of (window.Bokeh ? window.Bokeh.documents : [])) {
    const src = doc.get_model_by_name('top1');
    if (src) return src.data.config.join('\\n');
  }
  return '';
}"""

# What every explorer view in the page shows: the five titles and the data that follow the controls, one entry per
# bokeh document that holds the explorer's plots (a document per view; a cleared one has no models left)
VIEWS_JS = """() => {
  const views = [];
  for (const doc of (window.Bokeh ? window.Bokeh.documents : [])) {
    const get = (name) => doc.get_model_by_name(name);
    if (!get('grid') || !get('hist_plot')) continue;
    const titles = {};
    for (const f of ['channels', 'peaks', 'hist', 'sqnr', 'top1']) titles[f] = get(f + '_plot').title.text;
    const d = (name) => get(name).data;
    views.push({titles, grid_levels: d('grid').x0.length, selected_block: Array.from(d('selected').x),
                channels: d('channels').x.length, top1: Array.from(d('top1').config),
                sqnr_layers: Array.from(d('sqnr').layer).length, x_label: get('channels_plot').below[0].axis_label});
  }
  return views;
}"""

def _views(page)->list[dict]: return page.evaluate(VIEWS_JS)

def _wait_views(page, n:int, want:dict, timeout:int=60_000):
    "Wait until the page has at least `n` explorer views and every one shows `want` (then return them)."
    page.evaluate('(w) => { window.__wb_want = JSON.stringify(w); }', want)
    try:
        page.wait_for_function(f'(n) => {{ const v = ({VIEWS_JS})(); return v.length >= n && '
                               f'v.every(x => JSON.stringify(x) === window.__wb_want); }}', arg=n, timeout=timeout)
    except Exception as e:
        raise AssertionError(f'the plots do not show the current settings: {json.dumps(_views(page), indent=1)}\n'
                             f'want ({n} view(s)): {json.dumps(want, indent=1)}') from e
    return _views(page)

def _shot(page, name:str)->Path:
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path

def _open_and_run(page, url:str, token:str):
    "Open the explorer notebook, wait for its kernel, run all cells, and wait for the plots and the first top-1."
    page.goto(f'{url}/lab/tree/explore.ipynb?token={token}', timeout=60_000)
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60_000)
    # the kernel must be up before "Run All", or JupyterLab asks which kernel to start
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000)
    page.locator('.jp-Toolbar-kernelName').filter(has_text='Python 3').wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    dialog = page.locator('.jp-Dialog')
    if dialog.count(): dialog.locator('.jp-mod-accept').click()   # "Select Kernel": take the default
    page.get_by_role('menuitem', name='Run', exact=True).click()
    page.get_by_text('Run All Cells', exact=True).click()
    page.locator('.widget-slider', has=page.get_by_text('act. bits', exact=True)).wait_for(timeout=120_000)
    page.wait_for_function(f'({GRID_LEVELS_JS})() > 16', timeout=60_000)
    page.wait_for_function(f'({TOP1_JS})().includes("W8A8")', timeout=120_000)   # the start-up evaluation

def _press(page, label:str, key:str, times:int):
    "Move the slider labelled `label` with the keyboard."
    handle = page.locator('.widget-slider', has=page.get_by_text(label, exact=True)).first.locator('.noUi-handle')
    handle.focus()
    for _ in range(times): handle.press(key)

def _readout(page, label:str)->str:
    return page.locator('.widget-slider', has=page.get_by_text(label, exact=True)).first.locator('.widget-readout').inner_text()

def _check_current(state:dict):
    "The state after the change names block 3 and W8A4 everywhere: titles, grid, selected block, top-1 bars."
    t = state['titles']
    assert 'block 3' in t['channels'], t
    levels = int(re.search(r'grid: (\d+)\+? levels', t['hist']).group(1))
    assert levels == state['grid_levels'] <= 16, (t['hist'], state['grid_levels'])
    assert state['selected_block'] == [3] and 'baseline' in t['peaks'], state
    assert 'baseline ptq W8A4 int tensor' in state['top1'] and 'W8A4' in t['top1'], state
    assert state['x_label'] == 'channel' and state['sqnr_layers'] == 30, state

def test_explorer_in_jupyterlab(jupyterlab):
    if CHROMIUM is None:
        msg = "Debian's chromium is not installed (scripts/test.sh installs it with apt-get install chromium)"
        if os.environ.get('CI'): pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright
    url, token, folder = jupyterlab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--disable-quic'])
        try:
            page = browser.new_page(viewport={'width': 1400, 'height': 1600})
            _open_and_run(page, url, token)
            page.wait_for_timeout(1000)                      # let the histogram finish drawing
            start = _views(page)[0]
            before_levels, before_pixels = page.evaluate(GRID_LEVELS_JS), page.evaluate(CANVAS_JS)
            assert before_pixels, 'no histogram canvas in the page'
            _press(page, 'act. bits', 'ArrowLeft', 4)       # 8 -> 4 activation bits
            page.wait_for_function(f'({GRID_LEVELS_JS})() <= 16', timeout=30_000)
            page.evaluate('(p) => { window.__wb_before = p; }', before_pixels)
            page.wait_for_function(f'() => ({CANVAS_JS})() !== window.__wb_before', timeout=30_000)  # it re-drew
            after_levels = page.evaluate(GRID_LEVELS_JS)
            _press(page, 'block', 'ArrowRight', 3)          # block 0 -> 3
            page.wait_for_function(f'({TOP1_JS})().includes("W8A4")', timeout=120_000)   # the background run at A4
            page.wait_for_function(f'() => ({VIEWS_JS})()[0].titles.channels.includes("block 3")', timeout=30_000)
            page.wait_for_timeout(1500)                      # nothing else is on its way
            now = _views(page)[0]
            _check_current(now)
            assert start['titles'] != now['titles'] and start['grid_levels'] > 16 and len(start['top1']) == 2, start
            status = page.locator('.widget-html').filter(has_text='grid levels in use').first.inner_text()
            assert 'A4' in status and 'block 3' in status, status
            shots = [_shot(page, 'explorer.png')]

            # 1. a notebook tab switch: open another notebook, then bring the explorer's tab back
            page.locator('.jp-DirListing-item', has_text='other.ipynb').dblclick()
            page.locator('.jp-Notebook .jp-Cell', has_text='Another notebook').wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.locator('.lm-TabBar-tab', has_text='explore.ipynb').click()
            page.wait_for_timeout(1500)
            _wait_views(page, 1, now)
            assert (_readout(page, 'act. bits'), _readout(page, 'block')) == ('4', '3')
            shots.append(_shot(page, 'explorer_tab_switch.png'))

            # 2. the explorer displayed again: a new view of the same widget, drawn from its stored state
            cells = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')
            cells.last.locator('.jp-InputArea-editor').click()
            page.keyboard.press('Escape'); page.keyboard.press('b'); page.keyboard.press('Enter')
            page.keyboard.type('explorer'); page.keyboard.press('Shift+Enter')
            views = _wait_views(page, 2, now)
            shots.append(_shot(page, 'explorer_redisplay.png'))

            # 3. a page reload with the kernel alive: the notebook is saved (its outputs name the widgets), the page
            #    reloaded, and the widgets come back from the kernel
            page.keyboard.press('Control+s')
            page.wait_for_function("() => ![...document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty')]"
                                   ".some(t => t.textContent.includes('explore.ipynb'))", timeout=60_000)   # saved
            page.reload(timeout=60_000)
            page.locator('.widget-slider', has=page.get_by_text('act. bits', exact=True)).first.wait_for(timeout=120_000)
            # JupyterLab draws only the cells in the viewport (windowed notebooks): the views present must all show the
            # current state, first at the top, then with the re-displayed one scrolled into view
            reloaded = _wait_views(page, 1, now)
            page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell').last.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)
            reloaded = _wait_views(page, 1, now)
            assert (_readout(page, 'act. bits'), _readout(page, 'block')) == ('4', '3')
            page.wait_for_timeout(1000)
            shots.append(_shot(page, 'explorer_reload.png'))
            print(f'grid levels in the browser: {before_levels} -> {after_levels}; status: {status!r}; '
                  f'views after tab switch 1, after re-display {len(views)}, after reload {len(reloaded)}, all showing '
                  f'{now["titles"]["hist"]!r} and {now["top1"]}; screenshots {[str(s) for s in shots]}')
            assert before_levels > 16 >= after_levels
        finally:
            browser.close()
