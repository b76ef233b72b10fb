"""Winograd F(4x4, 3x3) conv path: kernels vs the NumPy oracle (and as adjoints), the path vs
the im2col path vs torch (forward and every gradient), the selection rule and its switch, and
chunked == unchunked."""
import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import assert_close
from tinyconv._hooks import add_kernel_hook
from tinyconv.ops import _reference as R
from tinyconv.ops import conv as C
from tinyconv.ops._kernels import ext, num_threads
from tinyconv.ops.conv import winograd as W

DTYPES = [np.float64, np.float32]
# (tensor dtype, transformed-domain dtype) pairs the kernels are compiled for and used with:
# float32 tensors with the transformed domain in float64 is the default for float32
DTYPE_PAIRS = [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
PAIR_IDS = ["f64", "f32", "f32-in-f64"]
TOL32 = 1e-4  # float32, relative to magnitude (the parity tolerance)
NTH = num_threads()
IM2COL = C.algorithm_named("im2col")


def _tol(dtype):
    return 1e-10 if dtype == np.float64 else TOL32


@pytest.fixture
def workspace():
    old = tc.get_conv_workspace_limit()
    yield
    tc.set_conv_workspace_limit(old)


@pytest.fixture
def switch():
    old = tc.backends.conv.winograd
    yield
    tc.backends.conv.winograd = old


@pytest.fixture(params=["float64", "float32"])
def precision(request):
    """Both settings of tinyconv.backends.conv.winograd_precision."""
    with tc.backends.conv.flags(winograd_precision=request.param):
        yield request.param


@pytest.fixture
def force():
    """force(algo): run the test's convolutions on ``algo`` (W.Winograd or IM2COL) from now on."""
    with contextlib.ExitStack() as stack:
        yield lambda algo: stack.enter_context(tc.backends.conv.flags(algorithm=algo.name))


# --------------------------------------------------------------------------- kernels vs oracle
def _geometry(rng):
    """Random (N, C, F, H, W, pads) with a non-empty output; pads per side, 0..3."""
    while True:
        N, Cn, Fn = (int(v) for v in rng.integers(1, 5, size=3))
        H, W_ = (int(v) for v in rng.integers(1, 14, size=2))
        pads = tuple(int(v) for v in rng.integers(0, 4, size=4))
        if H + pads[0] + pads[1] >= 3 and W_ + pads[2] + pads[3] >= 3:
            return N, Cn, Fn, H, W_, pads


@pytest.mark.parametrize("dtype,wd", DTYPE_PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("seed", range(8))
def test_transform_kernels_match_reference(seed, dtype, wd):
    rng = np.random.default_rng(seed)
    N, Cn, Fn, H, W_, pads = _geometry(rng)
    OH, OW = H + pads[0] + pads[1] - 2, W_ + pads[2] + pads[3] - 2
    TH, TW = R.winograd_grid(OH, OW)
    x = rng.standard_normal((N, Cn, H, W_)).astype(dtype)
    w = rng.standard_normal((Fn, Cn, 3, 3)).astype(dtype)
    b = rng.standard_normal(Fn).astype(dtype)
    tol = 1e-13 if dtype == np.float64 else 1e-5

    V = np.empty((36, Cn, N * TH * TW), dtype=wd)
    ext.winograd_input_transform(x, V, 0, TH, TW, pads[0], pads[2], NTH)
    assert_close(V, R.winograd_input_transform(x, (pads[0], pads[2]), TH, TW), tol=tol)

    U = np.empty((36, Fn, Cn), dtype=wd)
    ext.winograd_filter_transform(w, U, NTH)
    assert_close(U, R.winograd_filter_transform(w), tol=tol)

    M = rng.standard_normal((36, Fn, N * TH * TW)).astype(wd)
    y = np.empty((N, Fn, OH, OW), dtype=dtype)
    ext.winograd_output_transform(M, y, b, 0, TH, TW, NTH)
    expect = R.winograd_output_transform(M, N, TH, TW, OH, OW) + b.reshape(1, Fn, 1, 1)
    assert_close(y, expect, tol=tol)


@pytest.mark.parametrize("dtype,wd", DTYPE_PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("seed", range(6))
def test_backward_kernels_are_adjoints(seed, dtype, wd):
    """<T(a), b> == <a, T*(b)> for each transform T and the kernel computing its adjoint."""
    rng = np.random.default_rng(100 + seed)
    N, Cn, Fn, H, W_, pads = _geometry(rng)
    OH, OW = H + pads[0] + pads[1] - 2, W_ + pads[2] + pads[3] - 2
    TH, TW = R.winograd_grid(OH, OW)
    T = N * TH * TW
    tol = 1e-12 if dtype == np.float64 else 1e-4

    def same(a, b):
        assert abs(a - b) <= tol * max(1.0, abs(a), abs(b)), (a, b)

    # input transform and winograd_input_transform_adjoint
    x = rng.standard_normal((N, Cn, H, W_)).astype(dtype)
    dV = rng.standard_normal((36, Cn, T)).astype(wd)
    V = np.empty_like(dV)
    ext.winograd_input_transform(x, V, 0, TH, TW, pads[0], pads[2], NTH)
    gx = np.zeros_like(x)
    ext.winograd_input_transform_adjoint(dV, gx, 0, TH, TW, pads[0], pads[2], NTH)
    same(float(np.vdot(V, dV)), float(np.vdot(x, gx)))

    # output transform (no bias) and winograd_gy_transform
    M = rng.standard_normal((36, Fn, T)).astype(wd)
    gy = rng.standard_normal((N, Fn, OH, OW)).astype(dtype)
    y = np.empty_like(gy)
    ext.winograd_output_transform(M, y, None, 0, TH, TW, NTH)
    Mg = np.empty_like(M)
    ext.winograd_gy_transform(gy, Mg, 0, TH, TW, NTH)
    same(float(np.vdot(y, gy)), float(np.vdot(M, Mg)))

    # filter transform and winograd_filter_transform_adjoint
    w = rng.standard_normal((Fn, Cn, 3, 3)).astype(dtype)
    dU = rng.standard_normal((36, Fn, Cn)).astype(wd)
    gw = np.empty_like(w)
    ext.winograd_filter_transform_adjoint(dU, gw, NTH)
    same(float(np.vdot(R.winograd_filter_transform(w), dU)), float(np.vdot(w, gw)))


def test_reference_winograd_matches_direct_conv():
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 3, 9, 6)), rng.standard_normal((4, 3, 3, 3))
    for pads in [(0, 0, 0, 0), (1, 1, 1, 1), (2, 0, 1, 3)]:
        assert_close(R.winograd_conv2d(x, w, pads), R.conv2d(x, w, None, pads=pads), tol=1e-13)


# --------------------------------------------------------------------------- the path vs torch
def _config(seed):
    """Random conv2d arguments the Winograd path applies to: 3x3, stride 1, any padding."""
    rng = np.random.default_rng(1000 + seed)
    while True:
        N = int(rng.integers(1, 5))
        Cn, Fn = int(rng.integers(1, 21)), int(rng.integers(1, 21))
        H, W_ = int(rng.integers(1, 15)), int(rng.integers(1, 15))
        padding = int(rng.integers(0, 3)) if rng.random() < 0.7 else \
            (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        ph, pw = (padding, padding) if isinstance(padding, int) else padding
        if H + 2 * ph >= 3 and W_ + 2 * pw >= 3:
            return rng, (N, Cn, H, W_), (Fn, Cn, 3, 3), rng.random() < 0.7, padding


def _grads(fn, x, w, b, gy_seed, dtype):
    """(y, gx, gw, gb) of y = fn(x, w, b) with gy drawn from gy_seed."""
    xs = [tc.tensor(v.astype(dtype), requires_grad=True) for v in (x, w)]
    if b is not None:
        xs.append(tc.tensor(b.astype(dtype), requires_grad=True))
    y = fn(*xs)
    gy = np.random.default_rng(gy_seed).standard_normal(y.shape).astype(dtype)
    y.backward(gy)
    out = [y._data] + [t.grad._data for t in xs]
    for a in out:
        assert a.dtype == np.dtype(dtype)
    return out, gy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(40))
def test_winograd_path_matches_torch_and_im2col(seed, dtype, force, precision):
    rng, xs, ws, has_b, padding = _config(seed)
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    b = rng.standard_normal(ws[0]) if has_b else None
    conv = lambda x, w, b=None: F.conv2d(x, w, b, padding=padding)  # noqa: E731
    force(W.Winograd)
    wino, gy = _grads(conv, x, w, b, seed, dtype)
    force(IM2COL)
    im2col, _ = _grads(conv, x, w, b, seed, dtype)

    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    wt = torch.tensor(w.astype(dtype), requires_grad=True)
    bt = None if b is None else torch.tensor(b.astype(dtype), requires_grad=True)
    yt = TF.conv2d(xt, wt, bt, padding=padding)
    yt.backward(torch.tensor(gy))
    expect = [yt, xt.grad, wt.grad] + ([] if bt is None else [bt.grad])
    for a, i, e, what in zip(wino, im2col, expect, ("y", "gx", "gw", "gb")):
        assert_close(a, e, dtype=dtype, tol=_tol(dtype), what=f"winograd {what} vs torch")
        assert_close(a, i, dtype=dtype, tol=_tol(dtype), what=f"winograd {what} vs im2col")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 64, 16, 16, 64), (1, 256, 8, 8, 256), (3, 32, 9, 11, 40)])
def test_vgg_like_layers_match_torch(shape, dtype, force, precision):
    """Wide layers: many products per output, where float32 Winograd error would show."""
    N, Cn, H, W_, Fn = shape
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal((N, Cn, H, W_))
    w = rng.standard_normal((Fn, Cn, 3, 3)) * 0.1
    b = rng.standard_normal(Fn)
    force(W.Winograd)
    got, gy = _grads(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b, 5, dtype)
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    wt = torch.tensor(w.astype(dtype), requires_grad=True)
    bt = torch.tensor(b.astype(dtype), requires_grad=True)
    yt = TF.conv2d(xt, wt, bt, padding=1)
    yt.backward(torch.tensor(gy))
    for a, e, what in zip(got, (yt, xt.grad, wt.grad, bt.grad), ("y", "gx", "gw", "gb")):
        assert_close(a, e, dtype=dtype, tol=_tol(dtype), what=what)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv_transpose2d_on_winograd_matches_torch(padding, force):
    rng = np.random.default_rng(3 + padding)
    x = rng.standard_normal((2, 5, 7, 6))
    w = rng.standard_normal((5, 4, 3, 3))
    b = rng.standard_normal(4)
    force(W.Winograd)
    got, gy = _grads(lambda x, w, b: F.conv_transpose2d(x, w, b, padding=padding), x, w, b, 1,
                     np.float64)
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    yt = TF.conv_transpose2d(xt, wt, bt, padding=padding)
    yt.backward(torch.tensor(gy))
    for a, e, what in zip(got, (yt, xt.grad, wt.grad, bt.grad), ("y", "gx", "gw", "gb")):
        assert_close(a, e, dtype=np.float64, what=what)


def test_gradcheck_on_winograd(force):
    force(W.Winograd)
    rng = np.random.default_rng(4)
    x = tc.tensor(rng.standard_normal((1, 2, 6, 5)), requires_grad=True)
    w = tc.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    b = tc.tensor(rng.standard_normal(2), requires_grad=True)
    assert tc.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), (x, w, b))


def test_only_some_gradients(force):
    """needs_input_grad: only the gradients asked for are computed, each still right."""
    force(W.Winograd)
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 4, 7, 7)), rng.standard_normal((3, 4, 3, 3))
    for need_x in (True, False):
        xa = tc.tensor(x, requires_grad=need_x)
        wa = tc.tensor(w, requires_grad=not need_x)
        F.conv2d(xa, wa, padding=1).sum().backward()
        xt = torch.tensor(x, requires_grad=need_x)
        wt = torch.tensor(w, requires_grad=not need_x)
        TF.conv2d(xt, wt, padding=1).sum().backward()
        if need_x:
            assert wa.grad is None
            assert_close(xa.grad, xt.grad)
        else:
            assert xa.grad is None
            assert_close(wa.grad, wt.grad)


# --------------------------------------------------------------------------- selection, switch
def _geom(pad, out_hw, stride=1, dilation=1, groups=1):
    return C.ConvGeometry((stride,) * 2, (pad,) * 4, (dilation,) * 2, groups, out_hw)


@pytest.mark.parametrize("cin,cout,size,algo", [
    (3, 64, 32, "im2col"), (64, 64, 32, "winograd"), (64, 128, 16, "winograd"),
    (128, 128, 16, "winograd"), (128, 256, 8, "im2col"), (256, 256, 8, "im2col")])
def test_selection_on_minivgg_layers(cin, cout, size, algo, switch):
    tc.backends.conv.winograd = True
    got = C.select_algorithm((128, cin, size, size), (cout, cin, 3, 3), _geom(1, (size, size)),
                             np.float32)
    assert got.name == algo


@pytest.mark.parametrize("geom_kw,w_shape", [
    (dict(stride=2), (64, 64, 3, 3)), (dict(dilation=2), (64, 64, 3, 3)),
    (dict(groups=2), (64, 32, 3, 3)), ({}, (64, 64, 5, 5)), ({}, (64, 64, 3, 1))])
def test_selection_never_picks_winograd_where_it_does_not_apply(geom_kw, w_shape, switch):
    tc.backends.conv.winograd = True
    geom = _geom(1, (16, 16), **geom_kw)
    assert C.select_algorithm((8, 64, 32, 32), w_shape, geom, np.float32) is not W.Winograd


def test_switch_turns_winograd_off(switch):
    seen = []
    handle = add_kernel_hook(lambda cat, dt: seen.append(cat))
    rng = np.random.default_rng(8)
    x = tc.tensor(rng.standard_normal((2, 32, 16, 16)).astype(np.float32))
    w = tc.tensor(rng.standard_normal((32, 32, 3, 3)).astype(np.float32))
    assert "winograd=True" in repr(tc.backends.conv)
    try:
        y_on = F.conv2d(x, w, padding=1)
        assert "winograd transform" in seen
        seen.clear()
        tc.backends.conv.winograd = False
        assert C.select_algorithm((2, 32, 16, 16), (32, 32, 3, 3), _geom(1, (16, 16)),
                                  np.float32) is IM2COL
        y_off = F.conv2d(x, w, padding=1)
        assert "winograd transform" not in seen and "im2col" in seen
    finally:
        handle.remove()
    assert_close(y_on, y_off, dtype=np.float32, tol=TOL32)


# --------------------------------------------------------------------------- chunks
@pytest.mark.parametrize("dtype", DTYPES)
def test_chunked_equals_unchunked(dtype, workspace, monkeypatch, force, precision):
    force(W.Winograd)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((5, 6, 9, 13))
    w = rng.standard_normal((7, 6, 3, 3))
    b = rng.standard_normal(7)
    conv = lambda x, w, b: F.conv2d(x, w, b, padding=1)  # noqa: E731
    whole, _ = _grads(conv, x, w, b, 2, dtype)
    seen = []
    real = ext.winograd_input_transform

    def spy(xx, V, *args):
        seen.append(V.nbytes)
        return real(xx, V, *args)

    monkeypatch.setattr(ext, "winograd_input_transform", spy)
    itemsize = W.work_dtype(dtype).itemsize  # the buffers are in the transformed domain's dtype
    row = 36 * 6 * 4 * itemsize  # one tile row of V: 36 components x C x TW tiles
    for limit in (1, 36 * (6 + 7) * 4 * itemsize * 2, 36 * (6 + 7) * 4 * itemsize * 5 + 3):
        tc.set_conv_workspace_limit(limit)
        seen.clear()
        parts, _ = _grads(conv, x, w, b, 2, dtype)
        rows = max(1, limit // (36 * (6 + 7) * 4 * itemsize))
        assert max(seen) <= rows * row
        assert len(seen) == 2 * -(-5 * 3 // rows)  # forward and the weight gradient
        for a, e, what in zip(parts, whole, ("y", "gx", "gw", "gb")):
            assert_close(a, e, dtype=dtype, tol=1e-13 if dtype == np.float64 else 1e-5,
                         what=what)


def test_few_channels_run_in_cache_sized_chunks():
    """On one thread, C + F <= SMALL_CHANNELS: chunks under CACHE_CHUNK_BYTES, whatever the
    workspace limit; more channels, or a team of threads: one chunk as large as the limit
    allows."""
    limit = tc.get_conv_workspace_limit()
    with tc.backends.kernels.flags(num_threads=1):
        for C_, F_, itemsize in ((16, 16, 8), (32, 32, 8), (8, 3, 4)):
            rows = W._rows_per_chunk(10 ** 6, 8, C_, F_, itemsize)
            assert C_ + F_ <= W.SMALL_CHANNELS
            assert rows == W.CACHE_CHUNK_BYTES // (36 * (C_ + F_) * 8 * itemsize)
        assert W._rows_per_chunk(10 ** 6, 8, 64, 64, 8) == limit // (36 * 128 * 8 * 8)
        assert W._rows_per_chunk(3, 8, 16, 16, 8) == 3
    with tc.backends.kernels.flags(num_threads=2):
        assert W._rows_per_chunk(10 ** 6, 8, 16, 16, 8) == limit // (36 * 32 * 8 * 8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cache_sized_chunks_match_torch(dtype, monkeypatch, force, precision):
    """A 16 -> 16 layer whose tile rows span two cache-sized chunks (forward and gw),
    on one thread."""
    with tc.backends.kernels.flags(num_threads=1):
        force(W.Winograd)
        rng = np.random.default_rng(21)
        TW = 8  # 32 / 4 tiles per row
        rows_per_chunk = W._rows_per_chunk(10 ** 6, TW, 16, 16, W.work_dtype(dtype).itemsize)
        N = rows_per_chunk // TW + 1  # TH = 8 tile rows per image: one image more than a chunk
        x = rng.standard_normal((N, 16, 32, 32))
        w = rng.standard_normal((16, 16, 3, 3)) / 12.0
        b = rng.standard_normal(16)
        seen = []
        real = ext.winograd_input_transform

        def spy(xx, V, *args):
            seen.append(V.shape[2])
            return real(xx, V, *args)

        monkeypatch.setattr(ext, "winograd_input_transform", spy)
        ours, gy = _grads(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, w, b, 3, dtype)
        ts = [torch.tensor(v.astype(dtype), requires_grad=True) for v in (x, w, b)]
        yt = TF.conv2d(*ts, padding=1)
        yt.backward(torch.tensor(gy))
        theirs = [yt.detach()] + [t.grad for t in ts]
        assert len(seen) == 4 and seen[0] == rows_per_chunk * TW  # two chunks, forward and gw
        for a, e, what in zip(ours, theirs, ("y", "gx", "gw", "gb")):
            assert_close(a, e, dtype=dtype, tol=1e-10 if dtype == np.float64 else TOL32, what=what)


def test_ndarray_level_functions_with_negative_padding():
    """pads < 0 crop the input: the kernels take any offset (used by the adjoint form)."""
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((2, 3, 10, 9)), rng.standard_normal((4, 3, 3, 3))
    pads = (-1, 0, 1, -2)
    y = W.winograd_conv2d_3x3(x, w, pads)
    xc = x[:, :, 1:, :-2]  # top and right cropped, left padded
    assert_close(y, R.conv2d(xc, w, None, pads=(0, 0, 1, 0)))
    gy = rng.standard_normal(y.shape)
    gx, gw = W.winograd_conv2d_3x3_backward(gy, x, w, x.shape, pads)
    xt = torch.tensor(xc, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    TF.conv2d(TF.pad(xt, (1, 0, 0, 0)), wt).backward(torch.tensor(gy))
    assert_close(gx[:, :, 1:, :-2], xt.grad)
    assert not gx[:, :, :1].any() and not gx[:, :, :, -2:].any()
    assert_close(gw, wt.grad)


# --------------------------------------------------------------------------- float32 accuracy
def _rel_rms(a, ref):
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    return float(np.sqrt(np.mean((a - ref) ** 2) / np.mean(ref ** 2)))


@pytest.mark.parametrize("shape", [(4, 64, 16, 16, 64), (2, 128, 14, 14, 128)])
def test_float32_winograd_is_as_accurate_as_torch(shape, force):
    """float32 tensors: y, gx and gw off their float64 values by no more than torch's float32
    conv (rms), with the default winograd_precision; float32 GEMMs would be 7-8x off."""
    N, Cn, H, W_, Fn = shape
    rng = np.random.default_rng(Cn)
    x = np.maximum(rng.standard_normal((N, Cn, H, W_)), 0)       # post-ReLU activations
    w = rng.standard_normal((Fn, Cn, 3, 3)) * np.sqrt(2.0 / (9 * Cn))
    conv = lambda x, w: F.conv2d(x, w, padding=1)  # noqa: E731
    force(W.Winograd)
    ref, gy = _grads(conv, x, w, None, 7, np.float64)
    got, _ = _grads(conv, x, w, None, 7, np.float32)
    with tc.backends.conv.flags(winograd_precision="float32"):
        fast, _ = _grads(conv, x, w, None, 7, np.float32)
    xt = torch.tensor(x.astype(np.float32), requires_grad=True)
    wt = torch.tensor(w.astype(np.float32), requires_grad=True)
    yt = TF.conv2d(xt, wt, padding=1)
    yt.backward(torch.tensor(gy.astype(np.float32)))
    theirs = (yt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy())
    for a, f, e, r, what in zip(got, fast, theirs, ref, ("y", "gx", "gw")):
        mine, torch_err, fast_err = _rel_rms(a, r), _rel_rms(e, r), _rel_rms(f, r)
        assert mine <= torch_err, f"{what}: winograd {mine:.2e} > torch {torch_err:.2e}"
        assert fast_err > 2 * mine, f"{what}: float32 GEMMs {fast_err:.2e} vs {mine:.2e}"


def test_precision_switch_validates():
    with pytest.raises(ValueError, match="winograd_precision"):
        tc.backends.conv.winograd_precision = "float16"
    assert tc.backends.conv.winograd_precision == "float64"
    assert W.work_dtype(np.float32) == np.float64 and W.work_dtype(np.float64) == np.float64
    with tc.backends.conv.flags(winograd_precision="float32"):
        assert W.work_dtype(np.float32) == np.float32
