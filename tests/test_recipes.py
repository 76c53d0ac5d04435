"""Issue 15 (item 2): RepQ-ViT's paper recipe, checked from the calibrated quantizers themselves."""
import copy, dataclasses
import pytest, torch
from workbench.core import QuantConfig
from workbench.quantize import quantizers, dequantize, QuantLinear
from workbench.quantizers import log_fake_quant
from workbench.methods import repq_vit, RECIPES, norm_linear_pairs
from workbench.models import load_model
from workbench.data import calibration_set

W, A = 4, 4

pytestmark = pytest.mark.usefixtures('one_thread')   # see conftest.py

@pytest.fixture(scope='module')
def xc(): return calibration_set(32, 0)[0]

@pytest.fixture(scope='module')
def paper(xc, one_thread):
    "FM-ViT after repq-vit with recipe='paper' (W4A4, 32 calibration images), and the float reference."
    ref = load_model('fm-vit')
    return ref, repq_vit(copy.deepcopy(ref), QuantConfig.wa(W, A), xc, recipe='paper')

def qparams_asym(lo, hi, bits):
    "Scale and zero point of an unsigned `bits` grid over [lo, hi] (0 kept representable), written out for the test."
    lo, hi, qmax = lo.clamp(max=0), hi.clamp(min=0), 2**bits - 1
    s = ((hi - lo) / qmax).clamp(min=1e-8)
    return s, (-torch.round(lo / s)).clamp(0, qmax)

def quant_err(x, s, z, bits):
    "Sum of squared quantize-dequantize errors along the last dim (float64)."
    xq = (torch.clamp(torch.round(x / s) + z, 0, 2**bits - 1) - z) * s
    return (xq - x).double().pow(2).sum(-1)

def brute_force(x, candidates, bits):
    "For each row of x: the (scale, zero point) of the candidate percentile range with least squared error (ties: first)."
    srt, m = x.float().sort(-1).values, x.shape[-1]
    best = None
    for p in candidates:
        k = min(m, max(1, round(p / 100 * m)))
        s, z = qparams_asym(srt[..., m - k], srt[..., k - 1], bits)
        e = quant_err(x.float(), s[..., None], z[..., None], bits)
        if best is None: best = [e, s, z]
        else:
            better = e < best[0]
            best = [torch.where(better, e, best[0]), torch.where(better, s, best[1]), torch.where(better, z, best[2])]
    return best[1], best[2]

def test_weights_are_asymmetric_per_channel_clip_search_winners(paper):
    _, model = paper
    linears = [m for m in model.modules() if isinstance(m, QuantLinear)]
    assert len(linears) == 6 * 4 + 1
    for m in linears:
        wq = m.weight_quantizer
        assert not wq.spec.symmetric and wq.spec.granularity == 'channel' and wq.spec.axis == 0 and wq.spec.bits == W
        s, z = brute_force(m.weight.detach(), wq.spec.candidates, W)   # the weight as quantized (reparameterized for qkv/fc1)
        assert torch.allclose(wq.scale.reshape(-1), s, rtol=1e-6, atol=0), m.name
        assert torch.equal(wq.zero_point.reshape(-1), z), m.name

def captured_inputs(model, xc, paths):
    "What the quantizers at `paths` (one block, or the head) saw: a re-run in the calibration order (earlier groups quantize, their group passes values through)."
    qs = quantizers(model)
    block = next((p.split('.')[0] + '.' + p.split('.')[1] for p in paths if p.startswith('blocks.')), None)
    keep = {f'{p}.input' for p, *_ in norm_linear_pairs(model)}
    later = lambda n: n.startswith('head.') if block is None else \
        (n.startswith(block + '.') or n.startswith('head.') or (n.startswith('blocks.') and int(n.split('.')[1]) > int(block.split('.')[1])))
    off = [q for n, q in qs.items() if q.kind == 'act' and n not in keep and later(n)]
    seen, hs = {}, [qs[p].register_forward_pre_hook(lambda m, a, p=p: seen.__setitem__(p, a[0].detach().clone()) or None) for p in paths]
    try:
        for q in off: q.mode = 'off'
        with torch.no_grad(): model(xc)
    finally:
        for q in off: q.mode = 'quant'
        for h in hs: h.remove()
    return seen

@pytest.mark.parametrize('block', ['blocks.3', 'head'])
def test_activation_ranges_minimise_error_on_what_they_saw(paper, xc, block):
    _, model = paper
    qs = quantizers(model)
    paths = ['head.input'] if block == 'head' else [f'{block}.mlp.fc2.input', f'{block}.attn.proj.input', f'{block}.attn.q',
                                                     f'{block}.attn.k', f'{block}.attn.v', f'{block}.attn.probs']
    seen = captured_inputs(model, xc, paths)
    for p in paths:
        q, x = qs[p], seen[p].flatten()
        assert q.spec.granularity == 'tensor' and not q.spec.symmetric
        if q.spec.format == 'logsqrt2':   # softmax: the scale is the candidate quantile with least log√2 error
            m = x.numel()
            cands = [x.kthvalue(min(m, max(1, round(c / 100 * m)))).values for c in (99.9, 99.99, 99.999)]
            errs = torch.stack([(log_fake_quant(x, c, q.spec) - x).double().pow(2).sum() for c in cands])
            assert torch.allclose(q.scale.reshape(()), cands[int(errs.argmin())]), p
            continue
        assert q.spec.estimator == 'percentile-search' and q.scale.numel() == 1
        s, z = brute_force(x[None], (99.9, 99.99, 99.999), A)
        assert torch.allclose(q.scale.reshape(-1), s, rtol=1e-5, atol=0), p
        assert torch.equal(q.zero_point.reshape(-1), z), p

def test_post_ln_inputs_are_per_tensor_after_reparameterization(paper):
    _, model = paper
    qs = quantizers(model)
    for p, *_ in norm_linear_pairs(model):
        q = qs[f'{p}.input']
        assert q.spec.granularity == 'tensor' and not q.spec.symmetric and q.scale.numel() == 1

def test_sequential_order_changes_later_ranges(paper, xc):
    ref, model = paper
    flt = repq_vit(copy.deepcopy(ref), QuantConfig.wa(W, A), xc, recipe=dataclasses.replace(RECIPES['repq-vit'], order='float'))
    qs, qf = quantizers(model), quantizers(flt)
    assert qf['blocks.5.mlp.fc2.input'].spec == qs['blocks.5.mlp.fc2.input'].spec
    for i in range(1, 6):
        for slot in ('mlp.fc2.input', 'attn.proj.input', 'attn.v'):
            assert not torch.equal(qs[f'blocks.{i}.{slot}'].scale, qf[f'blocks.{i}.{slot}'].scale), (i, slot)

def test_dequantize_after_paper_recipe_is_exact(paper, xc):
    ref, _ = paper
    model = repq_vit(copy.deepcopy(ref), QuantConfig.wa(W, A), xc, recipe='paper')
    assert model.blocks[0].attn.qkv.weight is not None
    dequantize(model)
    sd, sd0 = model.state_dict(), ref.state_dict()
    assert list(sd) == list(sd0) and all(torch.equal(sd[k], v) and sd[k].dtype == v.dtype for k, v in sd0.items())
    assert [n for n, m in model.named_modules() if m._forward_hooks or m._forward_pre_hooks] == []
