"""papermill smoke runs of the methods experiment: every pipeline by name, records, and a clear error for unknown names."""
import papermill as pm, pytest
from workbench.core import read_results
from helpers import run_experiment
from workbench.sweeps import NOTEBOOKS
from workbench.jobs import methods_table

METHODS_NB = NOTEBOOKS / 'experiments' / 'methods.ipynb'
SMALL = dict(eval_limit=300, train_limit=256)

def run(tmp_path, name, **params): return run_experiment(METHODS_NB, tmp_path, name, 'methods.jsonl', SMALL, **params)

@pytest.mark.parametrize('method', ['repq-vit', 'qwt', 'gplq'])
def test_method_runs_and_records(tmp_path, method):
    rec = run(tmp_path, method, method=method, w_bits=4, a_bits=4)[-1]
    assert rec['method'] == method and rec['eval_n'] == 300
    assert rec['calib_n'] == {'repq-vit': 32, 'gplq': 512}.get(method, 256) == len(rec['calib_indices'])
    assert rec['top1'] > 70, rec['top1']                       # W4A4 on FM-ViT stays far above chance
    if method == 'gplq': assert rec['epochs'] == 1 and rec['train_images_seen'] == 256 and rec['qwt_blocks'] == 6
    assert method in methods_table([rec])

def test_fm_swin_runs(tmp_path):
    rec = run(tmp_path, 'swin', model='fm-swin', method='dopq-vit', w_bits=6, a_bits=6)[-1]
    assert rec['model'] == 'fm-swin' and rec['top1_fp32'] > 80 and rec['drop'] < 3

def test_unknown_method_lists_valid_names(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="unknown method 'smoothquant'; known: .*'dopq-vit', 'gplq'"):
        run(tmp_path, 'bad', method='smoothquant')
    assert read_results(tmp_path / 'methods.jsonl') == []

def test_formats_by_name(tmp_path):
    rec = run(tmp_path, 'fmt', method='ptq', w_bits=4, a_bits=8, w_format='twinlog', a_format='e4m3', p_format='tanq')[-1]
    assert (rec['w_format'], rec['a_format'], rec['p_format']) == ('twinlog', 'e4m3', 'tanq') and rec['top1'] > 80
    with pytest.raises(pm.PapermillExecutionError, match="format 'mxfp4' has 4 bit"):
        run(tmp_path, 'badfmt', method='ptq', w_bits=8, w_format='mxfp4')
