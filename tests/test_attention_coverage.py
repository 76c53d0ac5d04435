"""Issue 14: every timm ViT-family attention is quantized, or named (CoverageWarning / strict=True)."""
import copy, warnings
import pytest, torch, timm
import torch.nn.functional as F
from torch import nn
from workbench.core import QuantConfig, QuantConfigError, CalibrationError, CoverageWarning, CoverageError
from workbench.quantize import (quantize, dequantize, quant_summary, quant_coverage, quantizers, is_quantized,
                                QuantLinear, ATTENTION_WRAPPERS, MATMUL_SLOTS)

# small inputs and fewer blocks, same architecture classes and attention options as the full models
MODELS = {
    'vit_tiny_patch16_224': dict(img_size=32, patch_size=8, depth=2),
    'deit3_small_patch16_224': dict(img_size=32, patch_size=8, depth=2),
    'vit_relpos_small_patch16_224': dict(img_size=32, patch_size=8, depth=2),
    'eva02_tiny_patch14_224': dict(img_size=56, depth=2),
    'vit_small_patch16_rope_224': dict(img_size=32, patch_size=8, depth=2),
    'swin_tiny_patch4_window7_224': dict(img_size=64, window_size=4, depths=(2, 2, 2, 2)),
    'swinv2_tiny_window8_256': dict(img_size=64, window_size=4, depths=(2, 2, 2, 2)),
    'levit_128': dict(img_size=64),
    'pit_ti_224': dict(img_size=64),
}
WRAPPERS = set(ATTENTION_WRAPPERS.values())

pytestmark = pytest.mark.usefixtures('one_thread')   # see conftest.py

def build(name):
    torch.manual_seed(0)
    return timm.create_model(name, pretrained=False, num_classes=10, **MODELS[name]).eval()

def batches(name):
    s, g = MODELS[name]['img_size'], torch.Generator().manual_seed(1)
    return torch.randn(8, 3, s, s, generator=g), torch.randn(4, 3, s, s, generator=g)   # calibration, test

def snapshot(model):
    return [(n, type(m)) for n, m in model.named_modules()], {k: v.clone() for k, v in model.state_dict().items()}

def assert_same_state(model, snap):
    types, sd = snap
    assert [(n, type(m)) for n, m in model.named_modules()] == types
    now = model.state_dict()
    assert list(now) == list(sd)
    for k, v in now.items(): assert v.dtype == sd[k].dtype and torch.equal(v, sd[k]), k

@pytest.mark.parametrize('name', list(MODELS))
def test_every_linear_and_attention_is_quantized(name):
    model = build(name)
    xc, xt = batches(name)
    with torch.no_grad(): y_ref = model(xt)
    snap = snapshot(model)
    n_lin = sum(isinstance(m, nn.Linear) for m in model.modules())
    n_att = sum(type(m) in ATTENTION_WRAPPERS for m in model.modules())
    assert n_lin > 0 and n_att > 0
    with warnings.catch_warnings():
        warnings.simplefilter('error', CoverageWarning)   # nothing may stay in float
        quantize(model, QuantConfig.wa(8, 8), xc, strict=True)
    assert not any(type(m) is nn.Linear for m in model.modules())
    assert sum(isinstance(m, QuantLinear) for m in model.modules()) == n_lin
    wrapped = [m for m in model.modules() if type(m) in WRAPPERS]
    assert len(wrapped) == n_att
    qs = quantizers(model)
    for w in wrapped:   # all four matmul slots are on, and calibrated
        for s in MATMUL_SLOTS: assert f'{w.name}.{s}' in qs and qs[f'{w.name}.{s}'].scale.numel() > 0
    cov = quant_summary(model).coverage
    assert (cov['linear'], cov['attention'], cov['matmul_slots']) == ((n_lin, n_lin), (n_att, n_att), 4 * n_att)
    with torch.no_grad(): y = model(xt)
    cos = F.cosine_similarity(y.flatten(), y_ref.flatten(), 0).item()
    print(f"{name:32} Linear {n_lin}/{n_lin}, attention {n_att}/{n_att}, W8A8 logits cosine {cos:.5f}")
    assert cos >= 0.998, cos
    dequantize(model)
    assert not is_quantized(model)
    with torch.no_grad(): assert torch.equal(model(xt), y_ref)
    assert_same_state(model, snap)

# a toy model with what the workbench cannot wrap
class MyAttention(nn.Module):
    def __init__(self, d=16, h=2): super().__init__(); self.h, self.qkv, self.proj = h, nn.Linear(d, 3 * d), nn.Linear(d, d)
    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        return self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d))

class Toy(nn.Module):
    def __init__(self): super().__init__(); self.attn, self.head = MyAttention(), nn.Linear(16, 4)
    def forward(self, x): return self.head(self.attn(x))

def toy():
    torch.manual_seed(0); return Toy().eval()

XS = torch.randn(4, 5, 16, generator=torch.Generator().manual_seed(2))

def test_unknown_attention_is_named_in_one_warning():
    model = toy()
    with pytest.warns(CoverageWarning) as record:
        quantize(model, QuantConfig.wa(8, 8), XS)
    found = [w for w in record if issubclass(w.category, CoverageWarning)]
    assert len(found) == 1 and "'attn' (MyAttention)" in str(found[0].message)
    assert quant_coverage(model)['attention'] == (0, 1) and quant_coverage(model)['float_attention'] == ['attn']
    assert 'coverage: 3/3 Linear wrapped, 0/1 attention wrapped, 0 matmul slots' in repr(quant_summary(model))

def test_strict_refuses_and_leaves_the_model_unchanged():
    model = toy(); snap = snapshot(model)
    with pytest.raises(CoverageError, match=r"strict=True and 1 module\(s\) stay in float: 'attn' \(MyAttention\)"):
        quantize(model, QuantConfig.wa(8, 8), XS, strict=True)
    assert_same_state(model, snap); assert not is_quantized(model)

def test_override_matching_nothing_names_the_nearest_slot():
    model = toy(); snap = snapshot(model)
    with pytest.raises(QuantConfigError, match=r"overrides\['head'\] matches no quantizer slot of this model; nearest: 'head\.\*', 'head\.input'"):
        quantize(model, QuantConfig.wa(8, 8, overrides={'head': None}), XS)
    assert_same_state(model, snap)

def test_linear_used_through_f_linear_is_named():
    class FusedBias(nn.Module):   # as EVA and Swin V2 do with their qkv
        def __init__(self): super().__init__(); self.fc, self.b = nn.Linear(16, 16, bias=False), nn.Parameter(torch.randn(16))
        def forward(self, x): return F.linear(x, self.fc.weight, self.b)
    model = nn.Sequential(FusedBias(), nn.Linear(16, 4))
    with pytest.warns(CoverageWarning, match=r"'0\.fc' \(Linear\): its weight is used without calling the layer \(F\.linear on `\.weight`\) inside '0' \(FusedBias\)"):
        quantize(model, QuantConfig.wa(8, 8), XS)
    assert type(model[0].fc) is nn.Linear and isinstance(model[1], QuantLinear)

def test_hidden_f_linear_use_is_a_clear_calibration_error():
    class Hidden(nn.Module):      # a use the source scan cannot see
        def __init__(self): super().__init__(); self.fc = nn.Linear(16, 16)
        def forward(self, x): return F.linear(x, getattr(self.fc, 'weight'), self.fc.bias)
    model = nn.Sequential(Hidden(), nn.Linear(16, 4)); snap = snapshot(model)
    with pytest.raises(CalibrationError, match=r"'0\.fc' inside module '0' of class Hidden \(linear on `\.weight`\)"):
        quantize(model, QuantConfig.wa(8, 8), XS)
    assert_same_state(model, snap)
