"""Activations, softmax, dropout: what is not an op-vs-torch comparison (those are registry
samples, tests/test_ops.py): the GELU kernels' accuracy and threads, integer inputs, in-place
forms, softmax's dtype argument and implicit-dim warning, dropout's statistics and seeding."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv.ops._kernels.act import gelu_backward, gelu_forward
from tests.utils import assert_close

F64, F32 = np.float64, np.float32


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
def test_softmax_dtype_argument_and_implicit_dim_warning():
    x = tc.tensor(np.arange(6.0).reshape(2, 3).astype(F32))
    y = F.softmax(x, 1, dtype=tc.float64)
    assert y.dtype == np.float64
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.log_softmax(x)
    assert_close(y, TF.log_softmax(torch.tensor(x._data), 1), F32)


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



@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("n", [0, 1, 7, 40001])
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "leaky_relu_negative"])
def test_relu_backward_kernel_threads_layouts_and_nan_gradients_match_torch(act, n, dtype):
    # the select kernel drops a nan gradient where x <= 0 (torch's threshold_backward) and
    # keeps slope * nan = nan for leaky_relu (torch's leaky_relu_backward)
    fns = {"relu": (F.relu, TF.relu),
           "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), lambda t: TF.leaky_relu(t, 0.1)),
           "leaky_relu_negative": (lambda t: F.leaky_relu(t, -0.5),
                                   lambda t: TF.leaky_relu(t, -0.5))}
    ours, theirs = fns[act]
    with tc.backends.kernels.flags(num_threads=2, parallel_min_size=0):  # a forced team
        rng = np.random.default_rng(n)
        x = rng.standard_normal((n, 3)).astype(dtype).T                # not C-contiguous
        gy = rng.standard_normal(x.shape).astype(dtype)
        gy.reshape(-1)[::5] = np.nan
        a = tc.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        y, yt = ours(a), theirs(b)
        y.backward(tc.tensor(gy))
        yt.backward(torch.tensor(gy))
        assert a.grad.dtype == dtype
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())   # nan where torch's


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("n", [0, 1, 7, 40001])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_relu_forward_kernel_threads_layouts_and_specials_match_torch(layout, n, dtype):
    # the select kernel (C-contiguous float input) keeps nan and inf as torch's relu; other
    # layouts go through NumPy
    with tc.backends.kernels.flags(num_threads=2, parallel_min_size=0):  # a forced team
        rng = np.random.default_rng(n)
        x = rng.standard_normal((3, n)).astype(dtype)
        x.reshape(-1)[::7] = np.nan
        x.reshape(-1)[3::11] = np.inf
        x.reshape(-1)[5::11] = -np.inf
        x.reshape(-1)[6::13] = -0.0
        a = tc.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        if layout == "transposed":
            a, b = a.t(), b.t()
        y, yt = F.relu(a), TF.relu(b)
        assert y.dtype == a.dtype and y.shape == a.shape
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
        assert not np.shares_memory(y.detach().numpy(), a.detach().numpy())


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("slope", [None, 0.1])
def test_relu_gradient_at_nan_inputs_matches_torch(slope, layout, dtype):
    # torch: ReLU lets the gradient through where x is nan, LeakyReLU scales it by the slope
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 50)).astype(dtype)
    x.reshape(-1)[::4] = np.nan
    gy = rng.standard_normal((6, 50)).astype(dtype)
    a, b = tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ga, gb = tc.tensor(gy), torch.tensor(gy)
    ua, ub = (a.t(), b.t()) if layout == "transposed" else (a, b)
    if layout == "transposed":
        ga, gb = ga.t(), gb.t()
    if slope is None:
        F.relu(ua).backward(ga)
        TF.relu(ub).backward(gb)
    else:
        F.leaky_relu(ua, slope).backward(ga)
        TF.leaky_relu(ub, slope).backward(gb)
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_relu_on_new_pages_sized_tensors_matches_torch():
    # 36 MB: the forward goes to NumPy (above the kernel's 8 MB) and the backward kernel runs
    # on one thread (new pages above 32 MB); both must still be torch's relu
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 1 << 20)).astype(F32)
    x[0, ::5] = np.nan
    gy = rng.standard_normal(x.shape).astype(F32)
    a, b = tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = F.relu(a), TF.relu(b)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.backward(tc.tensor(gy))
    yt.backward(torch.tensor(gy))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


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
