"""The standing jobs' command lines, on small settings: the headline job (what `scripts/main.sh` runs) and the methods
comparison. Each writes its report folder and prints its table; the full-size runs are the README's."""
import json, os, subprocess, sys
from pathlib import Path
from workbench.core import read_results

def cli(name:str, *args)->str:
    "Run the console script `name` (installed next to this Python) as a user does, and return what it printed."
    exe = Path(sys.executable).with_name(name)
    env = {k: v for k, v in os.environ.items() if k != 'TRITON_INTERPRET'}   # the jobs' CPU paths, not Triton's interpreter
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=1200, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout

def test_headline_job(tmp_path):
    out = cli('workbench-headline', '--out', str(tmp_path / 'report'), '--eval_limit', '200', '--settings', '8/8,4/4',
              '--estimators', 'minmax', '--speed', 'fm-vit:1')
    recs = read_results(tmp_path / 'report' / 'results.jsonl')
    assert sorted((r['w_bits'], r['a_bits'], r['estimator']) for r in recs) == [(4, 4, 'minmax'), (8, 8, 'minmax')]
    assert all(r['eval_n'] == 200 for r in recs) and 'W8A8' in out and 'W4A4' in out
    speed = json.loads((tmp_path / 'report' / 'speed.json').read_text())
    assert [s['model'] for s in speed] == ['fm-vit'] and speed[0]['rounds'] == 1 and speed[0]['path'] != 'triton'   # as main.sh runs it
    assert all('top1' in r for r in speed[0]['runs'].values())   # top-1 of every timed row, on the same 200 images
    for f in ('summary.md', 'accuracy.html'): assert (tmp_path / 'report' / f).stat().st_size > 0
    assert 'report written to' in out

def test_methods_job(tmp_path):
    out = cli('workbench-methods', '--out', str(tmp_path / 'methods'), '--models', 'fm-vit', '--methods', 'ptq,qat',
              '--settings', '8/8', '--eval_limit', '100', '--train_limit', '64')
    recs = read_results(tmp_path / 'methods' / 'results.jsonl')
    assert sorted((r['method'], r['w_bits']) for r in recs) == [('ptq', 8), ('qat', 4)]   # QAT runs at W4A4, one epoch
    assert all(r['eval_n'] == 100 for r in recs) and 'ptq' in out
    assert (tmp_path / 'methods' / 'summary.md').read_text().startswith('# Methods comparison')

def test_tables_of_the_committed_stores():
    "The four tables (one renderer, `records_table`, four layouts) on the committed results stores, line for line."
    from workbench.sweeps import results_table, pivot_table, TABLES
    from workbench.jobs import methods_table, dit_table
    store = Path(__file__).resolve().parents[1] / 'data' / 'results'
    meth = read_results(store / 'methods.jsonl')
    assert ('gplq             88.84 (-0.00)  88.83 (-0.01)  88.71 (-0.13)  87.45 (-1.39)     211.5s     3698      60000'
            in methods_table(meth).splitlines())
    assert pivot_table(meth).splitlines()[:3] == ['fm-vit: FP32 top-1 88.84%',
        'method                  W8A8            W6A6            W4A4            W3A3',
        'ptq            88.85 (+0.01)   88.75 (-0.09)   85.49 (-3.35)   72.79 (-16.05)']
    assert results_table([r for r in meth if r['model'] == 'fm-swin']).splitlines()[:3] == ['FP32 top-1: 89.62%  (fm-swin, 10000 test images)',
        'method                  W8A8            W6A6            W4A4            W3A3',
        'ptq           89.63 (+0.01)  89.37 (-0.25)  85.46 (-4.16)  83.17 (-6.45)']
    assert dit_table(read_results(store / 'dit_w8a8_n1000.jsonl')) == (
        'FM-DiT 800907f29528d0a1, 1000 samples, 50 DDIM steps, seed 0: FP32 sample accuracy 83.2%, FM-FID 2.98\n'
        'method                            W8A8\nptq-tg         83.3% /   3.30 [0.010]\nptq            82.7% /   3.52 [0.019]\n'
        'balance-tg     83.3% /   3.21 [0.010]')
    assert {k: TABLES[k] for k in ('results', 'pivot', 'methods', 'diffusion')} == dict(
        results=results_table, pivot=pivot_table, methods=methods_table, diffusion=dit_table)
