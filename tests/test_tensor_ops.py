"""Tensor ops against torch: forward values and every input's gradient, float64 and float32."""
import numpy as np
import pytest
import torch

import tinyconv as tc

from .utils import assert_close

DTYPES = [np.float64, np.float32]


def run_both(fn_tc, fn_torch, arrays, dtype, seed=0, grad=True, tol=None):
    """Apply both functions to the same inputs, backprop the same random upstream gradient,
    and compare outputs and every input gradient."""
    rng = np.random.default_rng(seed)
    xs_tc = [tc.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    xs_t = [torch.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    y_tc = fn_tc(*xs_tc)
    y_t = fn_torch(*xs_t)
    assert_close(y_tc, y_t, dtype=dtype, tol=tol, what="forward")
    if not grad:
        return
    g = rng.standard_normal(tuple(y_t.shape)).astype(dtype)
    y_tc.backward(tc.tensor(g))
    y_t.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(xs_tc, xs_t)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad._data), f"input {i}: unexpected grad"
            continue
        assert a.grad is not None, f"input {i}: no gradient"
        assert_close(a.grad, b.grad, dtype=dtype, tol=tol, what=f"grad of input {i}")


def rnd(*shape, seed=0, positive=False, away=0.0):
    x = np.random.default_rng(seed + sum(shape) * 7 + len(shape)).standard_normal(shape)
    if positive:
        x = np.abs(x) + 0.5
    if away:
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * away, x)
    return x


BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 4), (3, 1)),
    ((), (2, 3)),
    ((5,), ()),
    ((), ()),
    ((2, 3, 1, 5), (1, 4, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", BROADCAST_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_broadcast(op, sa, sb, dtype):
    a = rnd(*sa, seed=1, positive=op == "pow")
    b = rnd(*sb, seed=2, positive=op == "div")
    fns = {
        "add": (lambda x, y: x + y, lambda x, y: x + y),
        "sub": (lambda x, y: x - y, lambda x, y: x - y),
        "mul": (lambda x, y: x * y, lambda x, y: x * y),
        "div": (lambda x, y: x / y, lambda x, y: x / y),
        "pow": (lambda x, y: x ** y, lambda x, y: x ** y),
        "maximum": (tc.maximum, torch.maximum),
        "minimum": (tc.minimum, torch.minimum),
    }
    f_tc, f_t = fns[op]
    run_both(f_tc, f_t, [a, b], dtype, tol=1e-4 if dtype == np.float32 else None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", [2.0, -3, 0.5])
def test_scalar_operands_keep_dtype(scalar, dtype):
    a = rnd(3, 4, positive=True)
    for f in (lambda x: x + scalar, lambda x: scalar - x, lambda x: x * scalar,
              lambda x: scalar / x, lambda x: x / scalar, lambda x: x ** scalar,
              lambda x: -x, lambda x: scalar ** x if scalar > 0 else x):
        run_both(f, f, [a], dtype, tol=1e-4 if dtype == np.float32 else None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "neg"])
def test_unary(name, dtype):
    a = rnd(4, 5, positive=name in ("log", "sqrt"), away=0.05)
    run_both(lambda x: getattr(tc, name)(x), lambda x: getattr(torch, name)(x), [a], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.2), (-0.1, None)])
def test_clamp(lo, hi, dtype):
    a = rnd(6, 7, away=0.01)
    run_both(lambda x: x.clamp(lo, hi), lambda x: x.clamp(lo, hi), [a], dtype)


def test_clamp_boundary_gradient_like_torch():
    # torch passes the gradient where x equals a bound
    a = np.array([-1.0, 0.0, 1.0, 2.0])
    run_both(lambda x: x.clamp(0.0, 1.0), lambda x: x.clamp(0.0, 1.0), [a], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_where(dtype):
    a, b = rnd(3, 4, seed=1), rnd(4, seed=2)
    cond = rnd(3, 4, seed=3) > 0
    run_both(lambda x, y: tc.where(tc.tensor(cond), x, y),
             lambda x, y: torch.where(torch.tensor(cond), x, y), [a, b], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (1, -1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std"])
def test_reductions(name, dim, keepdim, dtype):
    a = rnd(3, 4, 5)
    run_both(lambda x: getattr(x, name)(dim, keepdim=keepdim),
             lambda x: getattr(x, name)(dim, keepdim=keepdim), [a], dtype)
    if dim is None and not keepdim:
        run_both(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a], dtype)


@pytest.mark.parametrize("keepdim", [1, 10**30, "yes", None])
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min", "amax", "argmax",
                                  "argmin"])
def test_reductions_take_only_a_bool_keepdim(name, keepdim):
    for x in (tc.zeros(2, 3), torch.zeros(2, 3)):
        with pytest.raises(TypeError, match="keepdim"):
            getattr(x, name)(0, keepdim=keepdim)
    assert tc.zeros(2, 3).sum(0, keepdim=np.bool_(True)).shape == (1, 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_var_correction_and_unbiased(dtype):
    a = rnd(4, 6)
    run_both(lambda x: x.var(1, unbiased=False), lambda x: x.var(1, unbiased=False), [a], dtype)
    run_both(lambda x: x.std(0, correction=0), lambda x: x.std(0, correction=0), [a], dtype)
    run_both(lambda x: x.var(dim=(0, 1), correction=2), lambda x: x.var(dim=(0, 1), correction=2),
             [a], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_dim(name, dim, keepdim, dtype):
    a = rnd(4, 5, 3)
    run_both(lambda x: getattr(x, name)(dim, keepdim)[0],
             lambda x: getattr(x, name)(dim, keepdim)[0], [a], dtype)
    x = tc.tensor(a)
    t = torch.tensor(a)
    vals, idx = getattr(x, name)(dim, keepdim)
    assert np.array_equal(idx.numpy(), getattr(t, name)(dim, keepdim).indices.numpy())
    assert idx.dtype == tc.int64
    res = getattr(x, name)(dim, keepdim)
    assert np.array_equal(res.values.numpy(), vals.numpy())
    assert np.array_equal(res.indices.numpy(), idx.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_all_ties_split_evenly_like_torch(dtype):
    a = np.array([[1.0, 3.0, 3.0], [0.0, 3.0, -1.0]])
    run_both(lambda x: x.max(), lambda x: x.max(), [a], dtype)
    run_both(lambda x: x.min(), lambda x: x.min(), [a], dtype)


def test_max_dim_tie_goes_to_one_element_like_torch():
    a = np.array([[2.0, 2.0, 1.0]])
    run_both(lambda x: x.max(1)[0], lambda x: x.max(1)[0], [a], np.float64)


def test_argmax_argmin():
    a = rnd(4, 6)
    x, t = tc.tensor(a), torch.tensor(a)
    assert x.argmax().item() == t.argmax().item()
    for d in (0, 1, -1):
        assert np.array_equal(x.argmax(d).numpy(), t.argmax(d).numpy())
        assert np.array_equal(x.argmin(d, keepdim=True).numpy(), t.argmin(d, keepdim=True).numpy())
    assert x.argmax(1).dtype == tc.int64


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (5, 4, 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb, dtype):
    run_both(lambda x, y: x @ y, lambda x, y: x @ y, [rnd(*sa, seed=1), rnd(*sb, seed=2)], dtype,
             tol=1e-4 if dtype == np.float32 else None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_ops(dtype):
    a = rnd(2, 3, 4)
    cases = [
        (lambda x: x.reshape(6, 4), None),
        (lambda x: x.reshape(-1), None),
        (lambda x: x.view(3, -1), None),
        (lambda x: x.flatten(), None),
        (lambda x: x.flatten(1), None),
        (lambda x: x.flatten(0, 1), None),
        (lambda x: x.permute(2, 0, 1), None),
        (lambda x: x.transpose(0, 2), None),
        (lambda x: x.transpose(-1, -2).reshape(2, 12), None),
        (lambda x: x.unsqueeze(1), None),
        (lambda x: x.unsqueeze(-1), None),
        (lambda x: x.unsqueeze(0).squeeze(0), None),
        (lambda x: x[:, :1].squeeze(), None),
        (lambda x: x[:, :1].squeeze(1), None),
        (lambda x: x[:, :1].expand(2, 5, 4), None),
        (lambda x: x[0, :, :1].expand(3, 3, -1), None),
        (lambda x: x[0].T, None),
        (lambda x: x.repeat(2, 1, 3), None),
    ]
    for f, _ in cases:
        run_both(f, f, [a], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_stack(dim, dtype):
    a, b = rnd(2, 3, seed=1), rnd(2, 3, seed=2)
    run_both(lambda x, y: tc.stack([x, y, x], dim), lambda x, y: torch.stack([x, y, x], dim),
             [a, b], dtype)
    c = rnd(2, 5, seed=3) if dim != 0 else rnd(4, 3, seed=3)
    run_both(lambda x, y: tc.cat([x, y], dim), lambda x, y: torch.cat([x, y], dim), [a, c], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_indexing(dtype):
    a = rnd(5, 4, 3)
    idx = np.array([0, 2, 2, 4, 0])  # repeated indices must accumulate
    mask = rnd(5, 4, seed=9) > 0
    cases = [
        lambda x, T: x[1],
        lambda x, T: x[1:4:2, ::-1] if T is np else x[1:4:2, :],
        lambda x, T: x[..., 1],
        lambda x, T: x[None, 2, :, 1:],
        lambda x, T: x[T(idx)],
        lambda x, T: x[T(idx), 1],
        lambda x, T: x[:, T(np.array([3, 3, 0]))],
        lambda x, T: x[T(idx), T(np.array([0, 1, 1, 3, 0]))],
        lambda x, T: x[T(mask)],
        lambda x, T: x[[1, 1, 3]],
        lambda x, T: x[-1, -2, -3],
    ]
    for f in cases:
        run_both(lambda x: f(x, tc.tensor), lambda x: f(x, torch.tensor), [a], dtype)


def test_diamond_graph_accumulates():
    a = rnd(3, 4)
    def f(x):
        y = x * 2.0
        u = y.exp()
        v = y * y
        return (u + v * x).sum(0)
    run_both(f, f, [a], np.float64)


def test_reused_tensor_accumulates():
    a = rnd(4)
    f = lambda x: x * x * x + x  # noqa: E731 - x used four times
    run_both(f, f, [a], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_dim_tensors(dtype):
    a, b = np.array(1.5), np.array(-0.5)
    run_both(lambda x, y: (x * y + x.exp()) / y, lambda x, y: (x * y + x.exp()) / y, [a, b], dtype)
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
