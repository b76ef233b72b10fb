"""batch_norm, group_norm, layer_norm, instance_norm against torch: values, every gradient,
running statistics, eval mode, dtypes, gradcheck and errors."""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import TORCH_DTYPE, assert_close, pair

F64, F32 = np.float64, np.float32


def _seed(*key):
    """A per-case seed that does not depend on PYTHONHASHSEED."""
    return zlib.crc32(repr(key).encode())


def _arr(rng, shape, dtype, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(dtype)


def _run(fn_tc, fn_torch, arrays, dtype, kw_tc=None, kw_torch=None, tol=None):
    """Run both sides on paired inputs (None stays None), backprop one random gy, compare
    the output and the gradient of every input that requires grad."""
    kw_tc, kw_torch = kw_tc or {}, kw_torch or {}
    if tol is None and dtype == F32:
        tol = 1e-4  # normalization gradients lose a few bits to cancellation in float32
    a_tc, a_th = [], []
    for a in arrays:
        if a is None:
            a_tc.append(None)
            a_th.append(None)
        else:
            t, u = pair(a)
            a_tc.append(t)
            a_th.append(u)
    y = fn_tc(*a_tc, **kw_tc)
    yr = fn_torch(*a_th, **kw_torch)
    assert_close(y, yr, dtype, tol=tol, what="forward")
    gy = np.random.default_rng(1).standard_normal(yr.shape).astype(dtype)
    y.backward(tc.tensor(gy))
    yr.backward(torch.tensor(gy))
    for i, (t, u) in enumerate(zip(a_tc, a_th)):
        if t is not None:
            assert t.grad is not None, f"input {i} got no gradient"
            assert_close(t.grad, u.grad, dtype, tol=tol, what=f"grad of input {i}")
    return a_tc, a_th


AFFINE = [(False, False), (True, False), (False, True), (True, True)]
BN_SHAPES = [(6, 3), (4, 5, 7), (3, 4, 5, 6), (2, 3, 4, 1, 3)]


# ----------------------------------------------------------------------------- batch_norm
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(dtype, shape, affine, training):
    rng = np.random.default_rng(_seed(shape, affine, training))
    C = shape[1]
    x = _arr(rng, shape, dtype, scale=2.0, shift=0.5)
    w = _arr(rng, C, dtype) if affine[0] else None
    b = _arr(rng, C, dtype) if affine[1] else None
    rm0, rv0 = _arr(rng, C, dtype), (rng.random(C) + 0.5).astype(dtype)
    rm, rv = tc.tensor(rm0.copy()), tc.tensor(rv0.copy())
    rmr, rvr = torch.tensor(rm0.copy()), torch.tensor(rv0.copy())
    _run(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3),
         lambda x, w, b: TF.batch_norm(x, rmr, rvr, w, b, training=training, momentum=0.3),
         [x, w, b], dtype)
    assert_close(rm, rmr, dtype, what="running_mean")
    assert_close(rv, rvr, dtype, what="running_var")
    assert rm.grad_fn is None and not rm.requires_grad


@pytest.mark.parametrize("seed", range(6))
def test_batch_norm_random_options(seed):
    rng = np.random.default_rng(100 + seed)
    nd = int(rng.integers(2, 5))
    shape = tuple(int(s) for s in rng.integers(2, 6, size=nd))
    momentum = float(rng.uniform(0.0, 1.0))
    eps = float(10.0 ** rng.uniform(-6, -1))
    x = _arr(rng, shape, F64, scale=3.0, shift=-1.0)
    w, b = _arr(rng, shape[1], F64), _arr(rng, shape[1], F64)
    rm, rv = tc.zeros(shape[1], dtype=tc.float64), tc.ones(shape[1], dtype=tc.float64)
    rmr, rvr = torch.zeros(shape[1], dtype=torch.float64), torch.ones(shape[1],
                                                                       dtype=torch.float64)
    _run(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, True, momentum, eps),
         lambda x, w, b: TF.batch_norm(x, rmr, rvr, w, b, True, momentum, eps), [x, w, b], F64)
    assert_close(rm, rmr, F64, what="running_mean")
    assert_close(rv, rvr, F64, what="running_var")


def test_batch_norm_training_without_running_stats():
    rng = np.random.default_rng(3)
    x = _arr(rng, (5, 4, 3), F64)
    _run(lambda x: F.batch_norm(x, None, None, training=True),
         lambda x: TF.batch_norm(x, None, None, training=True), [x], F64)


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


def test_batch_norm_momentum_none_is_a_type_error_like_torch():
    x = tc.randn(4, 3)
    with pytest.raises(TypeError):
        TF.batch_norm(torch.randn(4, 3), None, None, training=True, momentum=None)
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(x, None, None, training=True, momentum=None)


def test_batch_norm_float32_running_stats_and_grads_stay_float32():
    rng = np.random.default_rng(5)
    x = tc.tensor(_arr(rng, (8, 4, 5, 5), F32), requires_grad=True)
    w = tc.ones(4, requires_grad=True)
    b = tc.zeros(4, requires_grad=True)
    rm, rv = tc.zeros(4), tc.ones(4)
    y = F.batch_norm(x, rm, rv, w, b, training=True)
    y.sum().backward()
    for t in (y, x.grad, w.grad, b.grad, rm, rv):
        assert t.dtype == np.float32


def test_batch_norm_under_no_grad_still_updates_running_stats():
    rm, rv = tc.zeros(3), tc.ones(3)
    x = tc.randn(6, 3, requires_grad=True)
    with tc.no_grad():
        y = F.batch_norm(x, rm, rv, training=True)
    assert not y.requires_grad
    assert np.abs(rm._data).sum() > 0


def test_batch_norm_non_contiguous_input():
    rng = np.random.default_rng(6)
    base = _arr(rng, (5, 6, 4, 3), F64)
    xt = tc.tensor(base, requires_grad=True)
    xr = torch.tensor(base, requires_grad=True)
    w = _arr(rng, 4, F64)
    y = F.batch_norm(xt.permute(0, 2, 1, 3), None, None, tc.tensor(w), training=True)
    yr = TF.batch_norm(xr.permute(0, 2, 1, 3), None, None, torch.tensor(w), training=True)
    assert_close(y, yr, F64)
    y.sum().backward()
    yr.sum().backward()
    assert_close(xt.grad, xr.grad, F64)


def test_batch_norm_large_offset_is_stable():
    """Centered (two-pass) variance: a large common offset does not destroy precision."""
    rng = np.random.default_rng(7)
    x = _arr(rng, (16, 3, 8), F32, scale=1.0, shift=1000.0)
    _run(lambda x: F.batch_norm(x, None, None, training=True),
         lambda x: TF.batch_norm(x, None, None, training=True), [x], F32, tol=2e-3)


# ----------------------------------------------------------------------------- group_norm
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape,groups", [((2, 6), 3), ((3, 6, 5), 2), ((2, 4, 3, 5), 4),
                                          ((2, 4, 3, 5), 1), ((1, 6, 2, 2, 2), 6)])
@pytest.mark.parametrize("affine", AFFINE)
def test_group_norm_matches_torch(dtype, shape, groups, affine):
    rng = np.random.default_rng(_seed(shape, groups, affine))
    C = shape[1]
    x = _arr(rng, shape, dtype, scale=2.0, shift=0.3)
    w = _arr(rng, C, dtype) if affine[0] else None
    b = _arr(rng, C, dtype) if affine[1] else None
    # torch's backward fails on bias-without-weight ("tensor does not have a device"): give
    # torch an explicit constant weight of ones there, which is the same function
    ones = torch.ones(C, dtype=TORCH_DTYPE[np.dtype(dtype)])
    _run(lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-4),
         lambda x, w, b: TF.group_norm(x, groups, ones if w is None and b is not None else w, b,
                                       eps=1e-4), [x, w, b], dtype)


# ----------------------------------------------------------------------------- layer_norm
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape,ns", [((4, 7), 7), ((3, 4, 5), (5,)), ((3, 4, 5), (4, 5)),
                                      ((2, 3, 4, 5), [3, 4, 5]), ((6,), (6,))])
@pytest.mark.parametrize("affine", AFFINE)
def test_layer_norm_matches_torch(dtype, shape, ns, affine):
    rng = np.random.default_rng(_seed(shape, str(ns), affine))
    wshape = (ns,) if isinstance(ns, int) else tuple(ns)
    x = _arr(rng, shape, dtype, scale=1.5, shift=-0.7)
    w = _arr(rng, wshape, dtype) if affine[0] else None
    b = _arr(rng, wshape, dtype) if affine[1] else None
    _run(lambda x, w, b: F.layer_norm(x, ns, w, b),
         lambda x, w, b: TF.layer_norm(x, wshape, w, b), [x, w, b], dtype)  # torch: no int


# ----------------------------------------------------------------------------- instance_norm
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("stats", [False, True])
def test_instance_norm_matches_torch(dtype, shape, affine, stats):
    rng = np.random.default_rng(_seed(shape, affine, stats))
    C = shape[1]
    x = _arr(rng, shape, dtype, scale=2.0, shift=1.0)
    w = _arr(rng, C, dtype) if affine[0] else None
    b = _arr(rng, C, dtype) if affine[1] else None
    rm0, rv0 = _arr(rng, C, dtype), (rng.random(C) + 0.5).astype(dtype)
    rm = tc.tensor(rm0.copy()) if stats else None
    rv = tc.tensor(rv0.copy()) if stats else None
    rmr = torch.tensor(rm0.copy()) if stats else None
    rvr = torch.tensor(rv0.copy()) if stats else None
    _run(lambda x, w, b: F.instance_norm(x, rm, rv, w, b, momentum=0.2),
         lambda x, w, b: TF.instance_norm(x, rmr, rvr, w, b, momentum=0.2), [x, w, b], dtype)
    if stats:
        assert_close(rm, rmr, dtype, what="running_mean")
        assert_close(rv, rvr, dtype, what="running_var")


@pytest.mark.parametrize("dtype", [F64, F32])
def test_instance_norm_with_running_stats_in_eval_mode(dtype):
    rng = np.random.default_rng(8)
    x, w, b = _arr(rng, (2, 3, 6), dtype), _arr(rng, 3, dtype), _arr(rng, 3, dtype)
    rm0, rv0 = _arr(rng, 3, dtype), (rng.random(3) + 0.5).astype(dtype)
    rm, rv = tc.tensor(rm0.copy()), tc.tensor(rv0.copy())
    rmr, rvr = torch.tensor(rm0.copy()), torch.tensor(rv0.copy())
    _run(lambda x, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats=False),
         lambda x, w, b: TF.instance_norm(x, rmr, rvr, w, b, use_input_stats=False),
         [x, w, b], dtype)
    assert np.array_equal(rm._data, rm0) and np.array_equal(rv._data, rv0)


# ----------------------------------------------------------------------------- gradcheck
def _gc_inputs(rng, *shapes):
    return [tc.tensor(_arr(rng, s, F64), requires_grad=True) for s in shapes]


def test_gradcheck_batch_norm_training_and_eval():
    rng = np.random.default_rng(9)
    x, w, b = _gc_inputs(rng, (4, 3, 2), (3,), (3,))
    assert tc.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                        (x, w, b))
    rm, rv = tc.tensor(_arr(rng, 3, F64)), tc.tensor(rng.random(3) + 0.5)
    assert tc.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False),
                        (x, w, b))


def test_gradcheck_group_layer_instance_norm():
    rng = np.random.default_rng(10)
    x, w, b = _gc_inputs(rng, (2, 4, 3), (4,), (4,))
    assert tc.gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert tc.gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x, w, b))
    x, w, b = _gc_inputs(rng, (3, 2, 3), (2, 3), (2, 3))
    assert tc.gradcheck(lambda x, w, b: F.layer_norm(x, (2, 3), w, b), (x, w, b))


# ----------------------------------------------------------------------------- errors
def test_wrong_channel_counts_name_the_shapes_and_change_nothing():
    x = tc.randn(4, 3, 5)
    rm, rv = tc.zeros(3), tc.ones(3)
    with pytest.raises(RuntimeError, match=r"running_mean should contain 3 .*\(4, 3, 5\)"):
        F.batch_norm(x, tc.zeros(2), tc.ones(2), training=True)
    with pytest.raises(RuntimeError, match=r"weight should contain 3 .*\(2,\)"):
        F.batch_norm(x, rm, rv, tc.ones(2), training=True)
    with pytest.raises(RuntimeError, match=r"bias should contain 3"):
        F.batch_norm(x, rm, rv, None, tc.ones(4), training=True)
    assert np.array_equal(rm._data, np.zeros(3)) and np.array_equal(rv._data, np.ones(3))
    with pytest.raises(RuntimeError, match=r"weight should contain 3"):
        F.group_norm(x, 3, tc.ones(5))
    with pytest.raises(RuntimeError, match=r"running_var should contain 3"):
        F.instance_norm(x, tc.zeros(3), tc.ones(2))


def test_norm_argument_errors():
    x = tc.randn(2, 6, 3)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups.*\(2, 6, 3\).*num_groups=4"):
        F.group_norm(x, 4)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*\(2, 6, 3\)"):
        F.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match=r"weight of shape \(4,\)"):
        F.layer_norm(x, (3,), tc.ones(4))
    with pytest.raises(RuntimeError, match="evaluation mode"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        F.batch_norm(tc.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(tc.randn(2, 3, 1))
    with pytest.raises(RuntimeError, match="use_input_stats"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(ValueError, match="eps"):
        F.batch_norm(x, None, None, training=True, eps=0.0)
    with pytest.raises(TypeError, match="floating point"):
        F.batch_norm(tc.tensor([[1, 2], [3, 4]]), None, None, training=True)
    # torch agrees on the error types
    with pytest.raises(RuntimeError):
        TF.group_norm(torch.randn(2, 6, 3), 4)
    with pytest.raises(RuntimeError):
        TF.batch_norm(torch.randn(4, 3, 5), torch.zeros(2), torch.ones(2), training=True)


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("L", [1, 5, 8, 35, 1000])
def test_threaded_row_kernels_match_torch(threads, L):
    """Force an OpenMP team (or a single thread) on small inputs, with row lengths around the
    kernels' eight-wide unrolled loops and their tails."""
    with tc.backends.kernels.flags(num_threads=threads, parallel_min_size=0):
        rng = np.random.default_rng(L + threads)
        x, w, b = _arr(rng, (6, 4, L), F64, 2.0, 1.0), _arr(rng, 4, F64), _arr(rng, 4, F64)
        rm, rv = tc.zeros(4, dtype=tc.float64), tc.ones(4, dtype=tc.float64)
        rmr, rvr = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
        for training in (True, False):
            _run(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training),
                 lambda x, w, b: TF.batch_norm(x, rmr, rvr, w, b, training=training),
                 [x, w, b], F64)
        assert_close(rm, rmr, F64)
        assert_close(rv, rvr, F64)
        _run(lambda x, w, b: F.group_norm(x, 2, w, b),
             lambda x, w, b: TF.group_norm(x, 2, w, b), [x, w, b], F64)
        if L > 1:
            _run(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                 lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), [x, w, b], F64)


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


@pytest.mark.parametrize("dtype", [F64, F32])
def test_large_offsets_and_constant_channels_match_torch(dtype):
    """Rows whose mean dwarfs their spread take the centered fallback; constant rows give
    zero variance (no negative rounding, no warnings)."""
    rng = np.random.default_rng(11)
    x = _arr(rng, (4, 4, 3, 5), dtype, scale=1.0, shift=0.0)
    x[:, 0] += 1000.0  # huge offset
    x[:, 1] = 7.0  # constant channel
    x[1, 2] = -3.0  # one constant (sample, channel) row
    w, b = _arr(rng, 4, dtype), _arr(rng, 4, dtype)
    tol = None if dtype == F64 else 2e-3
    _run(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True), [x, w, b], dtype,
         tol=tol)
    _run(lambda x, w, b: F.group_norm(x, 2, w, b),
         lambda x, w, b: TF.group_norm(x, 2, w, b), [x, w, b], dtype, tol=tol)
    _run(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
         lambda x, w, b: TF.instance_norm(x, weight=w, bias=b), [x, w, b], dtype, tol=tol)
