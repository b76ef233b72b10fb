"""Binary and ternary pointwise ops with torch's signatures, dtype rules and gradients: atan2,
hypot, remainder (``%``), fmod, floor_divide (``//``), lerp, addcmul, addcdiv, nan_to_num, and
torch's alias names of the arithmetic (divide, multiply, subtract, true_divide, negative,
absolute).  Each is a Tensor method with an in-place ``_`` form where torch has one."""
import numbers

from .. import _dtypes as D
from .._checks import DtypeError, check_tensor, is_real
from .._engine import TensorBase
from ..ops import math as M
from ._methods import method
from .arith import _binary, abs, add, cast, div, mul, neg, operands, sub

__all__ = ["atan2", "arctan2", "hypot", "remainder", "fmod", "floor_divide", "lerp", "addcmul",
           "addcdiv", "nan_to_num", "divide", "true_divide", "multiply", "subtract", "negative",
           "absolute", "check_int_divisor"]


def _float_pair(input, other, op):
    a, b = operands(input, other, op)
    if not D.is_float(a._data.dtype):
        a, b = cast(a, D.get_default_dtype()), cast(b, D.get_default_dtype())
    return a, b


@method(inplace="atan2_")
def atan2(input, other):
    """The angle of the point (other, input), elementwise: ``atan(input / other)`` in the
    right quadrant, in [-pi, pi].

    Args:
        input: a Tensor (the y coordinates).
        other: a Tensor (the x coordinates), broadcast against ``input``.

    Returns:
        Tensor: of the broadcast shape, floating (integers become the default float dtype).
    """
    check_tensor("atan2", "other", other)
    a, b = _float_pair(input, other, "atan2")
    return _binary(M.Atan2, a, b, "atan2")


@method(inplace="arctan2_")
def arctan2(input, other):
    """Alias of ``atan2``.

    Args:
        input: a Tensor (the y coordinates).
        other: a Tensor (the x coordinates).

    Returns:
        Tensor: the angles.
    """
    return atan2(input, other)


@method(inplace="hypot_")
def hypot(input, other):
    """``sqrt(input**2 + other**2)`` elementwise, without overflow.

    Args:
        input: a floating-point Tensor.
        other: a floating-point Tensor, broadcast against ``input``.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.
    """
    check_tensor("hypot", "input", input)
    check_tensor("hypot", "other", other)
    a, b = operands(input, other, "hypot")
    if not D.is_float(a._data.dtype):
        raise DtypeError(f"hypot(): only floating point tensors are supported, got {a.dtype}")
    return _binary(M.Hypot, a, b, "hypot")


def check_int_divisor(a, b, op):
    """Integer division by zero is an error in torch (a float one gives inf/NaN)."""
    if a._data.dtype.kind in "biu" and not (b._data != 0).all():
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


@method(inplace="remainder_")
def remainder(input, other):
    """Python's modulus ``input % other``: ``input - other * floor(input / other)``, with the
    sign of ``other``.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.  The gradient is 1 for ``input``
        and ``-floor(input / other)`` for ``other``.
    """
    a, b = operands(input, other, "remainder")
    check_int_divisor(a, b, "remainder")
    return _binary(M.Remainder, a, b, "remainder")


@method(inplace="fmod_")
def fmod(input, other):
    """C's ``fmod``: ``input - other * trunc(input / other)``, with the sign of ``input``.

    Args:
        input: a Tensor.
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.
    """
    check_tensor("fmod", "input", input)
    a, b = operands(input, other, "fmod")
    check_int_divisor(a, b, "fmod")
    return _binary(M.Fmod, a, b, "fmod")


@method(inplace="floor_divide_")
def floor_divide(input, other):
    """``input // other``: the quotient rounded down (Python's rule; integers stay integers).

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.  Not differentiable (torch defines
        no derivative: backward through it raises).
    """
    a, b = operands(input, other, "floor_divide")
    check_int_divisor(a, b, "floor_divide")
    return _binary(M.FloorDivide, a, b, "floor_divide")


@method(inplace="lerp_")
def lerp(input, end, weight):
    """Linear interpolation ``input + weight * (end - input)``.

    Args:
        input: a floating-point Tensor (the start).
        end: a Tensor of ``input``'s dtype, broadcast against it.
        weight: a number, or a Tensor of ``input``'s dtype.

    Returns:
        Tensor: of the broadcast shape; differentiable in all three.
    """
    check_tensor("lerp", "input", input)
    check_tensor("lerp", "end", end)
    if not D.is_float(input._data.dtype):
        raise DtypeError(f"lerp(): only floating point tensors are supported, got "
                         f"{input.dtype}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, TensorBase) and t._data.dtype != input._data.dtype:
            raise DtypeError(f"lerp(): expected dtype {input.dtype} for `{name}` but got dtype "
                             f"{t.dtype}")
    if not isinstance(weight, TensorBase) and not is_real(weight):
        raise TypeError(f"lerp(): weight must be a number or a Tensor, not "
                        f"{type(weight).__name__}")
    return add(input, mul(weight, sub(end, input)))


def _value(value, op):
    if not isinstance(value, numbers.Number) or isinstance(value, complex):
        raise TypeError(f"{op}(): argument 'value' must be a number, not {type(value).__name__}")
    return value


@method(inplace="addcmul_")
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``, elementwise.

    Args:
        input: a Tensor.
        tensor1: a Tensor, broadcast against the others.
        tensor2: a Tensor, broadcast against the others.
        value: a number multiplying the product.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.
    """
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        check_tensor("addcmul", name, t)
    prod = mul(tensor1, tensor2)
    return add(input, prod if _value(value, "addcmul") == 1 else mul(prod, value))


@method(inplace="addcdiv_")
def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``, elementwise (the Adam-style update).

    Args:
        input: a Tensor.
        tensor1: a Tensor, broadcast against the others.
        tensor2: a Tensor, broadcast against the others.
        value: a number multiplying the quotient.

    Returns:
        Tensor: of the broadcast shape and promoted dtype.
    """
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        check_tensor("addcdiv", name, t)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError("addcdiv: Integer division with addcdiv is no longer supported; "
                           "divide with torch.div (rounding_mode) instead")
    quot = div(tensor1, tensor2)
    return add(input, quot if _value(value, "addcdiv") == 1 else mul(quot, value))


@method(inplace="nan_to_num_")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by numbers.

    Args:
        input: a Tensor.
        nan: the value for NaN.
        posinf: the value for +inf (default: the dtype's largest finite value).
        neginf: the value for -inf (default: the dtype's smallest finite value).

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient passes where ``input`` was finite.
    """
    check_tensor("nan_to_num", "input", input)
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and not is_real(v):
            raise TypeError(f"nan_to_num(): argument '{name}' must be a number, not "
                            f"{type(v).__name__}")
    if not D.is_float(input._data.dtype):
        return input.clone()
    return M.NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


# torch's alias names of the arithmetic, as functions and methods
@method(inplace="divide_")
def divide(input, other, *, rounding_mode=None):
    """Alias of ``div``.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number.
        rounding_mode: None, ``'trunc'`` or ``'floor'``.

    Returns:
        Tensor: the quotient.
    """
    return div(input, other, rounding_mode=rounding_mode)


@method(inplace="true_divide_")
def true_divide(input, other):
    """Alias of ``div`` without rounding.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number.

    Returns:
        Tensor: the quotient.
    """
    return div(input, other)


@method(inplace="multiply_")
def multiply(input, other):
    """Alias of ``mul``.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number.

    Returns:
        Tensor: the product.
    """
    return mul(input, other)


@method(inplace="subtract_")
def subtract(input, other, *, alpha=1):
    """Alias of ``sub``.

    Args:
        input: a Tensor or a number.
        other: a Tensor or a number.
        alpha: a multiplier of ``other``.

    Returns:
        Tensor: the difference.
    """
    return sub(input, other, alpha=alpha)


@method(inplace="negative_")
def negative(input):
    """Alias of ``neg``.

    Args:
        input: a Tensor.

    Returns:
        Tensor: ``-input``.
    """
    return neg(input)


@method(inplace="absolute_")
def absolute(input):
    """Alias of ``abs``.

    Args:
        input: a Tensor.

    Returns:
        Tensor: ``|input|``.
    """
    return abs(input)

