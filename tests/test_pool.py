"""Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d against torch and the NumPy oracle.

Forward values, argmax indices and input gradients are compared with torch in float64 (tight)
and float32, over randomized option grids; the Cython kernels are compared with
tinyconv/ops/_reference.py; float64 gradchecks run on distinct values away from ties.
"""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv.ops._kernels import pool as K
from tinyconv.ops import _reference as R

from .utils import assert_close, pair

DTYPES = [np.float64, np.float32]


# ------------------------------------------------------------------------------ config grids
def _has_empty_window(hw, k, s, p, d, out):
    """Whether some window has no tap inside the input (possible with dilation)."""
    return any(not any(0 <= o * s[a] - p[a] + i * d[a] < hw[a] for i in range(k[a]))
               for a in (0, 1) for o in range(out[a]))


def _max_configs(n, seed):
    """Random valid max_pool2d configurations (output at least 1x1)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        d = tuple(int(v) for v in rng.integers(1, 4, size=2))
        ceil = bool(rng.integers(0, 2))
        hw = tuple(int(v) for v in rng.integers(1, 13, size=2))
        batched = bool(rng.integers(0, 4))  # mostly 4-D, sometimes (C, H, W)
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        oh = R.pool_output_size(hw[0], k[0], s[0], p[0], d[0], ceil)
        ow = R.pool_output_size(hw[1], k[1], s[1], p[1], d[1], ceil)
        if oh < 1 or ow < 1 or _has_empty_window(hw, k, s, p, d, (oh, ow)):
            continue  # (windows wholly in the padding: torch's backward corrupts memory)
        # stride=None (default: the kernel) now and then, in the user's spelling
        stride = None if rng.integers(0, 6) == 0 else (s if s[0] != s[1] else s[0])
        out.append(dict(shape=shape, kernel_size=k if k[0] != k[1] else k[0], stride=stride,
                        padding=p, dilation=d, ceil_mode=ceil,
                        return_indices=bool(rng.integers(0, 2))))
    return out


def _avg_configs(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        k = tuple(int(v) for v in rng.integers(1, 5, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in k)
        ceil = bool(rng.integers(0, 2))
        hw = tuple(int(v) for v in rng.integers(1, 12, size=2))
        batched = bool(rng.integers(0, 4))
        shape = ((int(rng.integers(1, 4)),) if batched else ()) + (int(rng.integers(1, 4)),) + hw
        if min(R.pool_output_size(hw[i], k[i], s[i], p[i], 1, ceil) for i in (0, 1)) < 1:
            continue
        div = None if rng.integers(0, 4) else int(rng.choice([-3, 1, 2, 5]))
        out.append(dict(shape=shape, kernel_size=k, stride=None if rng.integers(0, 6) == 0 else s,
                        padding=p if p[0] != p[1] else p[0], ceil_mode=ceil,
                        count_include_pad=bool(rng.integers(0, 2)), divisor_override=div))
    return out


MAX_GRID = _max_configs(48, seed=7)
AVG_GRID = _avg_configs(48, seed=11)
ADAPTIVE_GRID = [((2, 3, 7, 9), (3, 4)), ((2, 3, 8, 8), 4), ((1, 2, 5, 7), (5, 7)),
                 ((2, 2, 5, 6), (8, 9)), ((2, 3, 9, 6), 1), ((3, 6, 6), (4, None)),
                 ((1, 2, 10, 3), (None, 2)), ((2, 2, 7, 5), (7, 2)), ((4, 11, 13), (5, 3)),
                 ((1, 1, 1, 1), (3, 2))]


def _cfg_id(cfg):
    return "-".join(f"{k}={v}" for k, v in cfg.items()).replace(" ", "")


def _run_pair(fn_tc, fn_torch, x, rng, **kw):
    """Run tinyconv and torch on the same input; backward the same random gy; return both."""
    a, b = pair(x)
    ya, yb = fn_tc(a, **kw), fn_torch(b, **kw)
    outs_a = ya if isinstance(ya, tuple) else (ya,)
    outs_b = yb if isinstance(yb, tuple) else (yb,)
    gy = rng.standard_normal(outs_b[0].shape).astype(x.dtype)
    outs_a[0].backward(tc.tensor(gy))
    outs_b[0].backward(torch.tensor(gy))
    return outs_a, outs_b, a.grad, b.grad


# ------------------------------------------------------------------------------ max_pool2d
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", MAX_GRID, ids=_cfg_id)
def test_max_pool2d_matches_torch(cfg, dtype):
    rng = np.random.default_rng(zlib.crc32(_cfg_id(cfg).encode()))
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    x = rng.standard_normal(cfg["shape"]).astype(dtype)
    outs_a, outs_b, ga, gb = _run_pair(F.max_pool2d, TF.max_pool2d, x, rng, **kw)
    assert_close(outs_a[0], outs_b[0], dtype=dtype, what="output")
    if cfg["return_indices"]:
        assert len(outs_a) == 2 and outs_a[1].dtype == np.int64
        assert not outs_a[1].requires_grad
        np.testing.assert_array_equal(outs_a[1].numpy(), outs_b[1].numpy())
    else:
        assert len(outs_a) == 1
    assert_close(ga, gb, dtype=dtype, what="input grad")


def test_max_pool2d_2x2_fast_path_odd_sizes():
    # kernel 2 stride 2: the non-overlapping kernel; odd H/W leave a row/column out of every
    # window, which must get zero gradient even though the gradient buffer is np.empty
    rng = np.random.default_rng(0)
    for shape in [(3, 4, 9, 7), (2, 3, 8, 8), (1, 2, 2, 3), (5, 5, 3)]:
        for dtype in DTYPES:
            for _ in range(2):
                x = rng.standard_normal(shape).astype(dtype)
                outs_a, outs_b, ga, gb = _run_pair(F.max_pool2d, TF.max_pool2d, x, rng,
                                                   kernel_size=2, return_indices=True)
                assert_close(outs_a[0], outs_b[0], dtype=dtype)
                np.testing.assert_array_equal(outs_a[1].numpy(), outs_b[1].numpy())
                assert_close(ga, gb, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel_size,stride,padding,dilation", [
    (2, 2, 0, 1), (2, 1, 0, 1), (3, 1, 1, 1), (3, 2, 1, 2), ((2, 3), (1, 2), (1, 0), (2, 1))])
def test_max_pool2d_ties_send_the_gradient_to_one_element_as_torch(kernel_size, stride,
                                                                   padding, dilation, dtype):
    rng = np.random.default_rng(1)
    # few distinct values: most windows hold tied maxima; one plane is constant
    x = rng.integers(0, 3, size=(2, 3, 7, 8)).astype(dtype)
    x[1, 2] = 1.0
    outs_a, outs_b, ga, gb = _run_pair(
        F.max_pool2d, TF.max_pool2d, x, rng, kernel_size=kernel_size, stride=stride,
        padding=padding, dilation=dilation, return_indices=True)
    np.testing.assert_array_equal(outs_a[1].numpy(), outs_b[1].numpy())
    assert_close(ga, gb, dtype=dtype)
    # one element per window: the gradient mass of each window lands on a single position
    y = outs_a[0]
    ones = tc.tensor(np.ones(x.shape, dtype=dtype), requires_grad=True)
    F.max_pool2d(ones, kernel_size, stride, padding, dilation).backward(
        tc.tensor(np.ones(y.shape, dtype=dtype)))
    assert ones.grad.numpy().sum() == y.numel()
    if stride == kernel_size and padding == 0:  # disjoint windows: exactly one hit each
        assert np.count_nonzero(ones.grad.numpy()) == y.numel()


@pytest.mark.parametrize("fast", [True, False])
def test_max_pool2d_nan_and_inf_follow_torch(fast):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 6, 6))
    x[0, 0, 0, 1] = np.nan
    x[0, 1, 2:4, 2:4] = np.nan  # a window of NaNs: torch keeps the last one
    x[1, 0, :2, :2] = -np.inf  # a window of -inf: the index stays on the first element
    x[1, 1, 4, 4] = np.inf
    kw = dict(kernel_size=2) if fast else dict(kernel_size=3, stride=1, padding=1)
    ya, ia = F.max_pool2d(tc.tensor(x), return_indices=True, **kw)
    yb, ib = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(ya.numpy(), yb.numpy())  # NaN == NaN here
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    for dtype in DTYPES:  # and the kernels that skip the argmax (no grad, no indices)
        with tc.no_grad():
            y = F.max_pool2d(tc.tensor(x.astype(dtype)), **kw)
        np.testing.assert_array_equal(y.numpy(), TF.max_pool2d(torch.tensor(x.astype(dtype)),
                                                               **kw).numpy())


def test_max_pool2d_window_wholly_in_padding():
    # kernel 2, dilation 3, padding 1 on a 2x2 input: both taps fall in the padding.  torch
    # gives -inf and index 6 (outside the plane); its backward then corrupts memory, so only
    # the forward is compared and our gradient must be zero.
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    a = tc.tensor(x, requires_grad=True)
    ya, ia = F.max_pool2d(a, 2, 1, 1, 3, return_indices=True)
    yb, ib = TF.max_pool2d(torch.tensor(x), 2, 1, 1, 3, return_indices=True)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    ya.backward(tc.tensor(np.ones(ya.shape)))
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros_like(x))


def test_max_pool2d_no_grad_skips_indices_and_agrees():
    rng = np.random.default_rng(3)
    for dtype in DTYPES:
        x = tc.tensor(rng.standard_normal((2, 3, 9, 8)).astype(dtype), requires_grad=True)
        for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)]:
            y_grad = F.max_pool2d(x, **kw)
            with tc.no_grad():
                y = F.max_pool2d(x, **kw)
                y2, i2 = F.max_pool2d(x, return_indices=True, **kw)
            assert y.grad_fn is None and not y.requires_grad
            np.testing.assert_array_equal(y.numpy(), y_grad.detach().numpy())
            np.testing.assert_array_equal(y2.numpy(), y_grad.detach().numpy())
            ib = TF.max_pool2d(torch.tensor(x.detach().numpy()), return_indices=True, **kw)[1]
            np.testing.assert_array_equal(i2.numpy(), ib.numpy())


def test_max_pool2d_gradcheck_distinct_values():
    rng = np.random.default_rng(4)
    # distinct values 0.1 apart: a 1e-6 step never changes an argmax
    for shape, kw in [((1, 2, 5, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=1)),
                      ((2, 1, 6, 6), dict(kernel_size=2)),
                      ((2, 5, 7), dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True))]:
        vals = rng.permutation(np.prod(shape)).astype(np.float64) * 0.1 - 1.0
        x = tc.tensor(vals.reshape(shape), requires_grad=True)
        assert tc.gradcheck(lambda t: F.max_pool2d(t, **kw), (x,))


# ------------------------------------------------------------------------------ avg_pool2d
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", AVG_GRID, ids=_cfg_id)
def test_avg_pool2d_matches_torch(cfg, dtype):
    rng = np.random.default_rng(zlib.crc32(_cfg_id(cfg).encode()))
    kw = {k: v for k, v in cfg.items() if k != "shape"}
    x = rng.standard_normal(cfg["shape"]).astype(dtype)
    outs_a, outs_b, ga, gb = _run_pair(F.avg_pool2d, TF.avg_pool2d, x, rng, **kw)
    assert_close(outs_a[0], outs_b[0], dtype=dtype, what="output")
    assert_close(ga, gb, dtype=dtype, what="input grad")


def test_avg_pool2d_2x2_fast_path_odd_sizes():
    rng = np.random.default_rng(5)
    for shape in [(3, 4, 9, 7), (2, 3, 8, 8), (1, 2, 2, 3), (5, 5, 3)]:
        for dtype in DTYPES:
            for _ in range(2):
                x = rng.standard_normal(shape).astype(dtype)
                outs_a, outs_b, ga, gb = _run_pair(F.avg_pool2d, TF.avg_pool2d, x, rng,
                                                   kernel_size=2)
                assert_close(outs_a[0], outs_b[0], dtype=dtype)
                assert_close(ga, gb, dtype=dtype)


def test_avg_pool2d_gradcheck():
    rng = np.random.default_rng(6)
    for shape, kw in [((1, 2, 5, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=1,
                                          count_include_pad=False)),
                      ((2, 5, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
                      ((1, 1, 4, 4), dict(kernel_size=2, divisor_override=3))]:
        x = tc.tensor(rng.standard_normal(shape), requires_grad=True)
        assert tc.gradcheck(lambda t: F.avg_pool2d(t, **kw), (x,))


# ------------------------------------------------------------------------------ adaptive
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,output_size", ADAPTIVE_GRID, ids=str)
def test_adaptive_avg_pool2d_matches_torch(shape, output_size, dtype):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = rng.standard_normal(shape).astype(dtype)
    outs_a, outs_b, ga, gb = _run_pair(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, x, rng,
                                       output_size=output_size)
    assert_close(outs_a[0], outs_b[0], dtype=dtype, what="output")
    assert_close(ga, gb, dtype=dtype, what="input grad")


def test_adaptive_avg_pool2d_gradcheck():
    rng = np.random.default_rng(8)
    for shape, size in [((1, 2, 5, 7), (3, 4)), ((2, 4, 3), (5, None))]:
        x = tc.tensor(rng.standard_normal(shape), requires_grad=True)
        assert tc.gradcheck(lambda t: F.adaptive_avg_pool2d(t, size), (x,))


def test_adaptive_avg_pool2d_zero_output_and_empty_batch():
    x = tc.tensor(np.ones((2, 3, 4, 4)), requires_grad=True)
    y = F.adaptive_avg_pool2d(x, 0)
    assert y.shape == tuple(TF.adaptive_avg_pool2d(torch.ones(2, 3, 4, 4), 0).shape)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3, 4, 4)))
    assert F.adaptive_avg_pool2d(tc.zeros(2, 0, 4, 4), 2).shape == (2, 0, 2, 2)


# ------------------------------------------------------------------------------ all pools
POOLS = [
    ("max", lambda m: m.max_pool2d, dict(kernel_size=3, stride=2, padding=1)),
    ("avg", lambda m: m.avg_pool2d, dict(kernel_size=3, stride=2, padding=1)),
    ("adaptive", lambda m: m.adaptive_avg_pool2d, dict(output_size=(3, 2))),
]


@pytest.mark.parametrize("name,fn,kw", POOLS, ids=[p[0] for p in POOLS])
def test_non_contiguous_input_and_gradient(name, fn, kw):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 2, 9, 8))
    a, b = pair(x)
    # a transposed view as input, and a broadcast (stride-0) gradient from sum()
    ya = fn(F)(a.transpose(0, 1), **kw)
    yb = fn(TF)(b.transpose(0, 1), **kw)
    assert_close(ya, yb, dtype=np.float64)
    (ya * 2.0).sum().backward()
    (yb * 2.0).sum().backward()
    assert_close(a.grad, b.grad, dtype=np.float64)


@pytest.mark.parametrize("name,fn,kw", POOLS, ids=[p[0] for p in POOLS])
def test_empty_batch(name, fn, kw):
    a = tc.tensor(np.ones((0, 2, 6, 6), dtype=np.float32), requires_grad=True)
    y = fn(F)(a, **kw)
    assert y.shape == tuple(fn(TF)(torch.ones(0, 2, 6, 6), **kw).shape)
    assert y.dtype == np.float32
    y.sum().backward()
    assert a.grad.shape == (0, 2, 6, 6) and a.grad.dtype == np.float32


# ------------------------------------------------------------------------------ kernels vs oracle
KERNEL_CASES = [
    # shape, kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), (1, 2), False),
    ((1, 2, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((1, 2, 9, 7), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((2, 1, 6, 10), (4, 3), (3, 2), (2, 1), (2, 3), True),
    ((1, 1, 2, 2), (2, 2), (1, 1), (1, 1), (3, 3), False),  # windows wholly in padding
    ((3, 2, 5, 5), (1, 1), (2, 3), (0, 0), (1, 1), True),
    ((1, 3, 11, 4), (3, 3), (1, 1), (1, 1), (1, 1), False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,k,s,p,d,ceil", KERNEL_CASES)
def test_max_pool_kernels_match_reference(shape, k, s, p, d, ceil, dtype):
    rng = np.random.default_rng(10)
    x = rng.integers(-3, 4, size=shape).astype(dtype)  # many ties
    out = tuple(R.pool_output_size(shape[2 + i], k[i], s[i], p[i], d[i], ceil) for i in (0, 1))
    y, idx = K.max_pool2d_forward(x, k, s, p, d, out, True)
    y_r, idx_r = R.max_pool2d(x, k, s, p, d, out)
    np.testing.assert_array_equal(y, y_r)
    np.testing.assert_array_equal(idx, idx_r)
    y_noidx, none = K.max_pool2d_forward(x, k, s, p, d, out, False)
    assert none is None
    np.testing.assert_array_equal(y_noidx, y_r)
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = K.max_pool2d_backward(gy, idx, x.shape, x.dtype)
    assert gx.dtype == dtype
    assert_close(gx, R.max_pool2d_backward(gy, idx_r, x.shape), dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cip,div", [(True, None), (False, None), (True, 3), (False, -2)])
@pytest.mark.parametrize("shape,k,s,p,d,ceil", [c for c in KERNEL_CASES if c[4] == (1, 1)])
def test_avg_pool_kernels_match_reference(shape, k, s, p, d, ceil, cip, div, dtype):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape).astype(dtype)
    out = tuple(R.pool_output_size(shape[2 + i], k[i], s[i], p[i], 1, ceil) for i in (0, 1))
    y = K.avg_pool2d_forward(x, k, s, p, out, cip, div)
    assert_close(y, R.avg_pool2d(x, k, s, p, out, cip, div), dtype=dtype)
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = K.avg_pool2d_backward(gy, x.shape, x.dtype, k, s, p, cip, div)
    assert_close(gx, R.avg_pool2d_backward(gy, x.shape, k, s, p, cip, div), dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,size", [((2, 3, 7, 9), (3, 4)), ((1, 2, 5, 5), (7, 3)),
                                        ((2, 2, 8, 6), (1, 1)), ((1, 1, 6, 6), (6, 6))])
def test_adaptive_kernels_match_reference(shape, size, dtype):
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape).astype(dtype)
    y = K.adaptive_avg_pool2d_forward(x, size)
    assert_close(y, R.adaptive_avg_pool2d(x, size), dtype=dtype)
    gy = rng.standard_normal(y.shape).astype(dtype)
    assert_close(K.adaptive_avg_pool2d_backward(gy, x.shape, x.dtype),
                 R.adaptive_avg_pool2d_backward(gy, x.shape), dtype=dtype)


def test_reference_output_size_matches_torch():
    # the oracle's own output-size rule, against torch on a grid including ceil_mode corners
    for size in range(1, 9):
        for k in range(1, 4):
            for s in range(1, 4):
                for p in range(0, k // 2 + 1):
                    for ceil in (False, True):
                        expected = R.pool_output_size(size, k, s, p, 1, ceil)
                        if expected < 1:
                            continue
                        got = TF.max_pool2d(torch.zeros(1, 1, size, 1), (k, 1), (s, 1), (p, 0),
                                            ceil_mode=ceil).shape[2]
                        assert got == expected, (size, k, s, p, ceil)


def test_kernel_wrappers_reject_bad_arrays():
    x = np.zeros((1, 1, 4, 4), dtype=np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        K.max_pool2d_forward(x.astype(np.int64), (2, 2), (2, 2), (0, 0), (1, 1), (2, 2), True)
    with pytest.raises(ValueError, match="bad geometry"):
        K.max_pool2d_forward(x, (2, 2), (0, 2), (0, 0), (1, 1), (2, 2), True)
    with pytest.raises(ValueError, match="bad geometry"):
        K.avg_pool2d_forward(x, (2, 2), (2, 2), (-1, 0), (2, 2), True, None)
    idx = np.zeros((1, 1, 2, 2), dtype=np.int32)  # the kernels' own index type
    with pytest.raises(ValueError, match="does not match input shape"):
        K.max_pool2d_backward(np.zeros((2, 1, 2, 2), np.float32), idx, x.shape, x.dtype)
    with pytest.raises(ValueError, match="indices must be int32"):
        K.max_pool2d_backward(np.zeros((1, 1, 2, 2), np.float32), idx.astype(np.int64),
                              x.shape, x.dtype)
    with pytest.raises(ValueError, match="indices must be int32 of shape"):
        K.max_pool2d_backward(np.zeros((1, 1, 2, 2), np.float32), idx[..., :1], x.shape,
                              x.dtype)


# ------------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,kw", POOLS, ids=[p[0] for p in POOLS])
def test_dtype_is_preserved(name, fn, kw, dtype):
    x = tc.tensor(np.random.default_rng(13).standard_normal((2, 2, 6, 6)).astype(dtype),
                  requires_grad=True)
    y = fn(F)(x, **kw)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


# ------------------------------------------------------------------------------ errors
X4 = np.zeros((2, 3, 7, 8), dtype=np.float32)
ERRORS = [
    # (call, exception type, message fragment)
    (lambda x: F.max_pool2d(x, 0), RuntimeError, "kernel_size must be greater than zero"),
    (lambda x: F.max_pool2d(x, (2, -1)), RuntimeError, r"kernel_size=\(2, -1\)"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), RuntimeError, "kernel_size must either be a single"),
    (lambda x: F.max_pool2d(x, 2.0), TypeError, "kernel_size must be an int"),
    (lambda x: F.max_pool2d(x, 2, 0), RuntimeError, "stride must be greater than zero"),
    (lambda x: F.max_pool2d(x, 2, (1, 2, 3)), RuntimeError, "stride must either be"),
    (lambda x: F.max_pool2d(x, 2, 1, -1), RuntimeError, "padding must be non-negative"),
    (lambda x: F.max_pool2d(x, 2, 1, 2), RuntimeError, r"at most half of kernel_size.*"
                                                       r"padding=\(2, 2\)"),
    (lambda x: F.max_pool2d(x, 3, 1, 2, dilation=2), RuntimeError, "at most half"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), RuntimeError, "dilation must be greater"),
    (lambda x: F.max_pool2d(x, 9), RuntimeError, r"\(2, 3, 7, 8\) is too small.*\(0, 0\)"),
    (lambda x: F.max_pool2d(x[0, 0], 2), RuntimeError, r"shape \(7, 8\)"),
    (lambda x: F.max_pool2d(x.unsqueeze(0), 2), RuntimeError, r"3-D \(C, H, W\) or 4-D"),
    (lambda x: F.max_pool2d(x[:, :0], 2), RuntimeError, r"shape \(2, 0, 7, 8\)"),
    (lambda x: F.avg_pool2d(x, 0), RuntimeError, "kernel_size must be greater than zero"),
    (lambda x: F.avg_pool2d(x, 2, 1, 2), RuntimeError, "at most half of kernel_size"),
    (lambda x: F.avg_pool2d(x, 2, 1, -1), RuntimeError, "padding must be non-negative"),
    (lambda x: F.avg_pool2d(x, 2, 0), RuntimeError, "stride must be greater than zero"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "non-zero"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=2.5), TypeError, "divisor_override"),
    (lambda x: F.avg_pool2d(x, 9), RuntimeError, "too small"),
    (lambda x: F.avg_pool2d(x, (1, 1, 1)), RuntimeError, "kernel_size must either be"),
    (lambda x: F.avg_pool2d(x[:, :, :0], 1), RuntimeError, r"shape \(2, 3, 0, 8\)"),
    (lambda x: F.adaptive_avg_pool2d(x, -1), RuntimeError, "greater than or equal to 0"),
    (lambda x: F.adaptive_avg_pool2d(x, (1, 2, 3)), RuntimeError, "output_size must have 2"),
    (lambda x: F.adaptive_avg_pool2d(x, (2,)), RuntimeError, "output_size must have 2"),
    (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), RuntimeError, r"shape \(7, 8\)"),
    (lambda x: F.adaptive_avg_pool2d(x[:, :, :0], 2), RuntimeError, "non-zero H and W"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_like_torch(call, exc, match):
    a, b = pair(X4)
    with pytest.raises(exc, match=match):
        call(a)
    assert a.grad is None
    # torch rejects the same call (its exception types vary a little: IndexError for a 2-D
    # avg_pool2d input, TypeError for a float adaptive size)
    with pytest.raises((RuntimeError, TypeError, IndexError, ValueError)):
        call(b)


def test_errors_for_non_float_and_non_tensor_input():
    with pytest.raises(TypeError, match="max_pool2d: expected a float32 or float64 input, got "
                                        "int64"):
        F.max_pool2d(tc.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(TypeError, match="avg_pool2d: input must be a Tensor"):
        F.avg_pool2d(np.zeros((1, 1, 4, 4)), 2)
