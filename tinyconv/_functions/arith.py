"""Arithmetic with torch's type promotion: add, mul, matmul, exp, clamp, maximum/minimum.

Each public function validates and promotes its operands, then calls one op of
``tinyconv.ops.elementwise`` / ``tinyconv.ops.linalg``; Tensor's dunders and methods call these.
"""
import numbers

import numpy as np

from .. import _dtypes as D
from .._checks import check_tensor
from .._engine import TensorBase
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import math as M
from ._methods import method

__all__ = ["add", "sub", "mul", "div", "pow", "matmul", "neg", "abs", "exp", "log", "sqrt",
           "clamp", "clamp_min", "clamp_max", "clip", "maximum", "minimum", "cast", "operands"]


def cast(x, dtype):
    """x as ``dtype`` (x itself when it already is), recorded for backward."""
    dt = np.dtype(dtype)
    return x if x._data.dtype == dt else E.Cast.apply(x, dtype=dt)


def operands(a, b, op):
    """Two Tensors of one dtype, with torch's promotion for scalars and mixed dtypes."""
    if isinstance(a, TensorBase):
        if isinstance(b, TensorBase):
            da, db = a._data.dtype, b._data.dtype
            if da is not db and da != db:
                dt = D.promote(da, db)
                a, b = cast(a, dt), cast(b, dt)
            return a, b
        b = _const(b, a, op)
    elif isinstance(b, TensorBase):
        a = _const(a, b, op)
    else:
        raise TypeError(f"{op}: expected at least one Tensor")
    if a._data.dtype != b._data.dtype:  # e.g. an int tensor with a float scalar
        dt = D.promote(a._data.dtype, b._data.dtype)
        a, b = cast(a, dt), cast(b, dt)
    return a, b


def _const(value, ref, op):
    """A constant operand (scalar or ndarray) as a Tensor next to the tensor ``ref``."""
    like = ref._data.dtype
    if isinstance(value, np.ndarray):
        dt = D.promote(like, value.dtype)
        return cast(ref._make(value, False, None), dt)
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: unsupported operand type {type(value).__name__}")
    return ref._make(np.asarray(value, dtype=D.scalar_dtype(value, like)), False, None)


def _check_broadcast(a, b, op):
    try:
        np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: The size of tensor a {tuple(a.shape)} must match the size of tensor b "
            f"{tuple(b.shape)} (shapes do not broadcast)") from None


def _binary(fn, a, b, op):
    try:
        return fn.apply(a, b)
    except ValueError:
        if a._data.shape != b._data.shape:
            _check_broadcast(a, b, op)
        raise


@method(inplace="add_")
def add(input, other, alpha=1):
    """Elementwise ``input + alpha * other`` (torch's ``add``).

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.
        alpha: a multiplier of ``other``.

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).

    Examples:
        >>> import tinyconv as tc
        >>> tc.add(tc.tensor([1.0, 2.0]), 10.0)
        tensor([11., 12.])
        >>> tc.add(tc.ones(2, 1), tc.tensor([1.0, 2.0, 3.0]), alpha=2).shape   # broadcast
        tinyconv.Size([2, 3])
    """
    a, b = operands(input, other if alpha == 1 else other * alpha, "add")
    return _binary(E.Add, a, b, "add")


@method(inplace="sub_")
def sub(input, other, alpha=1):
    """Elementwise ``input - alpha * other`` (torch's ``sub``).

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.
        alpha: a multiplier of ``other``.

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).
    """
    a, b = operands(input, other if alpha == 1 else other * alpha, "sub")
    return _binary(E.Sub, a, b, "sub")


@method(inplace="mul_")
def mul(input, other):
    """Elementwise product ``input * other``.

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).
    """
    a, b = operands(input, other, "mul")
    return _binary(E.Mul, a, b, "mul")


@method(inplace="div_")
def div(input, other, *, rounding_mode=None):
    """Elementwise division ``input / other``: true division (integers give the default float
    dtype), or rounded toward zero (``'trunc'``) or down (``'floor'``).

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.
        rounding_mode: None (true division), ``'trunc'`` or ``'floor'`` (integers stay
            integers; the gradient of a rounded quotient is zero, as torch's).

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).
    """
    a, b = operands(input, other, "div")
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found {rounding_mode!r}")
        if a._data.dtype.kind in "biu" and not (b._data != 0).all():
            raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
        try:
            return M.DivRounded.apply(a, b, mode=rounding_mode)
        except ValueError:
            _check_broadcast(a, b, "div")
            raise
    if not D.is_float(a._data.dtype):  # true division of integers gives the default float
        a, b = cast(a, D.get_default_dtype()), cast(b, D.get_default_dtype())
    return _binary(E.Div, a, b, "div")


@method(inplace="pow_")
def pow(input, exponent):
    """Elementwise power ``input ** exponent``.

    Args:
        input: a Tensor (or a number, when ``exponent`` is a Tensor).
        exponent: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: the broadcast shape, in the promoted dtype.
    """
    a, b = operands(input, exponent, "pow")
    return _binary(E.Pow, a, b, "pow")


@method
def matmul(input, other):
    """Matrix product with NumPy's/torch's rules for 1-D and batched operands.

    Args:
        input: (n,), (n, m) or (..., n, m).
        other: (m,), (m, p) or (..., m, p); batch dimensions broadcast.

    Returns:
        Tensor: a dot product (0-d), a matrix-vector product, a matrix product, or a batch of
        them; the gradient reduces broadcast batch dimensions back.

    Shape:
        (..., n, m) @ (..., m, p) -> (..., n, p).

    Examples:
        >>> import tinyconv as tc
        >>> a = tc.ones(2, 3)
        >>> (a @ tc.ones(3, 4)).shape
        tinyconv.Size([2, 4])
        >>> tc.matmul(tc.ones(5, 2, 3), tc.ones(3)).shape
        tinyconv.Size([5, 2])
    """
    a, b = operands(input, other, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension (got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)})")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: mat1 and mat2 shapes cannot be multiplied ({tuple(a.shape)} and "
            f"{tuple(b.shape)}): inner sizes {k_a} and {k_b} differ")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} do not "
                f"broadcast") from None
    return L.MatMul.apply(a, b)


def _unary(fn, x, name, to_float=True):
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if to_float and not D.is_float(x._data.dtype):
        x = cast(x, D.get_default_dtype())
    return fn.apply(x)


@method(inplace="exp_")
def exp(input):
    """Elementwise ``e ** input``.

    Args:
        input: a Tensor; integer tensors are first converted to the default float dtype.

    Returns:
        Tensor: of ``input``'s shape and floating dtype.
    """
    return _unary(E.Exp, input, "exp")


@method(inplace="log_")
def log(input):
    """Elementwise natural logarithm (``-inf`` at 0, ``nan`` below, as torch).

    Args:
        input: a Tensor; integer tensors are first converted to the default float dtype.

    Returns:
        Tensor: of ``input``'s shape and floating dtype.
    """
    return _unary(E.Log, input, "log")


@method(inplace="sqrt_")
def sqrt(input):
    """Elementwise square root.

    Args:
        input: a Tensor; integer tensors are first converted to the default float dtype.

    Returns:
        Tensor: of ``input``'s shape and floating dtype.
    """
    return _unary(E.Sqrt, input, "sqrt")


@method(inplace="abs_")
def abs(input):
    """Elementwise absolute value (its gradient is ``sign(input)``, 0 at 0).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    return _unary(E.Abs, input, "abs", to_float=False)


@method(inplace="neg_")
def neg(input):
    """Elementwise negation ``-input``.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    return _unary(E.Neg, input, "neg", to_float=False)


@method(inplace="clamp_")
def clamp(input, min=None, max=None):
    """Clip every element into ``[min, max]``.

    The gradient passes where the element was inside the range (bounds included, as torch)
    and is zero where it was clipped; tensor bounds receive the gradient where they won.
    Where ``min > max`` the result is ``max``.

    Args:
        input: a Tensor.
        min: lower bound (a number or a Tensor broadcast against ``input``), or None for none.
        max: upper bound (the same kind as ``min``), or None for none.

    Returns:
        Tensor: of ``input``'s shape (the broadcast shape with tensor bounds) and dtype (the
        promoted one with tensor bounds).

    Examples:
        >>> import tinyconv as tc
        >>> tc.clamp(tc.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    tensors = [isinstance(v, TensorBase) for v in (min, max) if v is not None]
    if any(tensors):
        if not all(tensors):
            raise TypeError("clamp(): min and max must both be Tensors or both numbers (or "
                            "None)")
        return _clamp_tensor(input, min, max)
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, numbers.Real):
            raise TypeError(f"clamp: {name} must be a number, got {type(v).__name__}")
    if (np.issubdtype(input._data.dtype, np.integer)
            and any(v is not None and not isinstance(v, numbers.Integral) for v in (min, max))):
        input = cast(input, D.get_default_dtype())  # a float bound: torch's result is float
    return E.Clamp.apply(input, min=min, max=max)


def _clamp_tensor(input, lo, hi):
    dt = input._data.dtype
    for b in (lo, hi):
        if b is not None:
            dt = D.promote(dt, b._data.dtype)
    shapes = [t.shape for t in (input, lo, hi) if t is not None]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"clamp: shapes {shapes} of input, min and max do not "
                           f"broadcast") from None
    return M.ClampTensor.apply(cast(input, dt), None if lo is None else cast(lo, dt),
                               None if hi is None else cast(hi, dt))


def _one_bound(op, name, input, bound):
    check_tensor(op, "input", input)
    if not isinstance(bound, (TensorBase, numbers.Real)) or isinstance(bound, bool):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor or a number, not "
                        f"{type(bound).__name__}")
    if isinstance(bound, TensorBase):
        _check_broadcast(input, bound, op)


@method(inplace="clamp_min_")
def clamp_min(input, min):
    """``clamp(input, min=min)``: every element raised to at least ``min``.

    Args:
        input: a Tensor.
        min: the lower bound: a number or a Tensor broadcast against ``input``.

    Returns:
        Tensor: as ``clamp``'s; the gradient passes where ``input >= min`` (and reaches a
        tensor ``min`` where it won).
    """
    _one_bound("clamp_min", "min", input, min)
    return clamp(input, min=min)


@method(inplace="clamp_max_")
def clamp_max(input, max):
    """``clamp(input, max=max)``: every element lowered to at most ``max``.

    Args:
        input: a Tensor.
        max: the upper bound: a number or a Tensor broadcast against ``input``.

    Returns:
        Tensor: as ``clamp``'s; the gradient passes where ``input <= max`` (and reaches a
        tensor ``max`` where it won).
    """
    _one_bound("clamp_max", "max", input, max)
    return clamp(input, max=max)


# torch's alias of clamp, as a function and as methods
clip = method(name="clip", inplace="clip_")(clamp)


@method
def maximum(input, other):
    """Elementwise maximum of two tensors (ties split the gradient evenly, as torch).

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).
    """
    a, b = operands(input, other, "maximum")
    return _binary(E.Maximum, a, b, "maximum")


@method
def minimum(input, other):
    """Elementwise minimum of two tensors (ties split the gradient evenly, as torch).

    Args:
        input: a Tensor (or a number, when ``other`` is a Tensor).
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: the broadcast shape of the two, in their promoted dtype (torch's rules: a
        Python number does not raise a tensor's precision).
    """
    a, b = operands(input, other, "minimum")
    return _binary(E.Minimum, a, b, "minimum")
