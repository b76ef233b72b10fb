"""Activations, softmax family, dropout and linear against torch: values, gradients, dtypes,
extreme inputs, gradcheck and errors."""
import math
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv.ops._kernels.act import gelu_backward, gelu_forward
from tests.utils import assert_close, pair

F64, F32 = np.float64, np.float32


def _seed(*key):
    """A per-case seed that does not depend on PYTHONHASHSEED."""
    return zlib.crc32(repr(key).encode())


def _away_from_zero(rng, shape, dtype, scale=2.0):
    """Normal values with |x| > 1e-2 (ReLU-style kinks stay out of finite differences)."""
    x = rng.standard_normal(shape) * scale
    x = np.where(np.abs(x) < 1e-2, 0.5, x)
    return x.astype(dtype)


def _check(fn_tc, fn_torch, x, dtype, tol=None):
    xt, xr = pair(x)
    y, yr = fn_tc(xt), fn_torch(xr)
    assert_close(y, yr, dtype, tol=tol, what="forward")
    gy = np.random.default_rng(2).standard_normal(yr.shape).astype(dtype)
    y.backward(tc.tensor(gy))
    yr.backward(torch.tensor(gy))
    assert_close(xt.grad, xr.grad, dtype, tol=tol, what="grad")


UNARY = [
    ("relu", lambda x: F.relu(x), lambda x: TF.relu(x)),
    ("leaky_relu", lambda x: F.leaky_relu(x), lambda x: TF.leaky_relu(x)),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh")),
    ("sigmoid", lambda x: F.sigmoid(x), lambda x: torch.sigmoid(x)),
    ("tanh", lambda x: F.tanh(x), lambda x: torch.tanh(x)),
    ("method_relu", lambda x: x.relu(), lambda x: x.relu()),
    ("method_sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid()),
    ("method_tanh", lambda x: x.tanh(), lambda x: x.tanh()),
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("name,fn,fn_torch", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_torch(name, fn, fn_torch, shape, dtype):
    rng = np.random.default_rng(_seed(name, shape))
    _check(fn, fn_torch, _away_from_zero(rng, shape, dtype, 3.0), dtype)


@pytest.mark.parametrize("name,fn,fn_torch", UNARY, ids=[u[0] for u in UNARY])
def test_unary_extreme_inputs_are_finite(name, fn, fn_torch):
    x = np.array([-1e4, -800.0, -40.0, -1.0, 0.5, 40.0, 800.0, 1e4], dtype=F64)
    _check(fn, fn_torch, x, F64)
    _check(fn, fn_torch, x.astype(F32), F32)


def test_gelu_phi_and_gradient_accuracy():
    """Phi(x) from the GELU kernels against math.erfc: float64 (libm erf) to an ulp, float32
    (the vectorised Chebyshev/exp path) to a few float32 ulps, and in the lower tail to a
    relative 1e-5, where 1 + erf(x/sqrt 2) would cancel."""
    x = np.concatenate([np.linspace(-14, 14, 40001),
                        [0.0, -0.0, 13.29, 13.31, -13.29, -13.31, 30.0, -30.0]])
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    y, cdf = gelu_forward(x)
    assert cdf.dtype == F64 and y.dtype == F64
    assert np.max(np.abs(cdf - ref)) < 1e-15
    assert np.max(np.abs(y - x * ref)) < 1e-14
    x32 = x.astype(F32)
    ref32 = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2.0)) for v in x32])
    y32, cdf32 = gelu_forward(x32)
    assert cdf32.dtype == F32 and y32.dtype == F32
    assert np.max(np.abs(cdf32 - ref32)) < 2.5e-7
    tail = (x32 > -9.0) & (x32 < -1.0)
    assert np.max(np.abs(cdf32[tail] / ref32[tail] - 1.0)) < 1e-5
    gy = np.ones_like(x32)
    gx = gelu_backward(x32, cdf32, gy)
    x64 = x32.astype(F64)
    ref_gx = ref32 + x64 * np.exp(-0.5 * x64 * x64) / math.sqrt(2.0 * math.pi)
    assert gx.dtype == F32 and np.max(np.abs(gx - ref_gx)) < 3e-7


def test_relu_gradient_at_zero_is_zero_like_torch():
    _check(lambda x: F.relu(x), lambda x: TF.relu(x), np.array([-1.0, 0.0, 2.0]), F64)


def test_activations_of_integers_follow_torch():
    x = tc.tensor([-2, 0, 3])
    assert F.relu(x).dtype == np.int64
    assert F.relu(x).tolist() == [0, 0, 3]
    assert F.sigmoid(x).dtype == np.float32
    assert_close(F.tanh(x), torch.tanh(torch.tensor([-2, 0, 3])), F32)


def test_inplace_without_graph_overwrites_input():
    x = tc.tensor([-1.0, 2.0, -3.0])
    assert F.relu(x, inplace=True) is x
    assert x.tolist() == [0.0, 2.0, 0.0]
    x = tc.tensor([-1.0, 2.0])
    assert F.leaky_relu(x, 0.5, inplace=True) is x
    assert x.tolist() == [-0.5, 2.0]


def test_inplace_in_a_graph_returns_a_new_tensor_with_correct_grads():
    x = tc.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    h = x * 2.0
    y = F.relu(h, inplace=True)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]


# ----------------------------------------------------------------------------- softmax family
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((4, 6), 1), ((4, 6), 0), ((4, 6), -1),
                                       ((2, 3, 4, 5), 1), ((2, 3, 4, 5), -2), ((2, 3, 4, 5), 3)])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_matches_torch(shape, dim, log, dtype):
    rng = np.random.default_rng(_seed(shape, dim, log))
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    if log:
        _check(lambda x: F.log_softmax(x, dim), lambda x: TF.log_softmax(x, dim), x, dtype)
        _check(lambda x: x.log_softmax(dim), lambda x: x.log_softmax(dim), x, dtype)
    else:
        _check(lambda x: F.softmax(x, dim), lambda x: TF.softmax(x, dim), x, dtype)
        _check(lambda x: x.softmax(dim), lambda x: x.softmax(dim), x, dtype)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_huge_logits_stay_finite(log):
    x = np.array([[1e4, -1e4, 0.0], [5e3, 5e3 - 1.0, -1e4]], dtype=F32)
    fn, fn_torch = (F.log_softmax, TF.log_softmax) if log else (F.softmax, TF.softmax)
    _check(lambda x: fn(x, 1), lambda x: fn_torch(x, 1), x, F32)


def test_softmax_dtype_argument_and_implicit_dim_warning():
    x = tc.tensor(np.arange(6.0).reshape(2, 3).astype(F32))
    y = F.softmax(x, 1, dtype=tc.float64)
    assert y.dtype == np.float64
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.log_softmax(x)
    assert_close(y, TF.log_softmax(torch.tensor(x._data), 1), F32)


def test_gradcheck_activations():
    rng = np.random.default_rng(3)
    x = tc.tensor(_away_from_zero(rng, (3, 4), F64), requires_grad=True)
    for fn in (F.relu, F.leaky_relu, F.gelu, lambda x: F.gelu(x, approximate="tanh"),
               F.sigmoid, F.tanh, lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0)):
        assert tc.gradcheck(fn, (x,))


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("n", [0, 1, 7, 40001])
def test_gelu_kernel_threads_and_layouts_match_torch(n, dtype):
    with tc.backends.kernels.flags(num_threads=2, parallel_min_size=0):  # a forced team
        rng = np.random.default_rng(n)
        base = rng.standard_normal((n, 3)).astype(dtype) * 4.0
        x = base.T                                                    # not C-contiguous
        a = tc.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        y, yt = F.gelu(a), TF.gelu(b)
        assert_close(y, yt, dtype)
        gy = rng.standard_normal(x.shape).astype(dtype)
        y.backward(tc.tensor(gy))
        yt.backward(torch.tensor(gy))
        assert_close(a.grad, b.grad, dtype)


# ----------------------------------------------------------------------------- dropout
def test_dropout_scaling_statistics_and_gradient():
    tc.manual_seed(0)
    x = tc.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y._data != 0
    assert abs(kept.mean() - 0.7) < 0.01
    assert np.allclose(y._data[kept], 1.0 / 0.7)
    y.sum().backward()
    assert np.array_equal(x.grad._data, y._data)  # d(sum)/dx = mask / (1 - p)
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_dropout_is_seeded_by_manual_seed():
    tc.manual_seed(5)
    a = F.dropout(tc.ones(50, 50))._data
    tc.manual_seed(5)
    b = F.dropout(tc.ones(50, 50))._data
    assert np.array_equal(a, b)


def test_dropout_eval_p0_p1_inplace():
    x = tc.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.array_equal(F.dropout(x, 1.0)._data, np.zeros((4, 5), dtype=F32))
    x64 = tc.ones(3, 4, dtype=tc.float64)
    y = F.dropout(x64, 0.5, inplace=True)
    assert y is x64 and x64.dtype == np.float64
    assert set(np.unique(x64._data)) <= {0.0, 2.0}


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_out_of_range(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(tc.ones(3), p)
    with pytest.raises(ValueError):
        TF.dropout(torch.ones(3), p)


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(tc.ones(3), approximate="fast")


# ----------------------------------------------------------------------------- linear
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("xshape", [(5,), (4, 5), (2, 3, 5), (2, 1, 3, 5)])
@pytest.mark.parametrize("bias", [False, True])
def test_linear_matches_torch(xshape, bias, dtype):
    rng = np.random.default_rng(_seed(xshape, bias))
    x = rng.standard_normal(xshape).astype(dtype)
    w = rng.standard_normal((6, 5)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    (xt, xr), (wt, wr), (bt, br) = pair(x), pair(w), pair(b)
    y = F.linear(xt, wt, bt if bias else None)
    yr = TF.linear(xr, wr, br if bias else None)
    assert_close(y, yr, dtype)
    gy = rng.standard_normal(yr.shape).astype(dtype)
    y.backward(tc.tensor(gy))
    yr.backward(torch.tensor(gy))
    assert_close(xt.grad, xr.grad, dtype)
    assert_close(wt.grad, wr.grad, dtype)
    if bias:
        assert_close(bt.grad, br.grad, dtype)
    else:
        assert bt.grad is None


def test_linear_gradcheck_and_errors():
    rng = np.random.default_rng(4)
    x, w, b = (tc.tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((3, 4), (2, 4), (2,)))
    assert tc.gradcheck(F.linear, (x, w, b))
    with pytest.raises(RuntimeError, match=r"\(3, 4\).*\(2, 5\)"):
        F.linear(x, tc.randn(2, 5, dtype=tc.float64))
    with pytest.raises(RuntimeError, match=r"bias of shape \(3,\)"):
        F.linear(x, w, tc.randn(3, dtype=tc.float64))
    with pytest.raises(RuntimeError, match="dtype"):
        F.linear(x, tc.randn(2, 4))
