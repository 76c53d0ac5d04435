"""papermill smoke runs of the PTQ experiment notebook: records, determinism, bad parameters."""
from pathlib import Path
import papermill as pm, pytest
from workbench.core import read_results
from helpers import run_experiment
from workbench.sweeps import NOTEBOOKS, run_grid, results_table

PTQ = NOTEBOOKS / 'experiments' / 'ptq.ipynb'
FIELDS = ('model checkpoint_sha estimator w_bits a_bits granularity calib_n calib_seed top1 top1_fp32 drop logits_cos '
          'peak_abs_act kurtosis_max time_s peak_mem_mb host torch workbench_version').split()
TIMINGS = {'time_s', 'peak_mem_mb'}
SMALL = dict(eval_limit=500, calib_n=64)

def run(tmp_path, name, **params): return run_experiment(PTQ, tmp_path, name, 'ptq.jsonl', SMALL, **params)

def test_record_fields_and_same_seed_same_line(tmp_path):
    recs = run(tmp_path, 'a', w_bits=8, a_bits=8, estimator='percentile', seed=3)
    recs = run(tmp_path, 'b', w_bits=8, a_bits=8, estimator='percentile', seed=3)
    assert len(recs) == 2
    for f in FIELDS: assert f in recs[0], f
    a, b = ({k: v for k, v in r.items() if k not in TIMINGS} for r in recs)
    assert a == b                                    # same seed: identical results line apart from timings
    assert recs[0]['eval_n'] == 500 and len(recs[0]['calib_indices']) == 64
    assert recs[0]['top1_fp32'] > 80 and recs[0]['drop'] < 2   # W8A8 on the reference model barely moves

def test_other_seed_other_calibration(tmp_path):
    r0 = run(tmp_path, 'a', seed=0, a_bits=4, w_bits=4, estimator='minmax')[0]
    r1 = run(tmp_path, 'b', seed=1, a_bits=4, w_bits=4, estimator='minmax')[-1]
    assert r0['calib_indices'] != r1['calib_indices']

def test_bad_parameter_fails_clearly_and_writes_nothing(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="granularity must be"):
        run(tmp_path, 'bad', granularity='rows')
    assert read_results(tmp_path / 'ptq.jsonl') == []

def test_grid_keeps_going_and_resumes(tmp_path):
    out = tmp_path / 'r.jsonl'
    params = [dict(SMALL, w_bits=8, a_bits=8, estimator='minmax'), dict(SMALL, w_bits=0, a_bits=8, estimator='minmax'),
              dict(SMALL, w_bits=4, a_bits=4, estimator='omse')]
    st = run_grid(PTQ, params, out, tmp_path / 'runs', progress=False)
    assert [s['status'] for s in st] == ['ok', 'failed', 'ok']
    recs = read_results(out)
    assert sum(r.get('status', 'ok') == 'ok' for r in recs) == 2
    failed = [r for r in recs if r.get('status') == 'failed']
    assert len(failed) == 1 and 'QuantSpec.bits: must be in 1..16, got 0' in failed[0]['error']
    assert Path(failed[0]['notebook']).exists()
    st = run_grid(PTQ, params, out, tmp_path / 'runs', progress=False)   # resume: only the failed run runs again
    assert [s['status'] for s in st] == ['skipped', 'failed', 'skipped']
    assert 'W8A8' in results_table(read_results(out))
