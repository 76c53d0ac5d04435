"""Real browser test of the live explorer: JupyterLab on loopback, Debian's chromium driven by Playwright.

It opens `nbs/experiments/explore.ipynb` (a copy), runs it, moves the activation-bits slider from 8 to 4, and checks
that the change reached the browser: the bokeh grid source in the page holds the 4-bit grid, and the plot's canvas
pixels changed (it re-rendered). A screenshot is saved to tests/artifacts/explorer.png.
"""
import os, shutil, socket, subprocess, sys, time, secrets, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / 'tests' / 'artifacts'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

def _free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture
def jupyterlab(tmp_path):
    "A JupyterLab server on 127.0.0.1 with a random token, serving a copy of the explorer notebook."
    shutil.copy(ROOT / 'nbs' / 'experiments' / 'explore.ipynb', tmp_path / 'explore.ipynb')
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
            # the explorer is the last output: wait for its slider and its bokeh plot
            slider = page.locator('.widget-slider', has=page.get_by_text('act. bits', exact=True))
            slider.wait_for(timeout=120_000)
            page.wait_for_function(f'({GRID_LEVELS_JS})() > 16', timeout=60_000)
            page.wait_for_function(f'({TOP1_JS})().includes("W8A8")', timeout=120_000)   # the start-up evaluation
            page.wait_for_timeout(1000)                      # let the histogram finish drawing
            before_levels, before_pixels = page.evaluate(GRID_LEVELS_JS), page.evaluate(CANVAS_JS)
            assert before_pixels, 'no histogram canvas in the page'
            handle = slider.locator('.noUi-handle')
            handle.focus()
            for _ in range(4): handle.press('ArrowLeft')   # 8 -> 4 activation bits
            page.wait_for_function(f'({GRID_LEVELS_JS})() <= 16', timeout=30_000)
            page.evaluate('(p) => { window.__wb_before = p; }', before_pixels)
            page.wait_for_function(f'() => ({CANVAS_JS})() !== window.__wb_before', timeout=30_000)  # it re-drew
            after_levels = page.evaluate(GRID_LEVELS_JS)
            page.wait_for_function(f'({TOP1_JS})().includes("W8A4")', timeout=120_000)   # the background run at A4
            status = page.locator('.widget-html').filter(has_text='grid levels in use').first.inner_text()
            page.wait_for_timeout(500)
            shot = ARTIFACTS / 'explorer.png'
            page.screenshot(path=str(shot), full_page=True)
            print(f'grid levels in the browser: {before_levels} -> {after_levels}; status: {status!r}; screenshot {shot}')
            assert before_levels > 16 >= after_levels
            assert 'A4' in status
        finally:
            browser.close()
