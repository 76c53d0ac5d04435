"""QwT's paper recipe (`qwt(recipe='paper')`): the fit on the quantized-path input, the R² gate, and exact undo."""
import copy
import pytest, torch
from workbench.core import QuantConfig
from workbench.quantize import dequantize, is_quantized, quant_result
from workbench.observe import is_block
from workbench.methods import qwt, fit_qwt
from workbench.models import load_model
from workbench.data import calibration_set

pytestmark = pytest.mark.usefixtures('one_thread')   # see conftest.py

@pytest.fixture(scope='module')
def xc(): return calibration_set(64, 0)[0]

@pytest.fixture(scope='module')
def fitted(xc, one_thread):
    "FM-ViT, its float state, and a copy after qwt(recipe='paper') at W4A4 on 64 calibration images."
    ref = load_model('fm-vit')
    state = {k: v.clone() for k, v in ref.state_dict().items()}
    return ref, state, qwt(copy.deepcopy(ref), QuantConfig.wa(4, 4), xc, recipe='paper')

def block_data(model, fmodel, xc):
    "Per block: (quantized-path input, quantized block output without its compensation, float block output on that input)."
    qb = [m for m in model.modules() if is_block(m)]; fb = [m for m in fmodel.modules() if is_block(m)]
    got = []
    def keep(i):
        def hook(m, a, o):
            comp = m.qwt(a[0]) if hasattr(m, 'qwt') else 0
            got.append((i, a[0].double(), (o - comp).double(), fb[i](a[0]).double()))
        return hook
    hs = [b.register_forward_hook(keep(i)) for i, b in enumerate(qb)]
    try:
        with torch.no_grad(): model(xc)
    finally:
        for h in hs: h.remove()
    return qb, sorted(got, key=lambda t: t[0])

def test_records_and_gate(fitted):
    _, _, model = fitted
    recs = quant_result(model).qwt_fit
    blocks = [m for m in model.modules() if is_block(m)]
    assert len(recs) == len(blocks) > 0
    for r, b in zip(recs, blocks):
        assert r['kept'] == (r['r2'] > 0) and hasattr(b, 'qwt') == r['kept']
        assert r['ridge'] == 0.0                    # plain least squares (the minimum-norm solution)
        if not r['kept']: assert r['mse_after'] == r['mse_before']
    assert any(r['kept'] for r in recs)

def test_kept_compensations_reduce_the_blocks_own_error(fitted, xc):
    ref, _, model = fitted
    qb, data = block_data(model, ref, xc)
    for (i, x, yq, yf), r in zip(data, quant_result(model).qwt_fit):
        if not r['kept']: continue
        with torch.no_grad(): c = qb[i].qwt(x.float()).double()
        before = (yf - yq).pow(2).mean().item(); after = (yf - yq - c).pow(2).mean().item()
        assert after < before, (i, before, after)
        assert abs(before - r['mse_before']) <= 1e-3 * before   # the record is the residual on the quantized-path input

def test_gate_drops_what_does_not_fit(xc):
    ref = load_model('fm-vit')
    same = copy.deepcopy(ref)   # nothing quantized: each residual is zero, R² = 0, so nothing is installed
    recs = fit_qwt(same, ref, xc[:8], ridge=0, target='quantized-input', min_r2=0.)
    assert not any(r['kept'] for r in recs) and all(r['r2'] == 0 for r in recs)
    assert not any(hasattr(m, 'qwt') for m in same.modules())
    with torch.no_grad(): assert torch.equal(same(xc[:8]), ref(xc[:8]))

def test_dequantize_restores_bit_for_bit(fitted):
    _, state, model = fitted
    m = dequantize(copy.deepcopy(model))
    assert not is_quantized(m) and not any(hasattr(b, 'qwt') for b in m.modules())
    sd = m.state_dict()
    assert sd.keys() == state.keys() and all(torch.equal(sd[k], state[k]) for k in state)
