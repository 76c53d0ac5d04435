"""Issue 15 (items 3, 4): every method is undone bit for bit by `dequantize`, and works on bf16 models."""
import copy, warnings
import pytest, torch, timm
import torch.nn.functional as F
from torch.utils.data import TensorDataset
from workbench.core import QuantConfig, CalibrationError
from workbench.quantize import dequantize, is_quantized
from workbench.methods import METHODS
from workbench.quantize import methods_for
from workbench.models import load_model
from workbench.data import fashion_mnist, calibration_set

TRAINED = ('qat', 'gplq')

pytestmark = pytest.mark.usefixtures('one_thread')   # see conftest.py

def nobias_vit():
    return timm.create_model('vit_tiny_patch16_224', pretrained=False, img_size=32, depth=2, qkv_bias=False, num_classes=10).eval()

@pytest.fixture(scope='module')
def fm():
    "FM-ViT (float32), 16 calibration, 16 training and 64 test images."
    return dict(make=lambda: load_model('fm-vit'), calib=calibration_set(16, 0)[0], train=fashion_mnist('train'), limit=16,
                test=fashion_mnist('test').tensors(torch.arange(64))[0])

@pytest.fixture(scope='module')
def nobias():
    "A random-init timm ViT without a qkv bias, random calibration and training tensors."
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(48, 3, 32, 32, generator=g), torch.randint(0, 10, (48,), generator=g)
    return dict(make=nobias_vit, calib=x[:16], train=TensorDataset(x[16:], y[16:]), limit=16, test=x[:8])

def run(name, model, setup, config=QuantConfig.wa(4, 4), calib=None):
    "Method `name` on `model` with a tiny calibration set (and a few training steps for the trained methods)."
    kw = dict(train_data=setup['train'], epochs=1, limit=setup['limit']) if name in TRAINED else {}
    return METHODS[name](model, config, setup['calib'] if calib is None else calib, **kw)

def assert_same_float_model(model, ref, fresh):
    "Same state-dict keys (in order), values bit for bit, dtypes; nothing added; loads strictly into a fresh model."
    sd, sd0 = model.state_dict(), ref.state_dict()
    assert list(sd) == list(sd0)
    for k, v in sd0.items():
        assert sd[k].dtype == v.dtype and torch.equal(sd[k], v), k
    assert not is_quantized(model) and '_undo' not in model.__dict__
    assert [n for n, m in model.named_modules() if m._forward_hooks or m._forward_pre_hooks] == []
    assert [a for a in ('quant_result', 'train_history', 'qwt_fit', 'pca_dims') if hasattr(model, a)] == []
    assert [n for n, _ in model.named_modules()] == [n for n, _ in ref.named_modules()]
    assert all(p.grad is None for p in model.parameters()) and model.training == ref.training
    fresh.load_state_dict(sd, strict=True)

@pytest.mark.parametrize('arch', ['fm', 'nobias'])
@pytest.mark.parametrize('name', methods_for('vit'))
def test_dequantize_is_exact(name, arch, request):
    setup = request.getfixturevalue(arch)
    ref = setup['make'](); model = copy.deepcopy(ref)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        run(name, model, setup)
    sd, sd0 = model.state_dict(), ref.state_dict()   # while quantized: the method did change or add float tensors
    changed = [k for k, v in sd0.items() if not torch.equal(sd[k], v)]
    added = [k for k in sd if k not in sd0 and '_quantizer.' not in k]
    assert bool(changed or added) == (name != 'ptq'), (name, changed[:3], added[:3])
    if arch == 'nobias' and name in ('repq-vit', 'dopq-vit'): assert model.blocks[0].attn.qkv.bias is not None
    assert dequantize(model) is model
    assert_same_float_model(model, ref, setup['make']())

@pytest.fixture(scope='module')
def fm16(fm):
    ref = fm['make']().to(torch.bfloat16)
    x = fm['test'].to(torch.bfloat16)
    with torch.no_grad(): y = ref(x)
    return dict(fm, ref=ref, calib=fm['calib'].to(torch.bfloat16), x=x, y=y)

@pytest.mark.parametrize('name', methods_for('vit'))
def test_bf16_w8a8(name, fm16):
    "bf16 FM-ViT, bf16 calibration data (no cast, no warning): W8A8 logits within cosine 0.99 of the bf16 float model's."
    model = copy.deepcopy(fm16['ref'])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        run(name, model, fm16, QuantConfig.wa(8, 8))
    if name not in TRAINED: assert not [x for x in w if 'casting it to' in str(x.message)]   # calibration data already bf16
    else: assert sum('training data is torch.float32' in str(x.message) for x in w) == 1    # FashionMNIST gives float32
    with torch.no_grad(): out = model(fm16['x'])
    assert out.dtype == torch.bfloat16
    cos = F.cosine_similarity(out.float().flatten(), fm16['y'].float().flatten(), 0).item()
    assert cos >= 0.99, (name, cos)
    dequantize(model)
    assert_same_float_model(model, fm16['ref'], fm16['make']().to(torch.bfloat16))

@pytest.mark.parametrize('name', methods_for('vit'))
def test_float32_calibration_of_bf16_model_is_cast_once(name, nobias):
    ref = nobias_vit().to(torch.bfloat16); model = copy.deepcopy(ref)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        run(name, model, nobias, QuantConfig.wa(8, 8))
    notes = [str(x.message) for x in w if 'calibration data is torch.float32 but the model is torch.bfloat16: casting' in str(x.message)]
    assert len(notes) == 1, notes
    dequantize(model)
    assert_same_float_model(model, ref, nobias_vit().to(torch.bfloat16))

@pytest.mark.parametrize('name', methods_for('vit'))
def test_integer_images_are_refused(name, nobias):
    model = nobias_vit(); before = {k: v.clone() for k, v in model.state_dict().items()}
    pixels = (nobias['calib'].abs() * 60).clamp(0, 255).to(torch.uint8)
    with pytest.raises(CalibrationError, match='convert them to float and normalise'):
        run(name, model, nobias, calib=pixels)
    assert not is_quantized(model) and '_undo' not in model.__dict__
    assert list(model.state_dict()) == list(before) and all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
