"""papermill smoke run of the outlier experiment: every model gets a record, the claims table prints."""
import json
import papermill as pm
from workbench.core import read_results
from workbench.sweeps import NOTEBOOKS

def test_outliers_smoke(tmp_path):
    nb = NOTEBOOKS / 'experiments' / 'outliers.ipynb'
    out = tmp_path / 'o.jsonl'
    pm.execute_notebook(str(nb), str(tmp_path / 'o.ipynb'), kernel_name='python3', progress_bar=False, cwd=str(nb.parent),
                        parameters=dict(losses='none,tweo,cd', epochs=1, limit=256, eval_limit=200, fp8_epochs=1, log_every=1,
                                        out=str(out), save_dir=str(tmp_path / 'ckpt')))
    recs = read_results(out)
    models = [r for r in recs if r['experiment'] == 'outliers']
    assert [r['loss'] for r in models] == ['none', 'tweo', 'cd']
    for r in models:
        for k in ('top1_fp32', 'top1_W8A8 per-tensor', 'top1_W8A8', 'top1_W4A4', 'top1_FP8 W8A8', 'peak_abs_act',
                  'colinearity_mean', 'trace', 'top_channels'):
            assert k in r, k
        assert [t['step'] for t in r['trace']] == [0, 1, 2]
    assert [r for r in recs if r['experiment'] == 'outliers-fp8'][0]['curves'].keys() == {'none', 'tweo'}
    assert (tmp_path / 'ckpt' / 'outliers_stream_cd.json').exists()
    text = ''.join(''.join(o.get('text', '')) for c in json.loads((tmp_path / 'o.ipynb').read_text())['cells'] for o in c.get('outputs', []))
    assert 'FP8 training collapses without TWEO' in text and 'this run' in text
