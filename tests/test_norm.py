"""batch_norm, group_norm, layer_norm, instance_norm: what is not an op-vs-torch comparison
(those are registry samples, tests/test_ops.py): running-statistics rules, cumulative momentum,
no_grad, validation before mutation, the row kernels (threaded, against NumPy)."""
import numpy as np
import pytest
import torch

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import assert_close
from tinyconv import testing
from tinyconv.testing.opinfo import const

F64, F32 = np.float64, np.float32


def _arr(rng, shape, dtype, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(dtype)


# ----------------------------------------------------------------------------- batch_norm
def test_batch_norm_running_var_is_unbiased_and_momentum_weights_the_batch():
    x = np.array([[1.0], [2.0], [4.0], [5.0]], dtype=F64)  # mean 3, biased var 2.5, unbiased 10/3
    rm, rv = tc.zeros(1, dtype=tc.float64), tc.ones(1, dtype=tc.float64)
    F.batch_norm(tc.tensor(x), rm, rv, training=True, momentum=0.25)
    assert rm._data[0] == pytest.approx(0.75 * 0.0 + 0.25 * 3.0, abs=1e-15)
    assert rv._data[0] == pytest.approx(0.75 * 1.0 + 0.25 * 10.0 / 3.0, abs=1e-15)


def test_batch_norm_cumulative_average_like_torch_momentum_none():
    """momentum=None in the modules means momentum=1/num_batches_tracked in the functional."""
    rng = np.random.default_rng(4)
    bn = torch.nn.BatchNorm2d(3, momentum=None).double()
    rm, rv = tc.zeros(3, dtype=tc.float64), tc.ones(3, dtype=tc.float64)
    for k in range(1, 5):
        x = _arr(rng, (4, 3, 2, 2), F64, scale=k, shift=k)
        bn(torch.tensor(x))
        F.batch_norm(tc.tensor(x), rm, rv, training=True, momentum=1.0 / k)
    assert_close(rm, bn.running_mean, F64)
    assert_close(rv, bn.running_var, F64)


def test_batch_norm_under_no_grad_still_updates_running_stats():
    rm, rv = tc.zeros(3), tc.ones(3)
    x = tc.randn(6, 3, requires_grad=True)
    with tc.no_grad():
        y = F.batch_norm(x, rm, rv, training=True)
    assert not y.requires_grad
    assert np.abs(rm._data).sum() > 0


# ----------------------------------------------------------------------------- errors
def test_wrong_channel_counts_change_nothing():
    """Validation comes before any update of the running statistics (the messages are the
    registry's bad-argument cases)."""
    x = tc.randn(4, 3, 5)
    rm, rv = tc.zeros(3), tc.ones(3)
    with pytest.raises(RuntimeError):
        F.batch_norm(x, tc.zeros(2), tc.ones(2), training=True)
    with pytest.raises(RuntimeError):
        F.batch_norm(x, rm, rv, tc.ones(2), training=True)
    with pytest.raises(RuntimeError):
        F.batch_norm(x, rm, rv, None, tc.ones(4), training=True)
    assert np.array_equal(rm._data, np.zeros(3)) and np.array_equal(rv._data, np.ones(3))
    with pytest.raises(RuntimeError):
        F.instance_norm(x, rm, tc.ones(2))
    assert np.array_equal(rm._data, np.zeros(3))


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("L", [1, 5, 8, 35, 1000])
def test_threaded_row_kernels_match_torch(threads, L):
    """Force an OpenMP team (or a single thread) on small inputs, with row lengths around the
    kernels' eight-wide unrolled loops and their tails."""
    with tc.backends.kernels.flags(num_threads=threads, parallel_min_size=0):
        rng = np.random.default_rng(L + threads)
        x, w, b = _arr(rng, (6, 4, L), F64, 2.0, 1.0), _arr(rng, 4, F64), _arr(rng, 4, F64)
        inputs = [("input", const(x), True), ("weight", const(w), True), ("bias", const(b), True)]
        stats = [("running_mean", const(np.zeros(4)), False),
                 ("running_var", const(np.ones(4)), False)]
        for training in (True, False):
            testing.assert_against_torch(testing.op("batch_norm").sample(
                inputs[:1] + stats + inputs[1:], training=training), F64)
        testing.assert_against_torch(testing.op("group_norm").sample(inputs, num_groups=2), F64)
        if L > 1:
            testing.assert_against_torch(testing.op("instance_norm").sample(inputs), F64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_kernels_against_numpy(dtype):
    """The four row kernels on their own, against float64 NumPy, including rows whose mean
    dwarfs their spread (the statistics must stay centered) and coefficients per row or
    shared by every a."""
    from tinyconv.ops._kernels import norm as _kernels

    rng = np.random.default_rng(3)
    x = (rng.standard_normal((3, 5, 37)) * 0.01 + rng.standard_normal((3, 5, 1)) * 1e3)
    x = x.astype(dtype)
    gy = rng.standard_normal((3, 5, 37)).astype(dtype)
    x64, gy64 = x.astype(np.float64), gy.astype(np.float64)
    sums, m2 = _kernels.norm_row_stats(x)
    assert sums.dtype == m2.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-4
    ref_m2 = ((x64 - x64.mean(axis=2, keepdims=True)) ** 2).sum(axis=2)
    np.testing.assert_allclose(sums, x64.sum(axis=2), rtol=tol)
    np.testing.assert_allclose(m2, ref_m2, rtol=50 * tol)
    for A2 in (1, 3):
        k, d, c = (rng.standard_normal((A2, 5)).astype(dtype) for _ in range(3))
        y = _kernels.norm_affine(x, k, c)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, x64 * k[..., None] + c[..., None], rtol=tol, atol=tol * 1e3)
        mean = x64.mean(axis=2)[:A2].astype(dtype)
        sgy, sgxc = _kernels.norm_grad_sums(gy, x, mean)
        np.testing.assert_allclose(sgy, gy64.sum(axis=2), rtol=tol, atol=tol * 10)
        ref = (gy64 * (x64 - mean.astype(np.float64)[..., None])).sum(axis=2)
        np.testing.assert_allclose(sgxc, ref, rtol=tol, atol=tol * np.abs(ref).max())
        gx = _kernels.norm_grad_affine(gy, x, k, d, c)
        ref = gy64 * k[..., None] - x64 * d[..., None] + c[..., None]
        np.testing.assert_allclose(gx, ref, rtol=tol, atol=tol * 1e3 * np.abs(d).max())
    with pytest.raises(ValueError, match=r"coefficient of shape \(2, 5\).*\(3, 5\)"):
        _kernels.norm_affine(x, np.ones((2, 5), dtype), np.ones((2, 5), dtype))
    with pytest.raises(ValueError, match=r"gradient of shape \(3, 5, 36\)"):
        _kernels.norm_grad_sums(gy[..., 1:], x, x.mean(axis=2))


