"""Bitwise and logical ops with torch's signatures and dtype rules (no gradients):
bitwise_and/or/xor/not and the shifts on bool and integer tensors (``&``, ``|``, ``^``, ``~``,
``<<``, ``>>``), logical_and/or/xor/not on any dtype (nonzero is True, the result bool)."""
import numbers

import numpy as np

from .. import _dtypes as D
from .._checks import DtypeError, check_tensor
from .._engine import TensorBase
from ._methods import method

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
           "bitwise_right_shift", "logical_and", "logical_or", "logical_xor", "logical_not"]


def _array(v, like, op):
    """``v`` (a Tensor or a number) as an ndarray, with torch's dtype for a Python number."""
    if isinstance(v, TensorBase):
        return v._data
    if isinstance(v, np.ndarray):
        return v
    if not isinstance(v, numbers.Number):
        raise TypeError(f"{op}(): argument 'other' must be a Tensor or a number, not "
                        f"{type(v).__name__}")
    return np.asarray(v, dtype=D.scalar_dtype(v, like))


def _binary(ufunc, a, b, op, logical=False):
    ref = a if isinstance(a, TensorBase) else b
    if not isinstance(ref, TensorBase):
        raise TypeError(f"{op}(): expected a Tensor argument")
    x = _array(a, ref._data.dtype, op)
    y = _array(b, ref._data.dtype, op)
    if logical:
        x, y = x.astype(bool, copy=False), y.astype(bool, copy=False)
    else:
        for arr in (x, y):
            if arr.dtype.kind not in "biu":
                raise DtypeError(f"{op}(): only bool and integer tensors are supported, got "
                                 f"dtype {arr.dtype}")
        dt = D.promote(x.dtype, y.dtype)
        x, y = x.astype(dt, copy=False), y.astype(dt, copy=False)
    try:
        out = ufunc(x, y)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {x.shape} and {y.shape} do not broadcast") from None
    return ref._make(np.asarray(out), False, None)


def _doc(fn, summary, kind):
    operand = ("bool or integer Tensors (or numbers)" if kind == "bitwise"
               else "Tensors of any dtype (nonzero counts as True)")
    result = ("the promoted dtype of the two" if kind == "bitwise" else "bool")
    fn.__doc__ = f"""{summary}, elementwise (no gradient).

    Args:
        input: a Tensor.
        other: a Tensor or a number, broadcast against ``input``; {operand}.

    Returns:
        Tensor: of the broadcast shape, {result}.
    """
    return fn


@method(inplace="bitwise_and_")
def bitwise_and(input, other):
    return _binary(np.bitwise_and, input, other, "bitwise_and")


@method(inplace="bitwise_or_")
def bitwise_or(input, other):
    return _binary(np.bitwise_or, input, other, "bitwise_or")


@method(inplace="bitwise_xor_")
def bitwise_xor(input, other):
    return _binary(np.bitwise_xor, input, other, "bitwise_xor")


def _shift(ufunc, input, other, op):
    for v in (input, other):
        dt = v._data.dtype if isinstance(v, TensorBase) else np.asarray(v).dtype
        if dt.kind not in "iu":
            raise DtypeError(f"{op}(): only integer tensors are supported, got dtype {dt}")
    return _binary(ufunc, input, other, op)


@method(inplace="bitwise_left_shift_")
def bitwise_left_shift(input, other):
    return _shift(np.left_shift, input, other, "bitwise_left_shift")


@method(inplace="bitwise_right_shift_")
def bitwise_right_shift(input, other):
    return _shift(np.right_shift, input, other, "bitwise_right_shift")


@method(inplace="logical_and_")
def logical_and(input, other):
    return _binary(np.logical_and, input, other, "logical_and", logical=True)


@method(inplace="logical_or_")
def logical_or(input, other):
    return _binary(np.logical_or, input, other, "logical_or", logical=True)


@method(inplace="logical_xor_")
def logical_xor(input, other):
    return _binary(np.logical_xor, input, other, "logical_xor", logical=True)


for _fn, _summary, _kind in (
        (bitwise_and, "Bitwise AND (logical AND of bools)", "bitwise"),
        (bitwise_or, "Bitwise OR (logical OR of bools)", "bitwise"),
        (bitwise_xor, "Bitwise XOR (logical XOR of bools)", "bitwise"),
        (bitwise_left_shift, "``input << other`` (integers)", "bitwise"),
        (bitwise_right_shift, "``input >> other`` (integers; arithmetic for negative values)",
         "bitwise"),
        (logical_and, "Logical AND", "logical"), (logical_or, "Logical OR", "logical"),
        (logical_xor, "Logical XOR", "logical")):
    _doc(_fn, _summary, _kind)


@method(inplace="bitwise_not_")
def bitwise_not(input):
    """Bitwise NOT (logical NOT of bools), elementwise (no gradient).

    Args:
        input: a bool or integer Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("bitwise_not", "input", input)
    if input._data.dtype.kind not in "biu":
        raise DtypeError(f"bitwise_not(): ~ is only implemented on integer and Boolean-type "
                         f"tensors, got dtype {input.dtype}")
    return input._make(np.invert(input._data), False, None)


@method(inplace="logical_not_")
def logical_not(input):
    """Logical NOT, elementwise: True where ``input`` is zero (no gradient).

    Args:
        input: a Tensor of any dtype.

    Returns:
        Tensor: bool, of ``input``'s shape.
    """
    check_tensor("logical_not", "input", input)
    return input._make(np.logical_not(input._data), False, None)
