"""papermill run of the kernel benchmark on the CPU: every kernel checked under Triton's interpreter, one record."""
import os, json
import papermill as pm
import pytest
from workbench.core import read_results
from workbench.sweeps import NOTEBOOKS

def run_kernels(tmp_path, models:str)->tuple[dict, str]:
    "The kernel experiment with one CPU benchmark round on `models`: its record and its printed text."
    nb = NOTEBOOKS / 'experiments' / 'kernels.ipynb'
    out = tmp_path / 'k.jsonl'
    pm.execute_notebook(str(nb), str(tmp_path / 'k.ipynb'), kernel_name='python3', progress_bar=False, cwd=str(nb.parent),
                        parameters=dict(out=str(out), cpu_rounds=1, cpu_models=models))
    rec, = read_results(out)
    text = ''.join(''.join(o.get('text', '')) for c in json.loads((tmp_path / 'k.ipynb').read_text())['cells'] for o in c.get('outputs', []))
    return rec, text

def check_models(cpu:dict, n:int):
    assert cpu['rounds'] == 1 and len(cpu['gemm']) == 2 and len(cpu['models']) == n
    for res in [*cpu['gemm'].values(), *cpu['models'].values()]:   # a peer that cannot run here has its reason instead
        assert all(isinstance(r, str) or r['min_ms'] <= r['median_ms'] <= r['max_ms'] for r in res.values()) and {'fp32', 'bf16'} <= set(res)

@pytest.mark.skipif(os.environ.get('TRITON_INTERPRET') != '1', reason='the kernel process needs TRITON_INTERPRET=1')
def test_kernels_notebook_cpu(tmp_path):
    "Correctness on the interpreter, the GEMMs and FM-ViT (the ViT-S rows run the same code: `test_kernels_notebook_all_models`)."
    rec, text = run_kernels(tmp_path, 'fm-vit')
    assert rec['backend'] == 'interpret' and rec['correct'] and all(rec['correct'].values())
    assert 'bandwidth' not in rec and 'gemm' not in rec     # no GPU: no speed figures, and none made up
    assert "correctness on Triton's interpreter" in text and 'Speed needs an NVIDIA GPU' in text
    cpu = rec['cpu']                                         # the CPU benchmark: printed figures, no bound asserted
    check_models(cpu, 1)
    fm = cpu['models']['FM-ViT, batch 256']
    assert sum(k.startswith('W8A8 converted (') for k in fm) == 2              # folded float and integer attention, both measured
    assert {'torchao int8 (dynamic act.)', 'ONNX Runtime int8 (QDQ)'} <= set(fm)

@pytest.mark.slow
@pytest.mark.skipif(os.environ.get('TRITON_INTERPRET') != '1', reason='the kernel process needs TRITON_INTERPRET=1')
def test_kernels_notebook_all_models(tmp_path):
    "The whole CPU benchmark, the ViT-S/16 models at 224 and 384 px included (slow: `WORKBENCH_SLOW=1`)."
    rec, _ = run_kernels(tmp_path, 'fm-vit,vit-s-224,vit-s-384')
    check_models(rec['cpu'], 3)
    assert 'ViT-S/16 384px random init, batch 2' in rec['cpu']['models']
