"""papermill smoke runs of the DiT experiment on a small sample count (FP32 and a timestep-aware W8A8 setting in one
store, then `workbench report` on it), and a clear error for an unknown method (no record written)."""
from pathlib import Path
import papermill as pm, pytest
from workbench.core import read_results
from workbench.sweeps import NOTEBOOKS, report
from helpers import run_experiment

DIT_NB = NOTEBOOKS / 'experiments' / 'dit.ipynb'
SMALL = dict(n_samples=40, steps=10, calib_n=8)

def run(tmp_path, name, **params): return run_experiment(DIT_NB, tmp_path, name, 'dit.jsonl', SMALL, **params)

def test_settings_record_and_report(tmp_path):
    fp32 = run(tmp_path, 'fp32', method='fp32')[-1]
    assert fp32['w_bits'] is None and fp32['rmse_to_fp32'] == 0 and fp32['sample_acc'] == fp32['sample_acc_fp32']
    rec = run(tmp_path, 'tg', method='balance-tg', w_bits=8, a_bits=8)[-1]
    assert (rec['method'], rec['w_bits'], rec['a_bits'], rec['groups'], rec['n_samples'], rec['steps']) == ('balance-tg', 8, 8, 5, 40, 10)
    assert (tmp_path / rec['grid']).is_file() and (tmp_path / rec['grid']).stat().st_size > 1000
    # W8A8 stays close to the float model: same noise, nearly the same images
    assert 0 < rec['rmse_to_fp32'] < 0.08 and abs(rec['sample_acc'] - rec['sample_acc_fp32']) <= 15, rec
    page = report(tmp_path / 'dit.jsonl')
    text = page.read_text()
    assert text.count('data:image/png;base64') == 2 and 'balance-tg' in text and 'W8A8' in text

def test_unknown_method_is_refused(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="unknown method 'smoothquant'; choose 'fp32' or one of"):
        run(tmp_path, 'bad', method='smoothquant')
    assert read_results(tmp_path / 'dit.jsonl') == []

def test_report_of_the_committed_dit_records(tmp_path):
    "The README's DiT table and grids come from data/results/dit.jsonl: the report rebuilds them."
    root = Path(__file__).resolve().parents[1] / 'data' / 'results'
    page = report(root / 'dit.jsonl', tmp_path / 'dit.html')
    text = page.read_text()
    assert text.count('data:image/png;base64') == 19 and 'missing' not in text
    assert 'balance-tg' in text and '85.0% /   3.91 [0.009]' in text
