"""Losses against torch: every reduction, class weights, ignore_index mixed into the batch,
label smoothing, probability targets, spatial inputs, extreme logits, dtypes, gradcheck, errors."""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinyconv as tc
import tinyconv.nn.functional as F
from tests.utils import assert_close, pair

F64, F32 = np.float64, np.float32


def _seed(*key):
    """A per-case seed that does not depend on PYTHONHASHSEED."""
    return zlib.crc32(repr(key).encode())
REDUCTIONS = ["none", "mean", "sum"]


def _backprop(y, yr, dtype, seed=0):
    gy = np.random.default_rng(seed).standard_normal(yr.shape).astype(dtype)
    y.backward(tc.tensor(gy))
    yr.backward(torch.tensor(gy))


def _targets(rng, shape, C, ignore_frac, ignore_index):
    t = rng.integers(0, C, size=shape)
    if ignore_frac:
        mask = rng.random(shape) < ignore_frac
        mask.flat[0] = True  # at least one ignored entry
        t = np.where(mask, ignore_index, t)
        if t.size > 1:  # and at least one counted one (all-ignored has its own test)
            t.flat[-1] = (ignore_index + 1) % C if 0 <= ignore_index < C else 0
    return t.astype(np.int64)


# ----------------------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("xshape", [(6, 4), (3, 5, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("ignore", [None, -100, 2])
def test_cross_entropy_matches_torch(xshape, reduction, weighted, smoothing, ignore, dtype):
    rng = np.random.default_rng(_seed(xshape, reduction, weighted, smoothing, ignore))
    C = xshape[1]
    x = (rng.standard_normal(xshape) * 3).astype(dtype)
    tshape = (xshape[0],) + xshape[2:]
    ignore_index = -100 if ignore is None else ignore
    t = _targets(rng, tshape, C, 0.0 if ignore is None else 0.3, ignore_index)
    w = (rng.random(C) + 0.2).astype(dtype) if weighted else None
    (xt, xr) = pair(x)
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    y = F.cross_entropy(xt, tc.tensor(t), None if w is None else tc.tensor(w), **kw)
    yr = TF.cross_entropy(xr, torch.tensor(t), None if w is None else torch.tensor(w), **kw)
    assert_close(y, yr, dtype, what="loss")
    _backprop(y, yr, dtype)
    assert_close(xt.grad, xr.grad, dtype, what="grad")


@pytest.mark.parametrize("seed", range(8))
def test_cross_entropy_random_options(seed):
    rng = np.random.default_rng(500 + seed)
    N, C = int(rng.integers(1, 9)), int(rng.integers(2, 8))
    spatial = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
    x = (rng.standard_normal((N, C) + spatial) * rng.uniform(0.1, 10)).astype(F64)
    ignore_index = int(rng.choice([-100, -1, 0, C - 1]))
    t = _targets(rng, (N,) + spatial, C, float(rng.uniform(0, 0.5)), ignore_index)
    w = rng.random(C) + 0.1 if rng.random() < 0.5 else None
    kw = dict(ignore_index=ignore_index, reduction=str(rng.choice(REDUCTIONS)),
              label_smoothing=float(rng.choice([0.0, rng.uniform(0, 1)])))
    xt, xr = pair(x)
    y = F.cross_entropy(xt, tc.tensor(t), None if w is None else tc.tensor(w), **kw)
    yr = TF.cross_entropy(xr, torch.tensor(t), None if w is None else torch.tensor(w), **kw)
    assert_close(y, yr, F64, what=f"loss {kw}")
    if torch.isfinite(yr).all():
        _backprop(y, yr, F64)
        assert_close(xt.grad, xr.grad, F64, what=f"grad {kw}")


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_single_sample_and_uint8_target(smoothing, reduction):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(5)
    xt, xr = pair(x)
    y = F.cross_entropy(xt, tc.tensor(3), reduction=reduction, label_smoothing=smoothing)
    yr = TF.cross_entropy(xr, torch.tensor(3), reduction=reduction, label_smoothing=smoothing)
    assert_close(y, yr, F64)
    _backprop(y, yr, F64)
    assert_close(xt.grad, xr.grad, F64)
    x2 = rng.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2], dtype=np.uint8)
    assert_close(F.cross_entropy(tc.tensor(x2), tc.tensor(t)),
                 TF.cross_entropy(torch.tensor(x2), torch.tensor(t)), F64)


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("xshape", [(5, 4), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(xshape, reduction, weighted, smoothing, dtype):
    rng = np.random.default_rng(_seed(xshape, reduction, weighted, smoothing))
    x = (rng.standard_normal(xshape) * 2).astype(dtype)
    p = rng.random(xshape)
    p = (p / p.sum(axis=1, keepdims=True)).astype(dtype)
    w = (rng.random(xshape[1]) + 0.2).astype(dtype) if weighted else None
    (xt, xr), (pt, pr) = pair(x), pair(p)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    y = F.cross_entropy(xt, pt, None if w is None else tc.tensor(w), **kw)
    yr = TF.cross_entropy(xr, pr, None if w is None else torch.tensor(w), **kw)
    assert_close(y, yr, dtype)
    _backprop(y, yr, dtype)
    assert_close(xt.grad, xr.grad, dtype, what="grad input")
    assert_close(pt.grad, pr.grad, dtype, what="grad target")


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_all_ignored_mean_is_nan_with_zero_grad(smoothing, weighted):
    x = np.random.default_rng(8).standard_normal((4, 3))
    t = np.full(4, -100, dtype=np.int64)
    w = np.array([1.0, 2.0, 0.5]) if weighted else None
    xt, xr = pair(x)
    y = F.cross_entropy(xt, tc.tensor(t), None if w is None else tc.tensor(w),
                        label_smoothing=smoothing)
    yr = TF.cross_entropy(xr, torch.tensor(t), None if w is None else torch.tensor(w),
                          label_smoothing=smoothing)
    assert np.isnan(y.item()) and torch.isnan(yr)
    y.backward()
    yr.backward()
    assert_close(xt.grad, xr.grad, F64)


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_huge_logits_are_finite(dtype, smoothing):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    t = np.array([1, 2, 0])
    for reduction in REDUCTIONS:
        xt, xr = pair(x)
        y = F.cross_entropy(xt, tc.tensor(t), reduction=reduction, label_smoothing=smoothing)
        yr = TF.cross_entropy(xr, torch.tensor(t), reduction=reduction,
                              label_smoothing=smoothing)
        assert np.all(np.isfinite(y._data))
        assert_close(y, yr, dtype, what="loss")
        _backprop(y, yr, dtype)
        assert np.all(np.isfinite(xt.grad._data))
        assert_close(xt.grad, xr.grad, dtype, what="grad")


def test_cross_entropy_dtypes_and_gradcheck():
    rng = np.random.default_rng(9)
    x = tc.tensor(rng.standard_normal((4, 5)).astype(F32), requires_grad=True)
    y = F.cross_entropy(x, tc.tensor([0, 4, 2, 1]))
    y.backward()
    assert y.dtype == np.float32 and y.shape == () and x.grad.dtype == np.float32
    x = tc.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    t = tc.tensor([[0, -100], [3, 1], [2, 2]])
    w = tc.tensor(rng.random(4) + 0.5)
    for red in REDUCTIONS:
        assert tc.gradcheck(lambda x: F.cross_entropy(x, t, w, reduction=red,
                                                      label_smoothing=0.2), (x,))
    p = tc.tensor(rng.random((3, 4, 2)), requires_grad=True)
    assert tc.gradcheck(lambda x, p: F.cross_entropy(x, p, w, label_smoothing=0.1), (x, p))


def test_cross_entropy_errors_name_the_shapes():
    x = tc.randn(4, 3)
    with pytest.raises(IndexError, match=r"target 3 is out of bounds for 3 classes.*\(4, 3\)"):
        F.cross_entropy(x, tc.tensor([0, 1, 3, 0]))
    with pytest.raises(IndexError, match="target -1"):
        F.cross_entropy(x, tc.tensor([0, 1, -1, 0]))
    with pytest.raises(IndexError):
        TF.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"batch_size \(4\).*batch_size \(3\)"):
        F.cross_entropy(x, tc.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"target of shape \(4, 6\)"):
        F.cross_entropy(tc.randn(4, 3, 5), tc.zeros(4, 6, dtype=tc.int64))
    with pytest.raises(RuntimeError, match="dtype.*float32"):
        F.cross_entropy(x, tc.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(RuntimeError, match="int32"):
        F.cross_entropy(x, tc.tensor(np.array([0, 1, 2, 0], dtype=np.int32)))
    with pytest.raises(RuntimeError, match=r"all 3 classes.*\(4,\)"):
        F.cross_entropy(x, tc.tensor([0, 1, 2, 0]), weight=tc.ones(4))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, tc.tensor([0, 1, 2, 0]), reduction="avg")
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(x, tc.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="floating point target"):
        F.cross_entropy(x, tc.zeros(4, 3, dtype=tc.int64))


def test_legacy_size_average_reduce():
    rng = np.random.default_rng(10)
    x, t = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        y = F.cross_entropy(tc.tensor(x), tc.tensor(t), size_average=False)
    assert_close(y, TF.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="sum"), F64)
    with pytest.warns(UserWarning, match="reduction='none'"):
        y = F.nll_loss(tc.tensor(x), tc.tensor(t), reduce=False)
    assert y.shape == (5,)


# ----------------------------------------------------------------------------- nll_loss
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("xshape", [(6, 4), (3, 4, 2, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -100, 1])
def test_nll_loss_matches_torch(xshape, reduction, weighted, ignore, dtype):
    rng = np.random.default_rng(_seed(xshape, reduction, weighted, ignore))
    C = xshape[1]
    x = rng.standard_normal(xshape).astype(dtype)
    ignore_index = -100 if ignore is None else ignore
    t = _targets(rng, (xshape[0],) + xshape[2:], C, 0.0 if ignore is None else 0.3, ignore_index)
    w = (rng.random(C) + 0.2).astype(dtype) if weighted else None
    xt, xr = pair(x)
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    y = F.nll_loss(xt, tc.tensor(t), None if w is None else tc.tensor(w), **kw)
    yr = TF.nll_loss(xr, torch.tensor(t), None if w is None else torch.tensor(w), **kw)
    assert_close(y, yr, dtype)
    _backprop(y, yr, dtype)
    assert_close(xt.grad, xr.grad, dtype)


def test_nll_loss_errors_and_gradcheck():
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(tc.randn(4, 3), tc.tensor([0, 1, 3, 0]))
    with pytest.raises(RuntimeError, match="not differentiable"):
        F.nll_loss(tc.randn(4, 3), tc.tensor([0, 1, 2, 0]), weight=tc.ones(3, requires_grad=True))
    x = tc.tensor(np.random.default_rng(11).standard_normal((4, 3)), requires_grad=True)
    assert tc.gradcheck(lambda x: F.nll_loss(x, tc.tensor([0, -100, 2, 2])), (x,))


# ----------------------------------------------------------------------------- pointwise losses
POINTWISE = [
    ("mse", F.mse_loss, TF.mse_loss, {}),
    ("l1", F.l1_loss, TF.l1_loss, {}),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, {}),
    ("smooth_l1_beta0.3", F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.3}),
    ("smooth_l1_beta0", F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,fn,fn_torch,kw", POINTWISE, ids=[p[0] for p in POINTWISE])
def test_pointwise_losses_match_torch(name, fn, fn_torch, kw, shape, reduction, dtype):
    rng = np.random.default_rng(_seed(name, shape, reduction))
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    t = (rng.standard_normal(shape) * 2).astype(dtype)
    (xt, xr), (tt, tr) = pair(x), pair(t)
    y = fn(xt, tt, reduction=reduction, **kw)
    yr = fn_torch(xr, tr, reduction=reduction, **kw)
    assert_close(y, yr, dtype)
    _backprop(y, yr, dtype)
    assert_close(xt.grad, xr.grad, dtype, what="grad input")
    assert_close(tt.grad, tr.grad, dtype, what="grad target")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse", "l1"])
def test_weighted_mse_and_l1(name, reduction):
    fn, fn_torch = (F.mse_loss, TF.mse_loss) if name == "mse" else (F.l1_loss, TF.l1_loss)
    rng = np.random.default_rng(12)
    (xt, xr), (tt, tr), (wt, wr) = (pair(rng.standard_normal((3, 4))) for _ in range(3))
    y = fn(xt, tt, reduction=reduction, weight=wt)
    yr = fn_torch(xr, tr, reduction=reduction, weight=wr)
    assert_close(y, yr, F64)
    _backprop(y, yr, F64)
    for a, b in ((xt, xr), (tt, tr), (wt, wr)):
        assert_close(a.grad, b.grad, F64)


def test_pointwise_broadcast_warns_like_torch_and_reduces_grads():
    rng = np.random.default_rng(13)
    (xt, xr), (tt, tr) = pair(rng.standard_normal((4, 3))), pair(rng.standard_normal(3))
    with pytest.warns(UserWarning, match="target size"):
        y = F.mse_loss(xt, tt)
    with pytest.warns(UserWarning):
        yr = TF.mse_loss(xr, tr)
    assert_close(y, yr, F64)
    y.backward()
    yr.backward()
    assert_close(tt.grad, tr.grad, F64)
    with pytest.raises(RuntimeError, match=r"\(5, 1\).*\(4, 3\)"):
        F.mse_loss(xt, tc.randn(5, 1, dtype=tc.float64))
    with pytest.raises(RuntimeError, match="beta"):
        F.smooth_l1_loss(xt, xt.detach(), beta=-1.0)


def test_pointwise_gradcheck():
    rng = np.random.default_rng(14)
    x = tc.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    t = tc.tensor(rng.standard_normal((3, 4)) + 0.3, requires_grad=True)
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)):
        assert tc.gradcheck(fn, (x, t))
    p = tc.tensor(rng.random((3, 4)), requires_grad=True)
    pw, w = tc.tensor(rng.random(4) * 2), tc.tensor(rng.random((3, 1)) + 0.5)
    for red in REDUCTIONS:
        assert tc.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, w, reduction=red, pos_weight=pw), (x, p))


# ----------------------------------------------------------------------------- BCE with logits
@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits_matches_torch(reduction, weighted, pos, dtype):
    rng = np.random.default_rng(_seed(reduction, weighted, pos))
    x = (rng.standard_normal((5, 4)) * 4).astype(dtype)
    x[0, :2] = [1e4, -1e4]  # extreme logits stay finite
    t = rng.random((5, 4)).astype(dtype)
    w = (rng.random(4) + 0.5).astype(dtype) if weighted else None
    pw = (rng.random(4) * 3).astype(dtype) if pos else None
    (xt, xr), (tt, tr) = pair(x), pair(t)
    y = F.binary_cross_entropy_with_logits(
        xt, tt, None if w is None else tc.tensor(w), reduction=reduction,
        pos_weight=None if pw is None else tc.tensor(pw))
    yr = TF.binary_cross_entropy_with_logits(
        xr, tr, None if w is None else torch.tensor(w), reduction=reduction,
        pos_weight=None if pw is None else torch.tensor(pw))
    assert_close(y, yr, dtype)
    _backprop(y, yr, dtype)
    assert np.all(np.isfinite(xt.grad._data))
    assert_close(xt.grad, xr.grad, dtype, what="grad input")
    assert_close(tt.grad, tr.grad, dtype, what="grad target")


def test_bce_with_logits_errors():
    x = tc.randn(4, 3)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4, 3\)"):
        F.binary_cross_entropy_with_logits(x, tc.rand(4, 1))
    with pytest.raises(RuntimeError, match=r"pos_weight of shape \(2,\)"):
        F.binary_cross_entropy_with_logits(x, tc.rand(4, 3), pos_weight=tc.rand(2))


@pytest.mark.parametrize("name", [
    "batch_norm", "group_norm", "layer_norm", "instance_norm", "relu", "leaky_relu", "softmax",
    "log_softmax", "dropout", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "smooth_l1_loss", "binary_cross_entropy_with_logits"])
def test_functional_signatures_match_torch(name):
    import inspect

    ours = inspect.signature(getattr(F, name)).parameters
    theirs = inspect.signature(getattr(TF, name)).parameters
    assert list(ours) == list(theirs)
    for k in ours:
        assert ours[k].default == theirs[k].default, k
