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
