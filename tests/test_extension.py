"""Extending the workbench: a new number format is one class in one place, and every layer picks it up.

A toy format (the integer grid restricted to 3..6 bits, weights only) is written to a module, imported, and then used
by `quantize`, offered by the explorer's format control, and named as a parameter of the methods experiment, whose
kernel imports the module through its `plugins` parameter. Nothing else is edited.
"""
import sys, textwrap
import pytest, torch
from workbench.core import QuantConfig, QUANTIZERS, FORMATS
from workbench.formats import format_spec
from workbench.quantize import quantize, quantizers
from workbench.explorer import explorer_formats, explorer_specs
from workbench.sweeps import NOTEBOOKS
from helpers import run_experiment

TOY = textwrap.dedent('''
    from workbench.quantizers import UniformQuantizer, register_quantizer, spec_check

    @register_quantizer
    class ToyQuantizer(UniformQuantizer):
        "The integer grid with 3..6 bits, for weights (a demonstration)."
        formats, slots = ('toy',), ('weight',)
        @classmethod
        def check_spec(cls, spec):
            super().check_spec(spec)
            spec_check(3 <= spec.bits <= 6, 'bits', f"'toy' has 3..6 bits, got {spec.bits}")
''')

@pytest.fixture
def toy_module(tmp_path, monkeypatch):
    (tmp_path / 'toy_format.py').write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path)); monkeypatch.setenv('PYTHONPATH', str(tmp_path))   # this process and the kernel's
    import importlib; importlib.import_module('toy_format')
    yield 'toy_format'
    del QUANTIZERS['toy']; sys.modules.pop('toy_format', None)

def test_a_toy_format_runs_everywhere(toy_module, tmp_path):
    assert 'toy' in FORMATS and 'toy' in explorer_formats()
    specs = explorer_specs('toy', w_bits=4, a_bits=8)
    assert specs['weight'].format == 'toy' and specs['act'].format == 'int'   # weights only, as it declares
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
    quantize(net, QuantConfig.wa(4, 8, overrides={'*.weight': format_spec('toy', 4, 'weight')}), torch.randn(16, 8))
    assert {type(q).__name__ for n, q in quantizers(net).items() if n.endswith('.weight')} == {'ToyQuantizer'}
    with pytest.raises(Exception, match="'toy' has 3..6 bits"): format_spec('toy', 8, 'weight')
    rec = run_experiment(NOTEBOOKS / 'experiments' / 'methods.ipynb', tmp_path, 'toy', 'methods.jsonl', dict(eval_limit=100),
                         method='ptq', w_bits=4, a_bits=8, w_format='toy', calib_n=32, plugins=[toy_module])[-1]
    assert rec['w_format'] == 'toy' and rec['plugins'] == [toy_module] and rec['top1'] > 50, rec['top1']
