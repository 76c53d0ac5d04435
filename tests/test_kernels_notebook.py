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
                        parameters=dict(out=str(out)))
    rec, = read_results(out)
    assert rec['backend'] == 'interpret' and rec['correct'] and all(rec['correct'].values())
    assert 'bandwidth' not in rec and 'gemm' not in rec     # no GPU: no speed figures, and none made up
    text = ''.join(''.join(o.get('text', '')) for c in json.loads((tmp_path / 'k.ipynb').read_text())['cells'] for o in c.get('outputs', []))
    assert "correctness on Triton's interpreter" in text and 'Speed needs an NVIDIA GPU' in text
