"""Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d beyond the registry's comparisons with
torch (tests/test_ops.py: option grids, ties, fast paths, gradchecks, errors).

Here: one gradient element per window under ties, NaN/inf, windows in the padding, the
no-grad kernels, empty outputs and batches, non-contiguous inputs and gradients, and the
Cython kernels against tinyconv/ops/_reference.py.
"""
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


# ------------------------------------------------------------------------------ max_pool2d
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel_size,stride,padding,dilation", [
    (2, 2, 0, 1), (2, 1, 0, 1), (3, 1, 1, 1), (3, 2, 1, 2), ((2, 3), (1, 2), (1, 0), (2, 1))])
def test_max_pool2d_ties_send_the_gradient_to_one_element(kernel_size, stride, padding,
                                                          dilation, dtype):
    """The gradient mass of each window lands on a single position (which one, as torch: the
    registry's tie samples)."""
    ones = tc.tensor(np.ones((2, 3, 7, 8), dtype=dtype), requires_grad=True)
    y = F.max_pool2d(ones, kernel_size, stride, padding, dilation)
    y.backward(tc.tensor(np.ones(y.shape, dtype=dtype)))
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


# ------------------------------------------------------------------------------ adaptive
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


@pytest.mark.parametrize("name,size", [("adaptive_max_pool1d", 100003),
                                       ("adaptive_max_pool2d", (5, 3001)),
                                       ("adaptive_avg_pool3d", (2, 3, 1001))])
def test_adaptive_pools_with_long_outputs_match_torch(name, size):
    # the bins are gathered at once (a per-bin loop made output_size=10**9 run for hours)
    shape = {1: (2, 3, 7), 2: (2, 2, 4, 9), 3: (1, 2, 3, 4, 5)}[1 if isinstance(size, int)
                                                              else len(size)]
    a = np.random.default_rng(0).standard_normal(shape)
    w = np.random.default_rng(1).standard_normal
    got_x, want_x = tc.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got, want = getattr(F, name)(got_x, size), getattr(TF, name)(want_x, size)
    g = w(tuple(want.shape))
    (got * tc.tensor(g)).sum().backward()
    (want * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(got_x.grad.numpy(), want_x.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
