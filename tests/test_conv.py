"""conv2d, conv_transpose2d and pad against torch: forward, every gradient, dtypes, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import TORCH_DTYPE, assert_close
from tinyconv.ops import _reference as R
from tinyconv.ops import conv as C
from tinyconv.ops._kernels import conv as KC

# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

DTYPES = [np.float64, np.float32]
TOL32 = 1e-4  # float32: relative to magnitude, sums of up to a few hundred products


def _tol(dtype):
    return None if dtype == np.float64 else TOL32


def _run_both(tc_fn, torch_fn, arrays, rng, dtype):
    """Forward and backward on both sides with the same upstream gradient."""
    a = [tc.tensor(v.astype(dtype), requires_grad=True) for v in arrays]
    t = [torch.tensor(v.astype(dtype), requires_grad=True) for v in arrays]
    y, yt = tc_fn(*a), torch_fn(*t)
    assert_close(y, yt, dtype=dtype, tol=_tol(dtype), what="forward")
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(g)
    yt.backward(torch.tensor(g))
    for i, (p, q) in enumerate(zip(a, t)):
        assert p.grad is not None, f"input {i} got no gradient"
        assert_close(p.grad, q.grad, dtype=dtype, tol=_tol(dtype), what=f"grad of input {i}")
    return y


# --------------------------------------------------------------------------- random configs
def _conv_config(seed):
    """Random conv2d arguments: non-square, strided, dilated, padded, grouped, depthwise."""
    rng = np.random.default_rng(seed)
    while True:
        G = int(rng.choice([1, 1, 2, 3]))
        depthwise = rng.random() < 0.2
        Cg = 1 if depthwise else int(rng.integers(1, 4))
        Fg = int(rng.integers(1, 3)) if depthwise else int(rng.integers(1, 4))
        if depthwise:
            G = int(rng.integers(2, 5))
        N = int(rng.integers(1, 4))
        H, W = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        KH, KW = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        kind = rng.integers(0, 5)
        if kind == 0:
            padding = int(rng.integers(0, 3))
        elif kind == 1:
            padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        elif kind == 2:
            padding, stride = "same", (1, 1)
        elif kind == 3:
            padding = "valid"
        else:
            padding = (0, 0)
        if isinstance(padding, str):
            ph = pw = 0 if padding == "valid" else None
        else:
            ph, pw = (padding, padding) if isinstance(padding, int) else padding
        if ph is not None and (H + 2 * ph < dilation[0] * (KH - 1) + 1
                               or W + 2 * pw < dilation[1] * (KW - 1) + 1):
            continue
        kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=G)
        bias = rng.random() < 0.7
        return rng, (N, Cg * G, H, W), (Fg * G, Cg, KH, KW), bias, kwargs


@pytest.fixture(params=["auto", "im2col"])
def path(request):
    """The algorithm select_algorithm picks, or every convolution on the im2col path."""
    with tc.backends.conv.flags(algorithm=None if request.param == "auto" else "im2col"):
        yield request.param


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(36))
def test_conv2d_matches_torch(seed, dtype, path):
    rng, xs, ws, bias, kw = _conv_config(seed)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]))
    y = _run_both(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), arrays, rng,
                  dtype)
    if dtype == np.float64:
        # and against the NumPy oracle (pads from torch's rule for 'same')
        pad = kw["padding"]
        if pad == "same":
            th = kw["dilation"][0] * (ws[2] - 1)
            tw = kw["dilation"][1] * (ws[3] - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        elif pad == "valid":
            pads = (0, 0, 0, 0)
        else:
            ph, pw = (pad, pad) if isinstance(pad, int) else pad
            pads = (ph, ph, pw, pw)
        ref = R.conv2d(arrays[0], arrays[1], arrays[2] if bias else None, kw["stride"], pads,
                       kw["dilation"], kw["groups"])
        assert_close(y, ref, dtype=np.float64, what="vs reference")


def _convT_config(seed):
    rng = np.random.default_rng(1000 + seed)
    while True:
        G = int(rng.choice([1, 1, 2, 3]))
        Cg, Fg = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        N = int(rng.integers(1, 4))
        H, W = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        KH, KW = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        op = (int(rng.integers(0, max(stride[0], dilation[0]))),
              int(rng.integers(0, max(stride[1], dilation[1]))))
        OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1) + op[0] + 1
        OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (KW - 1) + op[1] + 1
        if OH < 1 or OW < 1:
            continue
        kwargs = dict(stride=stride, padding=padding, output_padding=op, groups=G,
                      dilation=dilation)
        return rng, (N, Cg * G, H, W), (Cg * G, Fg, KH, KW), rng.random() < 0.7, kwargs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(20))
def test_conv_transpose2d_matches_torch(seed, dtype, path):
    rng, xs, ws, bias, kw = _convT_config(seed)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[1] * kw["groups"]))
    _run_both(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
              arrays, rng, dtype)


PADS = [
    ((2, 3, 5, 6), (1, 2), "constant"), ((2, 3, 5, 6), (1, 2, 0, 3), "constant"),
    ((2, 3, 5, 6), (-1, 2, 3, -2), "constant"), ((2, 3, 4), (1, 1, 1, 1, 1, 1), "constant"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "reflect"), ((2, 3, 5, 6), (4, 5, 4, 1), "reflect"),
    ((3, 5, 6), (2, 1, 1, 3), "reflect"), ((2, 3, 7), (3, 6), "reflect"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "replicate"), ((2, 3, 5, 6), (7, 0, 0, 6), "replicate"),
    ((2, 2, 3, 4, 5), (1, 2, 0, 3, 2, 1), "replicate"),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 1, 1), "reflect"),
    ((2, 3, 5, 6), (1, 2, 3, 0), "circular"), ((2, 3, 5, 6), (-1, 2, 3, -2), "circular"),
    ((3, 5, 6), (6, 6, 5, 5), "circular"), ((2, 3, 7), (3, -2), "circular"),
    ((2, 2, 3, 4, 5), (1, 2, 0, 3, 2, -1), "circular"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pad,mode", PADS)
def test_pad_matches_torch(shape, pad, mode, dtype):
    rng = np.random.default_rng(len(shape) * 100 + sum(pad))
    _run_both(lambda x: F.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode),
              [rng.standard_normal(shape)], rng, dtype)


@pytest.mark.parametrize("value", [None, 0.0, 2.5, -1.0])
def test_pad_constant_value(value):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = F.pad(tc.tensor(x), (1, 2, 2, 1), value=value)
    yt = TF.pad(torch.tensor(x), (1, 2, 2, 1), value=value)
    assert_close(y, yt, dtype=np.float32)


# --------------------------------------------------------------------------- gradcheck
def _leaf(rng, shape):
    return tc.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("kw", [
    dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    dict(padding="same", dilation=2),
    dict(stride=2, groups=2),
])
def test_conv2d_gradcheck(kw):
    rng = np.random.default_rng(6)
    x, w, b = _leaf(rng, (2, 2, 5, 4)), _leaf(rng, (2, 2 // kw.get("groups", 1), 3, 2)), \
        _leaf(rng, (2,))
    assert tc.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), (x, w, b))


def test_conv_transpose2d_gradcheck():
    rng = np.random.default_rng(7)
    x, w, b = _leaf(rng, (1, 2, 2, 3)), _leaf(rng, (2, 2, 2, 3)), _leaf(rng, (2,))
    assert tc.gradcheck(lambda x, w, b: F.conv_transpose2d(
        x, w, b, stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2)),
        (x, w, b))


@pytest.mark.parametrize("pad,match,torch_raises", [
    ((7, 0, 0, 0), "more than once", True), ((0, 0, 1, 6), "more than once", True),
    # torch checks a pad against the size before cropping and reads past the crop here
    ((-2, 5, 0, 0), "more than once", False),
    ((-4, -3, 0, 0), "negative size", True),
    ((0, 0, -6, 1), "negative size", False),   # torch returns an empty dim for this
])
def test_pad_circular_errors(pad, match, torch_raises):
    x = tc.zeros(1, 2, 5, 6)
    with pytest.raises(ValueError, match=match):
        F.pad(x, pad, mode="circular")
    with pytest.raises(RuntimeError):      # torch's type too
        F.pad(x, pad, mode="circular")
    if torch_raises:
        with pytest.raises(RuntimeError):
            TF.pad(torch.zeros(1, 2, 5, 6), pad, mode="circular")


def test_pad_circular_may_crop_to_empty():
    y = F.pad(tc.zeros(1, 2, 5, 6), (-3, -3, 0, 1), mode="circular")
    assert y.shape == TF.pad(torch.zeros(1, 2, 5, 6), (-3, -3, 0, 1), mode="circular").shape


def test_pad_circular_rejects_value_and_bad_rank():
    with pytest.raises(ValueError, match="value"):
        F.pad(tc.zeros(1, 2, 5), (1, 1), mode="circular", value=1.0)
    with pytest.raises(NotImplementedError, match="circular"):
        F.pad(tc.zeros(5), (1, 1), mode="circular")


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    rng = np.random.default_rng(8)
    x = _leaf(rng, (1, 2, 3, 4))
    assert tc.gradcheck(lambda x: F.pad(x, (2, 1, 0, 2), mode=mode), (x,))


# --------------------------------------------------------------------------- paths, chunks
@pytest.fixture
def workspace():
    old = tc.get_conv_workspace_limit()
    yield
    tc.set_conv_workspace_limit(old)


@pytest.fixture
def im2col_only():
    """Every convolution on the im2col path (the chunked one)."""
    with tc.backends.conv.flags(algorithm="im2col"):
        yield


def _conv_grads(x, w, b, **kw):
    xs = [tc.tensor(v, requires_grad=True) for v in (x, w, b)]
    y = F.conv2d(*xs, **kw)
    y.backward(np.cos(np.arange(y._data.size)).reshape(y.shape).astype(x.dtype))
    return [y._data] + [t.grad._data for t in xs]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(padding="same", groups=2),
                                dict(dilation=(2, 1), padding=(0, 2))])
def test_chunked_equals_unchunked(kw, dtype, workspace, im2col_only):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((7, 4, 9, 8)).astype(dtype)
    w = rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 3)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    whole = _conv_grads(x, w, b, **kw)
    per_sample = 4 * 9 * 9 * 8 * np.dtype(dtype).itemsize  # C*K*P of one sample, at most
    for limit in (1, per_sample * 2, per_sample * 3 + 5):
        tc.set_conv_workspace_limit(limit)
        parts = _conv_grads(x, w, b, **kw)
        # the same sums per element; only BLAS's blocking (and, for the weight gradient, the
        # order of the per-chunk partial sums) can move the last bits
        for a, e, what in zip(parts, whole, ("y", "gx", "gw", "gb")):
            assert_close(a, e, dtype=dtype, tol=1e-14 if dtype == np.float64 else 1e-6,
                         what=what)


def test_chunking_bounds_the_buffer(workspace, monkeypatch, im2col_only):
    seen = []
    real = KC.im2col

    def spy(x, *args, out=None):
        seen.append(out.nbytes)
        return real(x, *args, out=out)

    monkeypatch.setattr(KC, "im2col", spy)
    tc.set_conv_workspace_limit(3 * 27 * 64 * 4)  # three samples of (3*3*3, 8*8) float32
    x = tc.randn(10, 3, 8, 8, requires_grad=True)
    w = tc.randn(5, 3, 3, 3, requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    assert seen and max(seen) <= 3 * 27 * 64 * 4
    assert len(seen) == 2 * 4  # ceil(10 / 3) chunks, forward and backward


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(padding="same", groups=2)])
def test_saved_columns_equal_recomputed(kw, dtype, monkeypatch, im2col_only):
    """The weight gradient from the forward's kept columns (read chunk by chunk as strided
    slices) equals the one from columns rebuilt in the backward; over the size limit none are
    kept."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((7, 4, 9, 8)).astype(dtype)
    w = rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 3)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    calls = []
    real = KC.im2col

    def spy(x, *args, out=None):
        calls.append(x.shape[0])
        return real(x, *args, out=out)

    monkeypatch.setattr(KC, "im2col", spy)
    two_samples = 2 * 36 * 20 * np.dtype(dtype).itemsize
    with tc.backends.conv.flags(workspace_limit=two_samples, saved_columns_limit=0):
        rebuilt = _conv_grads(x, w, b, **kw)
    assert sum(calls) == 2 * 7 and max(calls) < 7  # chunked, forward and backward
    calls.clear()
    with tc.backends.conv.flags(saved_columns_limit=64 << 20):
        kept = _conv_grads(x, w, b, **kw)
    assert calls == [7]  # the whole batch once, in the forward only
    for a, e, what in zip(kept, rebuilt, ("y", "gx", "gw", "gb")):
        assert_close(a, e, dtype=dtype, tol=1e-14 if dtype == np.float64 else 1e-6, what=what)
    # a frozen weight keeps nothing (its gradient is never computed)
    calls.clear()
    xt = tc.tensor(x, requires_grad=True)
    with tc.backends.conv.flags(workspace_limit=two_samples):
        F.conv2d(xt, tc.tensor(w), tc.tensor(b), **kw).sum().backward()
    assert sum(calls) == 7 and len(calls) > 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("groups", [1, 2])
def test_pointwise_fast_path_equals_im2col(groups, dtype):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 4, 5, 7)).astype(dtype)
    w = rng.standard_normal((6, 4 // groups, 1, 1)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    assert C.select_algorithm(x.shape, w.shape, C.ConvGeometry((1, 1), (0,) * 4, (1, 1), groups,
                                                               (5, 7)), x.dtype).name == "gemm1x1"
    fast = _conv_grads(x, w, b, groups=groups)
    with tc.backends.conv.flags(pointwise=False):
        slow = _conv_grads(x, w, b, groups=groups)
    for a, e in zip(fast, slow):
        assert_close(a, e, dtype=dtype, tol=1e-13 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw,wshape", [
    (dict(groups=4, padding=1), (4, 1, 3, 3)),
    (dict(groups=4, stride=(2, 3), padding=(2, 1), dilation=(1, 2)), (8, 1, 3, 2)),
    (dict(groups=2, stride=(1, 2), padding=(0, 2), dilation=(2, 1)), (4, 2, 2, 4)),
    (dict(stride=(1, 2), padding=2), (6, 4, 5, 3)),
    (dict(dilation=(2, 1), padding=(1, 0)), (20, 4, 3, 2)),  # im2col forward, direct backward
])
def test_direct_path_equals_im2col(kw, wshape, dtype):
    # the direct kernels on shapes beyond the channel products the automatic choice gives them
    name = "direct" if wshape[0] * wshape[1] <= 32 else "im2col+direct"
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 4, 9, 8)).astype(dtype)
    w = rng.standard_normal(wshape).astype(dtype)
    b = rng.standard_normal(wshape[0]).astype(dtype)
    xs = tc.tensor(x, requires_grad=True)
    with tc.backends.conv.flags(algorithm=name):
        assert F.conv2d(xs, tc.tensor(w), **kw).grad_fn.ctx.algo.name == name
        fast = _conv_grads(x, w, b, **kw)
    with tc.backends.conv.flags(algorithm="im2col"):
        assert F.conv2d(xs, tc.tensor(w), **kw).grad_fn.ctx.algo.name == "im2col"
        slow = _conv_grads(x, w, b, **kw)
    for a, e in zip(fast, slow):
        assert_close(a, e, dtype=dtype, tol=1e-13 if dtype == np.float64 else 1e-5)


def test_unbatched_input():
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((3, 6, 5)), rng.standard_normal((4, 3, 2, 2))
    _run_both(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1),
              [x, w], rng, np.float64)
    w2 = rng.standard_normal((3, 2, 2, 2))
    _run_both(lambda x, w: F.conv_transpose2d(x, w, stride=2),
              lambda x, w: TF.conv_transpose2d(x, w, stride=2), [x, w2], rng, np.float64)


def test_only_weight_needs_grad_and_noncontiguous_input():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 9, 3, 5)).transpose(0, 2, 3, 1)  # (4, 3, 5, 9), not contiguous
    w = rng.standard_normal((2, 3, 3, 3))
    xt = tc.from_numpy(x)  # shares the strided view
    wt = tc.tensor(w, requires_grad=True)
    F.conv2d(xt, wt, stride=(1, 2)).sum().backward()
    wr = torch.tensor(w, requires_grad=True)
    TF.conv2d(torch.tensor(x), wr, stride=(1, 2)).sum().backward()
    assert xt.grad is None
    assert_close(wt.grad, wr.grad, dtype=np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_batch(dtype):
    x = tc.zeros(0, 2, 5, 5, dtype=dtype, requires_grad=True)
    w = tc.ones(3, 2, 3, 3, dtype=dtype, requires_grad=True)
    y = F.conv2d(x, w)
    assert y.shape == (0, 3, 3, 3) and y.dtype == np.dtype(dtype)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 5, 5)
    assert_close(w.grad, np.zeros((3, 2, 3, 3)), dtype=dtype)


# --------------------------------------------------------------------------- workspace API
def test_workspace_limit_api(workspace):
    assert tc.get_conv_workspace_limit() == 256 << 20
    tc.set_conv_workspace_limit(1 << 20)
    assert tc.get_conv_workspace_limit() == 1 << 20
    for bad in (0, -5, 1.5, True, "big"):
        with pytest.raises(ValueError, match="set_conv_workspace_limit"):
            tc.set_conv_workspace_limit(bad)
    assert tc.get_conv_workspace_limit() == 1 << 20


# --------------------------------------------------------------------------- errors
X = tc.randn(2, 3, 8, 8)
W = tc.randn(4, 3, 3, 3)

CONV_ERRORS = [
    (lambda: F.conv2d(X, tc.randn(4, 2, 3, 3)), ValueError, r"3 channels.*\(4, 2, 3, 3\)"),
    (lambda: F.conv2d(X, tc.randn(4, 1, 3, 3), groups=2), ValueError, r"groups=2.*\(2, 3, 8, 8\)"),
    (lambda: F.conv2d(tc.randn(2, 4, 8, 8), tc.randn(3, 2, 3, 3), groups=2), ValueError,
     r"groups=2.*\(3, 2, 3, 3\)"),
    (lambda: F.conv2d(X, tc.randn(4, 3, 3)), ValueError, r"4-D.*\(4, 3, 3\)"),
    (lambda: F.conv2d(X, tc.randn(4, 3, 9, 9)), ValueError, r"larger than the padded input"),
    (lambda: F.conv2d(X, tc.randn(4, 3, 5, 5), dilation=2), ValueError, r"dilation"),
    (lambda: F.conv2d(X, W, stride=0), ValueError, r"stride"),
    (lambda: F.conv2d(X, W, stride=(1, -1)), ValueError, r"stride"),
    (lambda: F.conv2d(X, W, dilation=0), ValueError, r"dilation"),
    (lambda: F.conv2d(X, W, padding=-1), ValueError, r"negative padding"),
    (lambda: F.conv2d(X, W, padding=(1, -2)), ValueError, r"negative padding"),
    (lambda: F.conv2d(X, W, padding="same", stride=2), ValueError, r"'same'.*strided"),
    (lambda: F.conv2d(X, W, padding="full"), ValueError, r"padding string"),
    (lambda: F.conv2d(X, W, groups=0), ValueError, r"groups"),
    (lambda: F.conv2d(X.double(), W), TypeError, r"float64.*float32"),
    (lambda: F.conv2d(X, W, tc.randn(4).double()), TypeError, r"bias dtype"),
    (lambda: F.conv2d(X, W, tc.randn(5)), ValueError, r"bias.*\(5,\)"),
    (lambda: F.conv2d(X.long(), W.long()), TypeError, r"float32 or float64"),
    (lambda: F.conv2d(tc.randn(3, 8), W), ValueError, r"\(3, 8\)"),
    (lambda: F.conv2d(tc.randn(1, 2, 3, 8, 8), W), ValueError, r"\(1, 2, 3, 8, 8\)"),
    (lambda: F.conv2d(X.numpy(), W), TypeError, r"input must be a Tensor"),
    (lambda: F.conv_transpose2d(X, tc.randn(3, 4, 3, 3), stride=2, output_padding=2),
     ValueError, r"output padding"),
    (lambda: F.conv_transpose2d(X, tc.randn(4, 4, 3, 3)), ValueError,
     r"3 channels.*\(4, 4, 3, 3\)"),
    (lambda: F.conv_transpose2d(tc.randn(1, 3, 1, 1), tc.randn(3, 4, 3, 3), padding=3), ValueError,
     r"output size"),
    (lambda: F.conv_transpose2d(X, tc.randn(3, 4, 3, 3), tc.randn(3)), ValueError, r"bias"),
    (lambda: F.conv_transpose2d(X, tc.randn(3, 4, 3, 3).double()), TypeError, r"weight dtype"),
    (lambda: F.pad(X, (1, 2, 3)), ValueError, r"divisible by 2"),
    (lambda: F.pad(X, (1,) * 10), ValueError, r"at most twice"),
    (lambda: F.pad(X, (8, 1, 1, 1), mode="reflect"), ValueError, r"smaller than dimension 3"),
    (lambda: F.pad(X, (1, 1), mode="wrap"), NotImplementedError, r"padding mode"),
    (lambda: F.pad(X, (1, 1), mode="reflect"), NotImplementedError, r"\(2, 3, 8, 8\)"),
    (lambda: F.pad(X, (1, 1), mode="replicate", value=1.0), ValueError, r"value"),
    (lambda: F.pad(X, (-5, -4)), ValueError, r"negative size"),
]


@pytest.mark.parametrize("fn,exc,pattern", CONV_ERRORS)
def test_bad_arguments(fn, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        fn()
    assert "conv2d" in str(info.value) or "conv_transpose2d" in str(info.value) \
        or "pad" in str(info.value)


def test_shape_errors_are_also_runtime_errors_like_torch():
    with pytest.raises(RuntimeError):
        F.conv2d(X, tc.randn(4, 2, 3, 3))
    with pytest.raises(RuntimeError):
        F.conv2d(X.double(), W)


def test_error_raised_before_any_work(monkeypatch):
    calls = []
    monkeypatch.setattr(C.Conv2d, "forward", lambda *a, **k: calls.append(1))
    w = tc.randn(4, 3, 3, 3, requires_grad=True)
    with pytest.raises(ValueError):
        F.conv2d(X, w, stride=0)
    assert not calls and w.grad is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_preserved(dtype):
    x = tc.randn(2, 3, 6, 6, dtype=dtype, requires_grad=True)
    w = tc.randn(4, 3, 3, 3, dtype=dtype, requires_grad=True)
    b = tc.randn(4, dtype=dtype, requires_grad=True)
    for y in (F.conv2d(x, w, b, padding=1), F.conv_transpose2d(x, tc.randn(3, 2, 3, 3, dtype=dtype),
                                                               stride=2),
              F.pad(x, (1, 1, 2, 2), mode="reflect")):
        assert y.dtype == np.dtype(dtype)
    F.conv2d(x, w, b, padding=1).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.dtype(dtype)
    assert TORCH_DTYPE[np.dtype(dtype)] is not None


def test_scratch_buffers_are_reused_per_thread_and_bounded():
    import threading

    from tinyconv.ops.conv import workspace as C

    C.release_scratch()
    a = C.scratch("a", 1000, np.float32)
    assert a.shape == (1000,) and a.dtype == np.float32
    assert np.shares_memory(a, C.scratch("a", 500, np.float64))  # same slot, same memory
    assert not np.shares_memory(a, C.scratch("b", 1000, np.float32))
    other = []
    t = threading.Thread(target=lambda: other.append(C.scratch("a", 1000, np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(a, other[0])  # each thread has its own
    with tc.backends.conv.flags(scratch_limit=6000):
        big = C.scratch("c", 1000, np.float32)  # 4000 + 8000 kept bytes: over the bound
        assert not np.shares_memory(big, C.scratch("c", 1000, np.float32))
    C.release_scratch()
    assert not np.shares_memory(a, C.scratch("a", 1000, np.float32))


@pytest.mark.skipif(not KC.SMALL_CONV, reason="no AVX2/FMA kernels on this CPU")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(8))
def test_small_direct_path_equals_im2col_and_torch(seed, dtype):
    """The register-blocked kernels (stride 1, few output channels): output and every gradient
    against the im2col path and torch, for conv2d and conv_transpose2d (which runs them with
    the roles swapped), over odd sizes, paddings, dilations and 1..8 output channels."""
    rng = np.random.default_rng(100 + seed)
    F_ = int(rng.integers(1, C.algorithm_named("small").MAX_OUT_CHANNELS + 1))
    C_ = int(rng.integers(1, 7))
    KH, KW = (int(k) for k in rng.integers(1, 6, 2))
    dil = tuple(int(d) for d in rng.integers(1, 3, 2))
    pad = tuple(int(p) for p in rng.integers(0, 3, 2))
    H = int(rng.integers(dil[0] * (KH - 1) + 1, 20))
    W = int(rng.integers(dil[1] * (KW - 1) + 1, 20))
    kw = dict(padding=pad, dilation=dil)
    x = rng.standard_normal((int(rng.integers(1, 5)), C_, H, W)).astype(dtype)
    w = rng.standard_normal((F_, C_, KH, KW)).astype(dtype)
    b = rng.standard_normal(F_).astype(dtype)
    xs = tc.tensor(x, requires_grad=True)
    with tc.backends.conv.flags(algorithm="small"):
        assert F.conv2d(xs, tc.tensor(w), **kw).grad_fn.ctx.algo.name == "small"
        small = _conv_grads(x, w, b, **kw)
        _run_both(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), [x, w, b],
                  rng, dtype)
        # conv_transpose2d: the kernels serve its input gradient (a conv of gy) and weight
        # gradient
        if min(H - 2 * pad[0] + dil[0] * (KH - 1), W - 2 * pad[1] + dil[1] * (KW - 1)) > 0:
            wt = rng.standard_normal((C_, F_, KH, KW)).astype(dtype)
            _run_both(lambda *a: F.conv_transpose2d(*a, **kw),
                      lambda *a: TF.conv_transpose2d(*a, **kw), [x, wt], rng, dtype)
    with tc.backends.conv.flags(algorithm="im2col"):
        slow = _conv_grads(x, w, b, **kw)
    for a, e, what in zip(small, slow, ("y", "gx", "gw", "gb")):
        assert_close(a, e, dtype=dtype, tol=1e-13 if dtype == np.float64 else 1e-5, what=what)


def test_small_direct_path_not_chosen_without_the_kernels(monkeypatch):
    monkeypatch.setattr(KC, "SMALL_CONV", False)  # a CPU without AVX2/FMA
    geom = C.ConvGeometry((1, 1), (0,) * 4, (1, 1), 1, (28, 28))
    assert C.select_algorithm((2, 3, 32, 32), (6, 3, 5, 5), geom, np.float32).name == "im2col"
    with tc.backends.conv.flags(algorithm="small"):  # not even when asked for
        assert C.select_algorithm((2, 3, 32, 32), (6, 3, 5, 5), geom, np.float32).name \
            == "im2col"
    with pytest.raises(RuntimeError, match="AVX2"):
        KC.conv_small(np.zeros((2, 3, 32, 32), np.float32),
                              np.zeros((6, 3, 5, 5), np.float32), (0,) * 4, (1, 1), (28, 28))
