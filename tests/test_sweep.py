"""The sweep runner end to end on a seconds-long notebook: parallel workers, failure isolation, resuming,
interruption, the dask executor; and `workbench report` opened in headless chromium."""
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest
from workbench.core import read_results
from workbench.sweeps import main, run_grid, parse_grid

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / 'tests' / 'fixtures' / 'tiny_experiment.ipynb'
GRID = ['-p', 'a=1,2,3', '-p', 'b=1,2', '-p', 'fail_a=3', '-p', 'fail_b=2']   # 6 runs, (3, 2) fails on purpose

def outcome(path):
    recs = read_results(path)
    ok = sorted((r['a'], r['b'], r['value']) for r in recs if r.get('status', 'ok') == 'ok')
    failed = [r for r in recs if r.get('status') == 'failed']
    return ok, failed

EXPECTED = sorted((a, b, a * b) for a in (1, 2, 3) for b in (1, 2) if (a, b) != (3, 2))

@pytest.mark.parametrize('workers', [1, 2])
def test_sweep_isolates_failures_and_resumes(tmp_path, workers, capsys):
    out = tmp_path / 'r.jsonl'
    t0 = time.time()
    assert main(['sweep', str(TINY), *GRID, '--out', str(out), '--workers', str(workers)]) == 1   # 1: a run failed
    wall = time.time() - t0
    ok, failed = outcome(out)
    assert ok == EXPECTED and len(failed) == 1
    assert 'deliberate failure at a=3, b=2' in failed[0]['error'] and Path(failed[0]['notebook']).exists()
    print(f"\n6-run sweep with {workers} worker(s): {wall:.1f} s", file=sys.stderr)
    st = run_grid(TINY, parse_grid(GRID[1::2]), out, tmp_path / 'runs', progress=False)   # again: only the failed run
    assert [s['status'] for s in st] == ['skipped'] * 5 + ['failed']
    assert outcome(out)[0] == EXPECTED

def test_sweep_through_dask_gives_the_same_results(tmp_path):
    out = tmp_path / 'r.jsonl'
    st = run_grid(TINY, parse_grid(GRID[1::2]), out, tmp_path / 'runs', progress=False, workers=2, executor='dask')
    assert sorted(s['status'] for s in st) == ['failed'] + ['ok'] * 5
    ok, failed = outcome(out)
    assert ok == EXPECTED and len(failed) == 1 and 'deliberate failure' in failed[0]['error']

def test_per_run_timeout(tmp_path):
    out = tmp_path / 'r.jsonl'
    st = run_grid(TINY, [dict(a=1, b=1, sleep=30.0)], out, tmp_path / 'runs', progress=False, timeout=8)
    assert st[0]['status'] == 'failed' and 'timed out after 8' in st[0]['error'] and st[0]['time_s'] < 5 * 8   # the message says it fired; the bound is 5x the timeout (a loaded machine is slow)

def test_interrupted_sweep_loses_nothing(tmp_path):
    out = tmp_path / 'r.jsonl'
    cmd = [sys.executable, '-c', 'from workbench.sweeps import cli; cli()', 'sweep', str(TINY), *GRID, '-p', 'sleep=1.0',
           '--out', str(out), '--workers', '1']
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(read_results(out)) < 2 and time.time() < deadline and proc.poll() is None: time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)                       # stop it mid-way
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and 'run the same command to resume' in err
    lines = out.read_text().splitlines()
    assert all(json.loads(l) for l in lines) and 2 <= len(lines) < 6   # whole lines only, and it did stop early
    first = {(r['a'], r['b']) for r in read_results(out)}
    subprocess.run(cmd, capture_output=True, timeout=300)  # resume
    ok, failed = outcome(out)
    assert ok == EXPECTED and len(failed) == 1             # nothing lost, nothing finished twice
    assert first <= {(a, b) for a, b, _ in ok} | {(3, 2)}

def test_report_opens_in_chromium_without_errors(tmp_path):
    results = tmp_path / 'methods.jsonl'
    shutil.copy(ROOT / 'data' / 'results' / 'methods.jsonl', results)   # the committed method-zoo records
    proc = subprocess.run([sys.executable, '-c', 'from workbench.sweeps import cli; cli()', 'report', str(results)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'fm-vit: FP32 top-1 88.84%' in proc.stdout and 'gplq' in proc.stdout     # the pivot table
    page = tmp_path / 'report.html'
    assert page.exists() and 'cdn.bokeh.org' not in page.read_text()
    chromium = shutil.which('chromium')
    if chromium is None:
        if os.environ.get('CI'): pytest.fail("Debian's chromium is not installed (scripts/test.sh installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-gpu',
                                     '--disable-background-networking', '--disable-component-update', '--no-first-run'])
        try:
            pg = browser.new_page(viewport={'width': 1000, 'height': 1400})
            pg.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
            pg.on('pageerror', lambda e: errors.append(str(e)))
            pg.goto(page.as_uri())
            pg.wait_for_selector('.bk-Figure, .bk-Column', timeout=30_000)
            pg.wait_for_timeout(1500)
            (ROOT / 'tests' / 'artifacts').mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(ROOT / 'tests' / 'artifacts' / 'report.png'), full_page=True)
        finally: browser.close()
    assert errors == [], errors
