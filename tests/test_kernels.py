"""Property-based tests of the Triton kernels against their torch references (Triton's interpreter on the CPU).

Each kernel gets 200 random cases (hypothesis, derandomized so CI is repeatable): shapes that are not multiples of
the tiles (1 row, odd channel counts), small tiles so that most cases span several of them, and extreme values
(exact grid maxima, zeros, a column of outliers, values far outside the range).
"""
import os
os.environ.setdefault('TRITON_INTERPRET', '1')   # before workbench.kernels is imported (see conftest.py too)
import pytest, torch
from hypothesis import given, settings, strategies as st, HealthCheck
from workbench import kernels as K

pytestmark = pytest.mark.skipif(not K.HAS_TRITON or not K.INTERPRET,
                                reason="needs triton and TRITON_INTERPRET=1 set before workbench.kernels is imported")
CASES = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
SMALL_GEMM = dict(BM=16, BN=16, BK=32)   # BK >= 32: int8 tl.dot on GPUs needs it

@pytest.fixture(autouse=True)
def small_tiles(monkeypatch):
    "16 x 16 element tiles, so that the random shapes cover several tiles and ragged edges."
    monkeypatch.setattr(K, 'TILE', dict(BR=16, BC=16))

shapes = st.tuples(st.integers(1, 40), st.integers(1, 70))
seeds = st.integers(0, 2**31 - 1)

def data(R, C, seed, scale=3.0):
    "Gaussian values with the extremes mixed in: zeros, a column of outliers, huge values."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(R, C, generator=g) * scale
    if C > 2: x[:, seed % C] *= 50                         # a column of outliers
    x.view(-1)[torch.randint(0, R * C, (max(1, R * C // 10),), generator=g)] = 0.0
    if R * C > 3: x.view(-1)[seed % (R * C)] = 1e6 * (1 if seed % 2 else -1)
    return x

DTYPES = st.sampled_from([torch.float32, torch.float32, torch.bfloat16, torch.float16])

@CASES
@given(shapes, seeds, st.sampled_from(K.SCALE_LAYOUTS), st.booleans(), st.sampled_from([2, 4, 8]), DTYPES)
def test_fake_quantize(shape, seed, gran, symmetric, bits, dtype):
    R, C = shape
    g = 1 if gran != 'group' else next(d for d in (8, 5, 3, 2, 1) if C % d == 0)
    n = {'tensor': 1, 'row': R, 'column': C, 'group': R * C // g}[gran]
    gen = torch.Generator().manual_seed(seed + 1)
    ties = seed % 2 == 0   # half the cases: one power-of-two scale and values exactly halfway between levels
    s = torch.full((n,), 2.0 ** -(seed % 6)) if ties else torch.rand(n, generator=gen) * 0.5 + 1e-3
    qmin, qmax = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if symmetric else (0, 2 ** bits - 1)
    z = torch.zeros(n) if symmetric else torch.randint(qmin, qmax + 1, (n,), generator=gen).float()
    x = data(R, C, seed)
    if ties:
        half = (torch.randint(-2 ** bits, 2 ** bits, (R, C), generator=gen) + 0.5) * s[0]
        x = torch.where(torch.rand(R, C, generator=gen) < 0.5, half, x)
    x.view(-1)[0] = qmax * s[0] - z[0] * s[0] if n else 0.0   # exactly the top of the grid
    if seed % 7 == 0: x.view(-1)[-1] = float('nan')            # NaN stays NaN
    x = x.to(dtype)
    assert K.backend(x) == 'interpret'
    y = K.fake_quantize(x, s, z, qmin, qmax, gran, g if gran == 'group' else None)
    ref, mask = K.fake_quant_reference(x, s, z, qmin, qmax, gran, g if gran == 'group' else None)
    assert y.dtype == dtype and torch.equal(y.isnan(), ref.isnan())
    assert torch.equal(y.nan_to_num(0.0), ref.to(dtype).nan_to_num(0.0))
    if dtype != torch.float32: return
    x = x.nan_to_num(0.0)
    _, mask = K.fake_quant_reference(x, s, z, qmin, qmax, gran, g if gran == 'group' else None)
    xg = x.clone().requires_grad_()                          # the straight-through gradient
    K.fake_quantize(xg, s, z, qmin, qmax, gran, g if gran == 'group' else None).sum().backward()
    assert torch.equal(xg.grad, mask.float())

@CASES
@given(shapes, seeds, st.sampled_from([2, 3, 4, 8]), st.booleans(), st.booleans())
def test_log_quantize(shape, seed, bits, sqrt2, symmetric):
    R, C = shape
    g = torch.Generator().manual_seed(seed)
    x = torch.softmax(torch.randn(R, C, generator=g) * 4, -1)
    if symmetric: x = x - x.mean()
    x.view(-1)[seed % (R * C)] = 0.0
    scale = float(x.abs().max()) or 1.0
    y = K.log_quantize(x, scale, bits, sqrt2, symmetric)
    ref = K.log_quant_reference(x, torch.tensor(scale), bits, sqrt2, symmetric)
    differ = y != ref
    assert not (differ & ~K.near_log_tie(x, scale, sqrt2, symmetric)).any()   # only at rounding ties (either is right)

@CASES
@given(shapes, seeds, st.sampled_from(list(K.FP8_FORMATS)), st.sampled_from(['tensor', 'row', 'column']))
def test_fp8_quantize(shape, seed, fmt, gran):
    R, C = shape
    n = {'tensor': 1, 'row': R, 'column': C}[gran]
    s = torch.rand(n, generator=torch.Generator().manual_seed(seed + 1)) * 2 + 1e-3
    x = data(R, C, seed, scale=100.0)
    x.view(-1)[-1] = 2.0 ** -12                              # a subnormal after scaling (or zero)
    if seed % 2 == 0:   # power-of-two scales and values exactly halfway between two FP8 numbers: ties to even
        s = torch.full((n,), 2.0 ** (seed % 5 - 2))
        mbits = K.FP8_FORMATS[fmt][0]
        gen = torch.Generator().manual_seed(seed + 2)
        e = torch.randint(K.FP8_FORMATS[fmt][1] - mbits - 2, 9, (R, C), generator=gen).float()   # down into the subnormals
        j = torch.randint(0, 2 ** mbits, (R, C), generator=gen).float()
        tie = torch.exp2(e) * (1 + (2 * j + 1) / 2 ** (mbits + 1)) * s[0] * torch.sign(torch.randn(R, C, generator=gen))
        x = torch.where(torch.rand(R, C, generator=gen) < 0.5, tie, x)
    assert torch.equal(K.fp8_quantize(x, s, fmt, gran), K.fp8_reference(x, s, fmt, gran))

@CASES
@given(shapes, seeds, st.sampled_from(['token-sym', 'token-asym', 'static-sym', 'static-asym']))
def test_quantize_int8(shape, seed, mode):
    R, C = shape
    x = data(R, C, seed)
    x[::3] = x[::3].abs() + 0.5                                # all-positive rows (GELU/softmax outputs)
    x[1::4] = -x[1::4].abs() - 0.5                             # and all-negative ones
    if mode.startswith('token'):
        sym = mode == 'token-sym'
        q, s, z = K.quantize_int8(x, symmetric=sym)
        qr, sr, zr = K.quantize_int8_reference(x, symmetric=sym)
    else:
        qmin, qmax, zp = (-128, 127, 0.0) if mode == 'static-sym' else (0, 255, float(seed % 256))
        step = 2.0 ** -5                                     # a power of two: half-steps are exact ties
        x.view(-1)[::3] = (torch.arange(0, R * C, 3) % 300 - 150).float() * step + step / 2
        q, s, z = K.quantize_int8(x, step, zp, qmin, qmax)
        qr, sr, zr = K.quantize_int8_reference(x, step, zp, qmin, qmax)
    assert q.dtype == torch.int8 and torch.equal(q, qr) and torch.equal(s, sr)
    assert (z == zr) if isinstance(z, float) else torch.equal(z, zr)

@CASES
@given(st.integers(1, 40), st.integers(1, 50), st.integers(1, 90), seeds, st.booleans(), st.booleans())
def test_int8_gemm(M, N, Kdim, seed, per_row_zero, bias):
    g = torch.Generator().manual_seed(seed)
    a = torch.randint(-128, 128, (M, Kdim), dtype=torch.int8, generator=g)
    w = torch.randint(-128, 128, (N, Kdim), dtype=torch.int8, generator=g)
    a[0] = -128; w[:, 0] = 127 if N > 1 else w[:, 0]           # extremes
    z = torch.randint(-128, 128, (M,), generator=g).float() if per_row_zero else float(seed % 7)
    acc = K.int8_gemm(a, w, a_zero=z, tiles=SMALL_GEMM)
    assert acc.dtype == torch.int32 and torch.equal(acc, K.int8_gemm_reference(a, w, a_zero=z))   # exact
    sa = torch.rand(M, generator=g) * 0.01 if seed % 2 else torch.rand(1, generator=g) * 0.01   # per row or per tensor
    sw = torch.rand(N, generator=g) * 0.01
    b = torch.randn(N, generator=g) if bias else None
    y = K.int8_gemm(a, w, sa, sw, b, a_zero=z, tiles=SMALL_GEMM)
    torch.testing.assert_close(y, K.int8_gemm_reference(a, w, sa, sw, b, a_zero=z), rtol=1e-6, atol=1e-6)

def test_bad_inputs_are_refused_or_handled():
    x = torch.randn(8, 12)
    s, z = torch.tensor([0.1]), torch.tensor([0.0])
    for call, msg in [
        (lambda: K.fake_quantize(x.to(torch.int32), s, z, -127, 127), 'float32'),
        (lambda: K.fake_quantize(x, torch.ones(3), torch.zeros(3), -127, 127, 'row'), 'needs 8'),
        (lambda: K.fake_quantize(x, s, z, 5, 5), 'qmin < qmax'),
        (lambda: K.log_quantize(x, torch.ones(2)), 'one scale per tensor'),
        (lambda: K.fp8_quantize(x, s, 'e3m4'), 'fmt must be one of'),
        (lambda: K.quantize_int8(x, float('nan')), 'finite'),
        (lambda: K.int8_gemm(x, x), 'int8'),
        (lambda: K.int8_gemm(torch.zeros(2, 3, dtype=torch.int8), torch.zeros(4, 5, dtype=torch.int8)), 'K=3'),
        (lambda: K.int8_gemm(torch.zeros(2, 3, dtype=torch.int8), torch.zeros(4, 3, dtype=torch.int8), torch.ones(3), torch.ones(4)), 'a_scale'),
        (lambda: K.int8_gemm(torch.zeros(2, 3, dtype=torch.int8), torch.zeros(4, 3, dtype=torch.int8), w_scale=torch.ones(4)), 'pass a_scale too'),
        (lambda: K.int8_gemm(torch.zeros(2, 70000, dtype=torch.int8), torch.zeros(4, 70000, dtype=torch.int8), a_zero=3), 'overflow'),
        (lambda: K.int8_gemm(torch.zeros(2, 3, dtype=torch.int8), torch.zeros(4, 3, dtype=torch.int8), tiles=dict(BK=16)), 'BK >= 32'),
        (lambda: K.quantize_int8(x, 0.1, 0, 10, 5), 'not an 8-bit grid'),
    ]:
        with pytest.raises(K.KernelInputError, match=msg): call()
    # non-contiguous inputs: copied, and the result is right
    xt = torch.randn(12, 8).t()
    assert torch.equal(K.fake_quantize(xt, s, z, -127, 127), K.fake_quant_reference(xt.contiguous(), s, z, -127, 127)[0])
    at = torch.randint(-128, 128, (5, 7), dtype=torch.int8).t()
    w = torch.randint(-128, 128, (3, 5), dtype=torch.int8)
    assert torch.equal(K.int8_gemm(at, w), K.int8_gemm_reference(at.contiguous(), w))
    # zero-size inputs: empty results of the right shape
    assert K.fake_quantize(torch.empty(0, 4), s, z, -127, 127).shape == (0, 4)
    assert K.quantize_int8(torch.empty(0, 4))[0].shape == (0, 4)
    x3 = torch.randn(3, 5, 40)                                   # 3-d input with group scales: the last dim grouped
    s3 = torch.rand(15 * 4) + 0.1
    assert torch.equal(K.fake_quantize(x3, s3, torch.zeros(60), -8, 7, 'group', 10),
                       K.fake_quant_reference(x3, s3, torch.zeros(60), -8, 7, 'group', 10)[0])
    assert K.int8_gemm(torch.empty(0, 4, dtype=torch.int8), torch.zeros(3, 4, dtype=torch.int8)).shape == (0, 3)
