"""In-place operations against torch, cell by cell: every in-place op × the kind of tensor it
writes into (a leaf requiring grad, a non-leaf, a view of a non-leaf, a leaf under no_grad, a
view of a leaf, a plain tensor written from one requiring grad, a non-leaf an earlier op
saved).  Each cell runs the same program on both libraries and must give the same values,
gradients and flags, or raise the same error type at the same step.
"""
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.utils import assert_close

RNG = np.random.default_rng(3)
MIXED = np.array([[-0.8, 0.35, 1.3], [0.6, -0.25, -1.7]])    # away from the kinks at 0
POSITIVE = np.array([[0.4, 1.2, 0.7], [2.1, 0.3, 0.9]])
OTHER = np.array([[0.6, -1.1, 0.8], [1.4, 0.7, -0.9]])       # the second operand
DIVISOR = np.array([[0.6, 1.1, 0.8], [1.4, 0.7, 0.9]])
W = RNG.standard_normal((2, 3))                              # loss weights
WB = RNG.standard_normal((2, 4))


def _f(M):
    return M.nn.functional


def _setitem_scalar(t, y):
    t[0, 1] = 0.25


def _setitem_tensor(t, y):
    t[1] = y[1]


def _iadd(t, y):
    t += y


def _isub(t, y):
    t -= y


def _imul(t, y):
    t *= y


def _idiv(t, y):
    t /= y


# name -> (write(M, t, y), input values, other values or None, whether outcomes are random)
OPS = {
    "add_": (lambda M, t, y: t.add_(y), MIXED, OTHER, False),
    "add_ alpha": (lambda M, t, y: t.add_(y, alpha=-2.0), MIXED, OTHER, False),
    "sub_": (lambda M, t, y: t.sub_(y), MIXED, OTHER, False),
    "mul_": (lambda M, t, y: t.mul_(y), MIXED, OTHER, False),
    "mul_ scalar": (lambda M, t, y: t.mul_(3.0), MIXED, None, False),
    "mul_ itself": (lambda M, t, y: t.mul_(t), MIXED, None, False),
    "div_ itself": (lambda M, t, y: t.div_(t), MIXED, None, False),
    "pow_ itself": (lambda M, t, y: t.pow_(t), POSITIVE, None, False),
    "add_ itself": (lambda M, t, y: t.add_(t), MIXED, None, False),
    "mul_ its detached alias": (lambda M, t, y: t.mul_(t.detach()), MIXED, None, False),
    "copy_ itself": (lambda M, t, y: t.copy_(t), MIXED, None, False),
    "div_": (lambda M, t, y: t.div_(y), MIXED, DIVISOR, False),
    "pow_": (lambda M, t, y: t.pow_(2.0), POSITIVE, None, False),
    "pow_ tensor": (lambda M, t, y: t.pow_(y), POSITIVE, OTHER, False),
    "clamp_": (lambda M, t, y: t.clamp_(min=-0.3, max=0.5), MIXED, None, False),
    "clamp_ min": (lambda M, t, y: t.clamp_(min=0.0), MIXED, None, False),
    "exp_": (lambda M, t, y: t.exp_(), MIXED, None, False),
    "log_": (lambda M, t, y: t.log_(), POSITIVE, None, False),
    "sqrt_": (lambda M, t, y: t.sqrt_(), POSITIVE, None, False),
    "abs_": (lambda M, t, y: t.abs_(), MIXED, None, False),
    "neg_": (lambda M, t, y: t.neg_(), MIXED, None, False),
    "sigmoid_": (lambda M, t, y: t.sigmoid_(), MIXED, None, False),
    "tanh_": (lambda M, t, y: t.tanh_(), MIXED, None, False),
    "relu_": (lambda M, t, y: t.relu_(), MIXED, None, False),
    "zero_": (lambda M, t, y: t.zero_(), MIXED, None, False),
    "fill_": (lambda M, t, y: t.fill_(0.5), MIXED, None, False),
    "copy_": (lambda M, t, y: t.copy_(y), MIXED, OTHER, False),
    "uniform_": (lambda M, t, y: t.uniform_(-1.0, 1.0), MIXED, None, True),
    "normal_": (lambda M, t, y: t.normal_(0.0, 2.0), MIXED, None, True),
    "setitem scalar": (lambda M, t, y: _setitem_scalar(t, y), MIXED, None, False),
    "setitem tensor": (lambda M, t, y: _setitem_tensor(t, y), MIXED, OTHER, False),
    "+=": (lambda M, t, y: _iadd(t, y), MIXED, OTHER, False),
    "-=": (lambda M, t, y: _isub(t, y), MIXED, OTHER, False),
    "*=": (lambda M, t, y: _imul(t, y), MIXED, OTHER, False),
    "/=": (lambda M, t, y: _idiv(t, y), MIXED, DIVISOR, False),
    "F.relu inplace": (lambda M, t, y: _f(M).relu(t, inplace=True), MIXED, None, False),
    "F.dropout inplace eval": (lambda M, t, y: _f(M).dropout(t, 0.5, training=False,
                                                             inplace=True), MIXED, None, False),
    "F.dropout inplace p=0": (lambda M, t, y: _f(M).dropout(t, 0.0, training=True,
                                                            inplace=True), MIXED, None, False),
}

CASES = ["leaf requiring grad", "non-leaf", "view of a non-leaf", "leaf under no_grad",
         "view of a leaf", "plain, other requires grad", "non-leaf saved by an earlier op"]


def _widen(values):
    """A (2, 4) base whose [:, 1:] view holds ``values`` (a non-contiguous view)."""
    return np.concatenate([np.full((2, 1), 0.45), values], axis=1)


def _run(M, name, case):
    """Apply op ``name`` in ``case``; what was observed (values, grads, flags or an error)."""
    write, values, other, random = OPS[name]
    obs = {}
    T = lambda a, g=False: M.tensor(np.array(a, dtype=np.float64), requires_grad=g)  # noqa: E731
    y = None if other is None else T(other, True)
    leaf = base = saved = None
    if case == "leaf requiring grad":
        leaf = t = T(values, True)
    elif case == "non-leaf":
        leaf = T(values, True)
        t = leaf * 1.0
    elif case == "view of a non-leaf":
        leaf = T(_widen(values), True)
        base = leaf * 1.0
        t = base[:, 1:]
    elif case == "leaf under no_grad":
        leaf = t = T(values, True)
    elif case == "view of a leaf":
        leaf = T(_widen(values), True)
        t = leaf[:, 1:]
    elif case == "plain, other requires grad":
        t = T(values)
        if y is None:
            y = T(OTHER, True)
            write = _with_other(write)
    else:  # a non-leaf that a multiplication saved before the write
        leaf = T(values, True)
        t = leaf * 1.0
        saved = t * t
    try:
        if case == "leaf under no_grad":
            with M.no_grad():
                write(M, t, y)
        else:
            write(M, t, y)
    except Exception as e:  # noqa: BLE001 - the error type is the outcome
        return {"error at the write": type(e).__name__}
    obs["requires_grad"] = t.requires_grad
    obs["is_leaf"] = t.is_leaf
    if not random:  # random draws differ between the libraries: only the outcome compares
        obs["value"] = t
    loss = None
    if t.requires_grad:
        loss = (t * M.tensor(W)).sum()
    if base is not None:
        if not random:
            obs["base"] = base
        loss = loss + (base * M.tensor(WB)).sum()
    if saved is not None:
        loss = loss + saved.sum()
    if loss is not None:
        try:
            loss.backward()
        except Exception as e:  # noqa: BLE001
            obs["error at backward"] = type(e).__name__
            return obs
    if random:
        return obs
    if leaf is not None:
        obs["leaf grad"] = leaf.grad
    if y is not None:
        obs["other grad"] = y.grad
    return obs


def _with_other(write):
    """A unary write made to read a second operand too (``t.mul_(...) + y`` style): the
    column for "a plain tensor written from one that requires grad"."""
    def w(M, t, y):
        write(M, t, y)
        t.add_(y)
    return w


def _obs(d):
    return {k: (np.array(v.detach().numpy(), copy=True) if hasattr(v, "detach") else v)
            for k, v in d.items()}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", list(OPS))
def test_inplace_cell_matches_torch(name, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _obs(_run(torch, name, case))
    got = _obs(_run(tc, name, case))
    assert sorted(got) == sorted(expected), f"{name} on a {case}: {got} vs torch {expected}"
    for k, e in expected.items():
        g = got[k]
        if isinstance(e, np.ndarray):
            assert isinstance(g, np.ndarray), f"{name} on a {case}: {k} is {g!r}"
            assert_close(g, e, what=f"{name} on a {case}: {k}", tol=1e-12)
        else:
            assert g == e, f"{name} on a {case}: {k} is {g!r}, torch {e!r}"
