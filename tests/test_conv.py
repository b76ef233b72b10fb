"""conv2d, conv_transpose2d: what is not an op-vs-torch comparison on the default path (those
are registry samples, tests/test_ops.py): the random configurations on the im2col path and
against the NumPy reference, the algorithm paths against each other (chunked, saved columns,
pointwise, direct, small-direct), layouts, empty batches, the workspace API, errors raised
before any work, scratch buffers."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import assert_close
from tinyconv import testing
from tinyconv.ops import _reference as R
from tinyconv.ops import conv as C
from tinyconv.ops._kernels import conv as KC
from tinyconv.testing.opinfo import const

# torch warns that it copies the input for 'same' with an even kernel; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

DTYPES = [np.float64, np.float32]
RANDOM = [s for name in ("conv2d", "conv_transpose2d") for s in testing.op(name).samples()
          if s.label.startswith("random config")]


def _fixed(op, arrays, **kw):
    """An ad hoc registry sample of ``op`` on these arrays (cast to each run's dtype)."""
    names = ("input", "weight", "bias")
    return testing.op(op).sample([(n, const(a), True) for n, a in zip(names, arrays)], **kw)


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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sample", RANDOM, ids=[s.id for s in RANDOM])
def test_random_configs_on_the_im2col_path_match_torch(sample, dtype, im2col_only):
    """The registry's random conv2d/conv_transpose2d configurations with every convolution
    on the im2col path (tests/test_ops.py runs them on the path select_algorithm picks)."""
    testing.assert_against_torch(sample, dtype)


@pytest.mark.parametrize("sample", [s for s in RANDOM if s.op.name == "conv2d"],
                         ids=lambda s: s.id)
def test_conv2d_matches_the_numpy_reference(sample):
    arrays = sample.arrays(np.float64)
    kw = sample.kwargs
    y = F.conv2d(*(tc.tensor(a) for a in arrays), **kw)
    ws = arrays[1].shape
    if kw["padding"] == "same":  # torch's rule: the extra row/column goes after
        th = kw["dilation"][0] * (ws[2] - 1)
        tw = kw["dilation"][1] * (ws[3] - 1)
        pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    elif kw["padding"] == "valid":
        pads = (0, 0, 0, 0)
    else:
        ph, pw = (kw["padding"],) * 2 if isinstance(kw["padding"], int) else kw["padding"]
        pads = (ph, ph, pw, pw)
    ref = R.conv2d(arrays[0], arrays[1], arrays[2] if len(arrays) == 3 else None, kw["stride"],
                   pads, kw["dilation"], kw["groups"])
    assert_close(y, ref, dtype=np.float64, what="vs reference")


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


def test_error_raised_before_any_work(monkeypatch):
    calls = []
    monkeypatch.setattr(C.Conv2d, "forward", lambda *a, **k: calls.append(1))
    w = tc.randn(4, 3, 3, 3, requires_grad=True)
    with pytest.raises(ValueError):
        F.conv2d(X, w, stride=0)
    assert not calls and w.grad is None


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
        testing.assert_against_torch(_fixed("conv2d", [x, w, b], **kw), dtype)
        # conv_transpose2d: the kernels serve its input gradient (a conv of gy) and weight
        # gradient
        if min(H - 2 * pad[0] + dil[0] * (KH - 1), W - 2 * pad[1] + dil[1] * (KW - 1)) > 0:
            wt = rng.standard_normal((C_, F_, KH, KW)).astype(dtype)
            testing.assert_against_torch(_fixed("conv_transpose2d", [x, wt], **kw), dtype)
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
