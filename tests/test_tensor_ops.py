"""Tensor ops beyond the registry's comparisons with torch (tests/test_ops.py: broadcasting,
scalars, reductions, extrema, indexing, shapes, matmul, cat/stack, where): graphs that reuse
tensors, result types, dtype rules and comparisons."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv import testing
from tinyconv.testing.opinfo import const

DTYPES = [np.float64, np.float32]


def rnd(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape) * 7 + len(shape)).standard_normal(shape)


def _graph(fn, *arrays, label):
    """A graph of several ops as an ad hoc sample (the driver compares it with torch)."""
    names = ("input", "other")
    sample = testing.op("Tensor.mul").sample([(n, const(a), True) for n, a in zip(names, arrays)],
                                             label=label, fn=lambda M, F, *t: fn(*t))
    testing.assert_against_torch(sample, np.float64)


def test_reductions_take_a_numpy_bool_keepdim():
    """Non-bool keepdims raise (the registry's bad arguments); NumPy's bool is a bool."""
    assert tc.zeros(2, 3).sum(0, keepdim=np.bool_(True)).shape == (1, 3)
    assert tc.zeros(2, 3).max(0, keepdim=np.bool_(False)).values.shape == (3,)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_return_values_and_indices(name):
    """The values/indices themselves are compared with torch in the registry."""
    x = tc.tensor(rnd(4, 5, 3))
    vals, idx = getattr(x, name)(1, True)
    assert idx.dtype == tc.int64
    res = getattr(x, name)(1, True)
    assert np.array_equal(res.values.numpy(), vals.numpy())
    assert np.array_equal(res.indices.numpy(), idx.numpy())


def test_diamond_graph_accumulates():
    def f(x):
        y = x * 2.0
        u = y.exp()
        v = y * y
        return (u + v * x).sum(0)
    _graph(f, rnd(3, 4), label="diamond graph")


def test_reused_tensor_accumulates():
    _graph(lambda x: x * x * x + x, rnd(4), label="x used four times")


def test_zero_dim_tensors():
    x = tc.tensor(2.0)
    assert x.shape == () and x.ndim == 0
    y = (x * 3.0).sum()
    assert isinstance(y._data, np.ndarray) and y.shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_is_kept_forward_and_backward(dtype):
    x = tc.randn(3, 4, dtype=dtype, requires_grad=True)
    w = tc.randn(4, 2, dtype=dtype, requires_grad=True)
    y = ((x @ w).exp() * 0.5 + 1.0).log().sum(1).mean() / 3.0 + (x ** 2).sum() * 1e-3
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype


def test_mixed_dtype_promotion_like_torch():
    pairs = [(np.float32, np.float64), (np.int64, np.float32), (np.int64, np.int64)]
    for da, db in pairs:
        a = tc.tensor(np.ones(3, dtype=da))
        b = tc.tensor(np.ones(3, dtype=db))
        ta, tb = torch.tensor(np.ones(3, dtype=da)), torch.tensor(np.ones(3, dtype=db))
        for f in (lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y):
            assert str(f(a, b).dtype) == str(f(ta, tb).dtype).replace("torch.", "")
    i = tc.tensor([1, 2, 3])
    assert i.dtype == tc.int64
    assert (i * 2.5).dtype == tc.float32
    assert (i / 2).dtype == tc.float32
    assert (i + 1).dtype == tc.int64


def test_comparisons_have_no_grad():
    a, b = rnd(3, 4, seed=1), rnd(3, 4, seed=2)
    x = tc.tensor(a, requires_grad=True)
    t = torch.tensor(a)
    for f in (lambda u: u > 0, lambda u: u <= 0.1, lambda u: u == u, lambda u: u != 1.0,
              lambda u: u < torch.tensor(b) if isinstance(u, torch.Tensor) else u < tc.tensor(b),
              lambda u: u >= 0.0):
        r = f(x)
        assert not r.requires_grad and r.dtype == tc.bool
        assert np.array_equal(r.numpy(), f(t).numpy())


def test_bincount_weights_that_require_grad_get_the_gradient_of_index_add():
    # torch raises "derivative for aten::bincount is not implemented" on this backward; the
    # gradient tinyconv gives is index_add's, the same sums written differentiably in torch
    x = np.array([0, 2, 2, 5, 2])
    w = np.array([0.5, -1.0, 2.0, 3.0, 0.25])
    g = np.arange(7.0) - 2.0
    a = tc.tensor(w, requires_grad=True)
    out = tc.bincount(tc.tensor(x), a, minlength=7)
    (out * tc.tensor(g)).sum().backward()
    b = torch.tensor(w, requires_grad=True)
    ref = torch.zeros(7, dtype=torch.float64).index_add(0, torch.tensor(x), b)
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-15)
    np.testing.assert_array_equal(
        out.detach().numpy(), torch.bincount(torch.tensor(x), torch.tensor(w), 7).numpy())
    with tc.no_grad():
        assert not tc.bincount(tc.tensor(x), a).requires_grad
