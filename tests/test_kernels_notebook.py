"""papermill run of the kernel benchmark on the CPU: every kernel checked under Triton's interpreter, one record."""
import os, json
import papermill as pm
import pytest
from workbench.core import read_results
from workbench.sweeps import NOTEBOOKS

@pytest.mark.skipif(os.environ.get('TRITON_INTERPRET') != '1', reason='the kernel process needs TRITON_INTERPRET=1')
def test_kernels_notebook_cpu(tmp_path):
    nb = NOTEBOOKS / 'experiments' / 'kernels.ipynb'
    out = tmp_path / 'k.jsonl'
    pm.execute_notebook(str(nb), str(tmp_path / 'k.ipynb'), kernel_name='python3', progress_bar=False, cwd=str(nb.parent),
                        parameters=dict(out=str(out), cpu_rounds=1))
    rec, = read_results(out)
    assert rec['backend'] == 'interpret' and rec['correct'] and all(rec['correct'].values())
    assert 'bandwidth' not in rec and 'gemm' not in rec     # no GPU: no speed figures, and none made up
    text = ''.join(''.join(o.get('text', '')) for c in json.loads((tmp_path / 'k.ipynb').read_text())['cells'] for o in c.get('outputs', []))
    assert "correctness on Triton's interpreter" in text and 'Speed needs an NVIDIA GPU' in text
    cpu = rec['cpu']                                         # the CPU benchmark: printed figures, no bound asserted
    assert cpu['rounds'] == 1 and len(cpu['gemm']) == 2 and len(cpu['models']) == 3
    for res in [*cpu['gemm'].values(), *cpu['models'].values()]:   # a peer that cannot run here has its reason instead
        assert all(isinstance(r, str) or r['min_ms'] <= r['median_ms'] <= r['max_ms'] for r in res.values()) and {'fp32', 'bf16'} <= set(res)
    fm = cpu['models']['FM-ViT, batch 256']
    assert sum(k.startswith('W8A8 converted (') for k in fm) == 2              # folded float and integer attention, both measured
    assert {'torchao int8 (dynamic act.)', 'ONNX Runtime int8 (QDQ)'} <= set(fm)
