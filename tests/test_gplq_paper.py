"""GPLQ's paper recipe (`gplq(recipe='paper')`), checked on FM-ViT from the model itself."""
import copy
from pathlib import Path
import pytest, torch
from torch import nn
import workbench, workbench.methods as methods
from workbench.core import QuantConfig, METHODS, CALIBRATORS
from workbench.quantize import quant_result
from workbench.quantize import dequantize, is_quantized
from workbench.observe import is_block
from workbench.models import load_model, Callback
from workbench.data import calibration_set, load_data

pytestmark = pytest.mark.usefixtures('one_thread')   # see conftest.py

@pytest.fixture(scope='module')
def xc(): return calibration_set(64, 0)[0]

@pytest.fixture(scope='module')
def train_data(): return load_data('fashion-mnist', 'train')

class Spy(Callback):
    "Runs after `PCADistill` on every batch: the lr about to be used, and the distillation loss recomputed independently."
    def __init__(self, distill): self.distill, self.lrs, self.losses = distill, [], []
    def extra_loss(self, s):
        self.lrs.append([g['lr'] for g in s.optimizer.param_groups])
        d = self.distill
        with torch.no_grad():
            fs = s.model.forward_head(s.model.forward_features(s.x), pre_logits=True).double()
            ft = d.teacher.forward_head(d.teacher.forward_features(s.x), pre_logits=True).double()
            ps, pt = (fs - d.mean.double()) @ d.components.double(), (ft - d.mean.double()) @ d.components.double()
        self.losses.append((s.losses['PCADistill'].item(), (ps - pt).pow(2).sum(1).mean().item(), (ps - pt).pow(2).mean().item(),
                            s.config.label_smoothing, type(s.optimizer).__name__))
        return 0.

@pytest.fixture(scope='module')
def paper(xc, train_data, one_thread):
    "FM-ViT, its float state, the spy, and a copy after gplq(recipe='paper') at W4A4 (2 steps of 128 images)."
    ref = load_model('fm-vit'); state = {k: v.clone() for k, v in ref.state_dict().items()}
    spies, real = [], methods.train
    def spying(model, data, cfg, callbacks=(), **kw):
        spies.append(Spy(callbacks[0])); return real(model, data, cfg, callbacks=[*callbacks, spies[-1]], **kw)
    methods.train = spying
    try: model = methods.gplq(copy.deepcopy(ref), QuantConfig.wa(4, 4), xc, train_data=train_data, limit=256, recipe='paper')
    finally: methods.train = real
    return ref, state, spies[0], model

def test_activation_quantizers_are_symmetric_per_channel_lsq(paper):
    *_, model = paper
    acts = [(n, q) for n, q in model.named_modules() if type(q).__name__ == 'LSQQuantizer']
    assert len(acts) > 2 * len(model.blocks)
    for n, q in acts:
        assert q.spec.bits == 4 and q.spec.granularity == 'channel' and q.spec.estimator == 'minmax', n
        assert q.spec.symmetric == ('probs' not in n), n   # softmax probabilities: unsigned (a choice the paper leaves open)
    assert type(model.blocks[0].mlp.fc1.input_quantizer).__name__ == 'LSQQuantizer'
    assert type(model.blocks[0].mlp.fc1.weight_quantizer).__name__ == 'UniformQuantizer'
    assert model.blocks[0].mlp.fc1.weight_quantizer.spec.estimator == 'percentile'

def test_lr_constant_no_smoothing(paper):
    *_, spy, model = paper
    assert len(spy.lrs) == 2 and all(lr == 5e-6 for step in spy.lrs for lr in step)
    assert [r['lr'] for r in quant_result(model).train_history] == [5e-6]
    assert all(ls == 0.0 and opt == 'AdamW' for *_, ls, opt in spy.losses)

def test_pca_loss_is_summed_over_components(paper):
    *_, spy, model = paper
    assert quant_result(model).pca_dims > 1   # FM-ViT is 96 wide: the unrounded 60 % count
    for got, summed, meaned, *_ in spy.losses:
        assert got == pytest.approx(summed, rel=1e-4) and got != pytest.approx(meaned, rel=1e-2)

def test_qwt_target_is_the_stage1_model(paper, xc):
    ref, _, _, model = paper
    b = model.blocks[0]
    stage1, quant = copy.deepcopy(b), copy.deepcopy(b)
    methods.remove_qwt(stage1); methods.remove_qwt(quant)
    for m in stage1.modules():
        if type(m).__name__ == 'QuantLinear': m.weight_quantizer = nn.Identity()   # stage 1: float weights, quantized activations
    xs = []
    h = b.register_forward_pre_hook(lambda m, a: xs.append(a[0]))
    with torch.no_grad():
        model(xc); h.remove()
        x = xs[0]; yq = quant(x).double()
        r_stage1 = (stage1(x).double() - yq).pow(2).mean().item()
        r_float = (ref.blocks[0](x).double() - yq).pow(2).mean().item()
    rec = quant_result(model).qwt_fit[0]
    assert rec['mse_before'] == pytest.approx(r_stage1, rel=1e-5)
    assert rec['mse_before'] != pytest.approx(r_float, rel=1e-2)

def test_dequantize_restores_bit_for_bit(paper):
    ref, state, _, model = paper
    m = dequantize(copy.deepcopy(model))
    assert not is_quantized(m)
    sd = m.state_dict()
    assert list(sd) == list(state) and all(torch.equal(sd[k], v) and sd[k].dtype == v.dtype for k, v in state.items())
    assert not [n for n, mod in m.named_modules() if mod._forward_hooks or hasattr(mod, 'qwt')]
    assert not [a for a in ('quant_result', '_undo') if a in m.__dict__]
