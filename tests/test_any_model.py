"""Issue 14: the experiment notebooks on a timm model with weights on disk and an ImageNet-style folder of images."""
import hashlib, json, os, signal, subprocess, sys
from pathlib import Path
import pytest
from workbench.core import read_results
from workbench.sweeps import NOTEBOOKS
from helpers import run_experiment, image_folder, random_timm_weights

DEIT = dict(model='deit_tiny_patch16_224', model_kwargs=dict(img_size=32, num_classes=3))

@pytest.fixture(scope='module')
def deit(tmp_path_factory):
    "A random-init DeiT-Tiny (32 px, 3 classes) saved to a .safetensors file, and a 3-class folder of generated PNGs."
    d = tmp_path_factory.mktemp('deit')
    random_timm_weights(d / 'deit.safetensors', DEIT['model'], **DEIT['model_kwargs'])
    folder = image_folder(d / 'images')
    return dict(DEIT, weights=str(d / 'deit.safetensors'), data=str(folder),
                sha=hashlib.sha256((d / 'deit.safetensors').read_bytes()).hexdigest())

def check_names(rec, deit):
    "Every record names the model, the weights file's SHA-256 and the data folder."
    assert rec['model'] == deit['model'] and rec['model_kwargs'] == deit['model_kwargs']
    assert rec['weights'] == deit['weights'] and rec['weights_sha256'] == deit['sha']
    assert rec['data'] == deit['data'] and rec['device'] == 'cpu'

def params(deit): return {k: deit[k] for k in ('model', 'model_kwargs', 'weights', 'data')}

def test_ptq_notebook_on_timm_model_and_folder(tmp_path, deit):
    rec = run_experiment(NOTEBOOKS / 'experiments' / 'ptq.ipynb', tmp_path, 'ptq', 'ptq.jsonl', {}, **params(deit),
                         w_bits=8, a_bits=8, calib_n=16)[-1]
    check_names(rec, deit)
    assert rec['eval_n'] == 12 and len(rec['calib_indices']) == 16
    assert rec['logits_cos'] > 0.99                     # W8A8 follows the float model's logits

@pytest.mark.parametrize('method, extra', [('repq-vit', dict(calib_n=8)), ('gplq', dict(calib_n=16, train_limit=16))])
def test_methods_notebook_on_timm_model_and_folder(tmp_path, deit, method, extra):
    rec = run_experiment(NOTEBOOKS / 'experiments' / 'methods.ipynb', tmp_path, method, 'methods.jsonl', {}, **params(deit),
                         method=method, w_bits=4, a_bits=4, **extra)[-1]
    check_names(rec, deit)
    assert rec['method'] == method and rec['eval_n'] == 12 and len(rec['calib_indices']) == extra['calib_n']
    if method == 'gplq': assert rec['epochs'] == 1 and rec['train_images_seen'] == 16

def test_outliers_notebook_under_torchrun(tmp_path, deit):
    "Two CPU processes (gloo) train DeiT-Tiny on the folder with TWEO for a few steps through `workbench run`; rank 0 writes the record."
    out = tmp_path / 'o.jsonl'
    flags = [f'model={deit["model"]}', 'model_kwargs=' + json.dumps(deit['model_kwargs']), f'data={deit["data"]}', 'losses=tweo',
             'epochs=1', 'batch_size=8', 'eval_limit=12', 'calib_n=16', 'log_every=1']
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--no-python',
           str(Path(sys.executable).with_name('workbench')), 'run', str(NOTEBOOKS / 'experiments' / 'outliers.ipynb'),
           '--out', str(out), '--runs', str(tmp_path / 'runs')] + [a for f in flags for a in ('-p', f)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    try: log, _ = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL); log, _ = proc.communicate()
        raise AssertionError("torchrun timed out after 300 s:\n" + log[-3000:])
    assert proc.returncode == 0, log[-3000:]
    recs = read_results(out)
    assert len(recs) == 1 and recs[0]['world_size'] == 2 and recs[0]['loss'] == 'tweo'   # one record: rank 0's
    check_names(recs[0], dict(deit, weights='', sha=''))
    assert [t['step'] for t in recs[0]['trace']] == [0, 1, 2, 3]   # 24 images, global batch 8, 2 ranks: 3 steps
    assert sorted(p.name.split('.rank')[1] for p in (tmp_path / 'runs').glob('*.ipynb')) == ['0.ipynb', '1.ipynb']
