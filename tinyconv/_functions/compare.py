"""Comparisons and predicates with torch's signatures: eq/ne/gt/ge/lt/le (and torch's long
names), isclose/allclose/equal, isnan/isinf/isfinite/isposinf/isneginf, all/any, nonzero,
argwhere, where (three arguments: a selection with gradients; one: nonzero's tuple), isin.

Comparisons have no gradient and return bool tensors; operands are compared in their promoted
dtype (torch's rules), broadcasting as NumPy does.
"""
import numbers

import numpy as np

from .._checks import DtypeError, check_bool, check_keepdim, check_tensor, normalize_dims
from .._engine import TensorBase
from ..ops import elementwise as E
from ._methods import method
from .arith import operands

__all__ = ["eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf", "isreal", "all", "any", "nonzero", "argwhere", "where", "isin", "compare"]


def compare(ufunc, a, b, op=None):
    """``ufunc(a, b)`` as a bool Tensor (comparisons have no gradient)."""
    op = op or ufunc.__name__
    ref = a if isinstance(a, TensorBase) else b
    if not isinstance(ref, TensorBase):
        raise TypeError(f"{op}(): expected a Tensor argument, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    for v in (a, b):
        if not isinstance(v, (TensorBase, numbers.Number, np.ndarray)):
            raise TypeError(f"{op}(): argument 'other' must be a Tensor or a number, not "
                            f"{type(v).__name__}")
    x = a._data if isinstance(a, TensorBase) else np.asarray(a)
    y = b._data if isinstance(b, TensorBase) else np.asarray(b)
    try:
        out = ufunc(x, y)
    except ValueError:
        raise RuntimeError(f"{op}: The size of tensor a {x.shape} must match the size of tensor "
                           f"b {y.shape} (shapes do not broadcast)") from None
    return ref._make(np.asarray(out), False, None)


def _comparison(ufunc, name, doc):
    def fn(input, other):
        return compare(ufunc, input, other, name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{doc}, elementwise (torch's ``{name}``; no gradient).

    Args:
        input: a Tensor.
        other: a Tensor or a number, broadcast against ``input``.

    Returns:
        Tensor: bool, of the broadcast shape.
    """
    return method(inplace=f"{name}_")(fn)


eq = _comparison(np.equal, "eq", "``input == other``")
ne = _comparison(np.not_equal, "ne", "``input != other``")
gt = _comparison(np.greater, "gt", "``input > other``")
ge = _comparison(np.greater_equal, "ge", "``input >= other``")
lt = _comparison(np.less, "lt", "``input < other``")
le = _comparison(np.less_equal, "le", "``input <= other``")
greater = _comparison(np.greater, "greater", "``input > other`` (alias of ``gt``)")
greater_equal = _comparison(np.greater_equal, "greater_equal",
                            "``input >= other`` (alias of ``ge``)")
less = _comparison(np.less, "less", "``input < other`` (alias of ``lt``)")
less_equal = _comparison(np.less_equal, "less_equal", "``input <= other`` (alias of ``le``)")
not_equal = _comparison(np.not_equal, "not_equal", "``input != other`` (alias of ``ne``)")


def _same_dtype(op, input, other):
    check_tensor(op, "input", input)
    check_tensor(op, "other", other)
    if input._data.dtype != other._data.dtype:
        raise DtypeError(f"{op}(): {input.dtype} did not match {other.dtype} (input and other "
                         f"must have the same dtype)")


@method
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|input - other| <= atol + rtol * |other|``, elementwise (equal infinities
    are close; NaNs are close to each other only with ``equal_nan``).

    Args:
        input: a Tensor.
        other: a Tensor of the same dtype, broadcast against ``input``.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count two NaNs as close.

    Returns:
        Tensor: bool, of the broadcast shape.
    """
    _same_dtype("isclose", input, other)
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, "
                           f"atol={atol}")
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            out = np.isclose(input._data, other._data, rtol=rtol, atol=atol,
                             equal_nan=equal_nan)
    except ValueError:
        raise RuntimeError(f"isclose: shapes {tuple(input.shape)} and {tuple(other.shape)} do "
                           f"not broadcast") from None
    return input._make(np.asarray(out), False, None)


@method
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element pair is close (``isclose``).

    Args:
        input: a Tensor.
        other: a Tensor of the same dtype, broadcast against ``input``.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count two NaNs as close.

    Returns:
        bool: a Python bool, as torch's.
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@method
def equal(input, other):
    """Whether the two tensors have the same shape and the same elements.

    Args:
        input: a Tensor.
        other: a Tensor (compared in the promoted dtype; NaN equals nothing).

    Returns:
        bool: a Python bool, as torch's.
    """
    check_tensor("equal", "input", input)
    check_tensor("equal", "other", other)
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def _predicate(fn, name, doc):
    def pred(input):
        check_tensor(name, "input", input)
        return input._make(np.asarray(fn(input._data)), False, None)

    pred.__name__ = pred.__qualname__ = name
    pred.__doc__ = f"""{doc}, elementwise.

    Args:
        input: a Tensor (integer and bool tensors are finite).

    Returns:
        Tensor: bool, of ``input``'s shape.
    """
    return method(pred)


isnan = _predicate(np.isnan, "isnan", "Whether each element is NaN")
isinf = _predicate(np.isinf, "isinf", "Whether each element is +inf or -inf")
isfinite = _predicate(np.isfinite, "isfinite", "Whether each element is finite (not inf, not NaN)")
isposinf = _predicate(np.isposinf, "isposinf", "Whether each element is +inf")
isneginf = _predicate(np.isneginf, "isneginf", "Whether each element is -inf")
isreal = _predicate(np.isreal, "isreal", "Whether each element is real (always, here)")


def _all_any(input, dim, keepdim, op):
    check_tensor(op, "input", input)
    keepdim = check_keepdim(keepdim, op)
    axes = normalize_dims(dim, input.ndim, op)
    x = input._data
    out = (np.all if op == "all" else np.any)(x, axis=axes, keepdims=keepdim)
    dtype = np.uint8 if x.dtype == np.uint8 else np.bool_
    return input._make(np.asarray(out, dtype=dtype), False, None)


@method
def all(input, dim=None, keepdim=False):
    """Whether every element (along ``dim``) is nonzero.

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1.

    Returns:
        Tensor: bool (uint8 for a uint8 input, as torch).
    """
    return _all_any(input, dim, keepdim, "all")


@method
def any(input, dim=None, keepdim=False):
    """Whether any element (along ``dim``) is nonzero.

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1.

    Returns:
        Tensor: bool (uint8 for a uint8 input, as torch).
    """
    return _all_any(input, dim, keepdim, "any")


@method
def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements.

    Args:
        input: a Tensor.
        as_tuple: return one 1-D index tensor per dimension (usable as ``x[idx]``) instead of
            one (n, ndim) tensor.

    Returns:
        Tensor of shape (n, input.ndim), int64; or a tuple of 1-D int64 Tensors.

    Examples:
        >>> import tinyconv as tc
        >>> tc.nonzero(tc.tensor([[0, 3], [5, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    check_tensor("nonzero", "input", input)
    x = input._data
    if as_tuple:
        idx = np.nonzero(x.reshape(1) if x.ndim == 0 else x)
        return tuple(input._make(i.astype(np.int64), False, None) for i in idx)
    return input._make(np.argwhere(x).astype(np.int64), False, None)


@method
def argwhere(input):
    """The indices of the nonzero elements, one row per element (``nonzero``).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of shape (n, input.ndim), int64.
    """
    return nonzero(input)


def where(condition, input=None, other=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other``; with only
    ``condition``, its nonzero indices (``nonzero(condition, as_tuple=True)``).

    Args:
        condition: a bool Tensor (or array), broadcast against the other two.
        input: the values taken where ``condition`` is True (a Tensor or a number).
        other: the values taken elsewhere.

    Returns:
        Tensor: the broadcast shape; gradients flow to ``input`` and ``other`` where each was
        taken.  With one argument, a tuple of int64 index tensors.
    """
    if input is None and other is None:
        if not isinstance(condition, TensorBase):
            raise TypeError(f"where(): condition must be a Tensor, not "
                            f"{type(condition).__name__}")
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): pass input and other, or neither")
    cond = condition._data if isinstance(condition, TensorBase) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = operands(input, other, "where")
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise RuntimeError(
            f"where: shapes condition {cond.shape}, input {tuple(a.shape)} and other "
            f"{tuple(b.shape)} do not broadcast") from None
    # a Tensor condition goes in as a Tensor: the op keeps it version-checked for backward
    return E.Where.apply(a, b, cond=condition if isinstance(condition, TensorBase) else cond)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` occurs in ``test_elements``.

    Args:
        elements: a Tensor, or a number (with a Tensor ``test_elements``).
        test_elements: a Tensor of any shape, or a number (with a Tensor ``elements``).
        assume_unique: accepted for torch's signature (the result does not depend on it).
        invert: True gives ``not in`` instead.

    Returns:
        Tensor: bool, of ``elements``' shape (0-d for a number); no gradient.  The values are
        compared in the promoted dtype of the two (torch's rules); NaN is in nothing.
    """
    if not isinstance(elements, TensorBase) and not isinstance(test_elements, TensorBase):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}): "
                        "one of elements and test_elements must be a Tensor")
    for name, v in (("elements", elements), ("test_elements", test_elements)):
        if not isinstance(v, (TensorBase, numbers.Number)) or isinstance(v, complex):
            raise TypeError(f"isin(): argument '{name}' must be a Tensor or a number, not "
                            f"{type(v).__name__}")
    check_bool("isin", "assume_unique", assume_unique)
    check_bool("isin", "invert", invert)
    for v in (elements, test_elements):
        if isinstance(v, bool) or (isinstance(v, TensorBase) and v._data.dtype == np.bool_):
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    a, b = operands(elements, test_elements, "isin")
    ref = a if isinstance(elements, TensorBase) else b
    out = np.isin(a._data, b._data, invert=bool(invert))
    return ref._make(np.asarray(out, dtype=np.bool_), False, None)
