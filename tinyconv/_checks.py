"""Argument checks of the public functions, and the exception types they raise.

Every public function validates its arguments here before anything runs, naming the function,
the argument and the value or shapes.  Where torch raises RuntimeError for what Python code
would call a ValueError (or a TypeError), ``ArgumentError`` and ``DtypeError`` are both.
"""
import numbers

import numpy as np

from ._engine import TensorBase

__all__ = ["FLOATS", "ArgumentError", "DtypeError", "LinAlgError", "is_int", "is_real",
           "check_tensor", "check_float", "int_tuple", "normalize_dims", "check_keepdim",
           "check_dim", "index_array", "check_bounds"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class ArgumentError(ValueError, RuntimeError):
    """A bad argument value (a ValueError, and a RuntimeError as torch raises)."""


class DtypeError(TypeError, RuntimeError):
    """A bad dtype (a TypeError, and a RuntimeError as torch raises)."""


class LinAlgError(RuntimeError):
    """A matrix a linear-algebra function cannot handle: singular, not positive-definite, or
    a decomposition that did not converge (torch's ``torch.linalg.LinAlgError``)."""


def is_int(v):
    """An integer that is not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def is_real(v):
    """A real number that is not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def check_tensor(op, name, value, optional=False):
    """TypeError unless ``value`` is a Tensor (or None when ``optional``)."""
    if value is None and optional:
        return
    if not isinstance(value, TensorBase):
        what = "a Tensor or None" if optional else "a Tensor"
        raise TypeError(f"{op}: {name} must be {what}, not {type(value).__name__}")


def check_float(op, value, name="input", exact=True, error=TypeError):
    """A Tensor of a floating dtype: float32/float64 when ``exact``, any float otherwise."""
    check_tensor(op, name, value)
    dt = value._data.dtype
    if (dt not in FLOATS) if exact else (dt.kind != "f"):
        kind = "a float32 or float64" if exact else "a floating point"
        raise error(f"{op}: expected {kind} {name}, got dtype {dt}")


def int_tuple(op, name, value, n=2, *, allow_one=True, error=TypeError, length_error=None):
    """An int, or a sequence of ``n`` ints (or one, when ``allow_one``), as an n-tuple.

    Args:
        op, name: for the message.
        value: what the caller passed.
        n: the length wanted.
        allow_one: a sequence of one int is repeated, as torch's parsers do.
        error: raised when ``value`` is neither an int nor a sequence of ints.
        length_error: raised for a sequence of ints of a wrong length (default ``error``).
    """
    if type(value) is int:  # the common spellings first: per-call overhead matters
        return (value,) * n
    if type(value) is tuple and len(value) == n and all(type(v) is int for v in value):
        return value
    if is_int(value):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and all(is_int(v) for v in value):
        if len(value) == n:
            return tuple(int(v) for v in value)
        if len(value) == 1 and allow_one:
            return (int(value[0]),) * n
        raise (length_error or error)(
            f"{op}: {name} must either be a single int, or a tuple of {n} ints, but got "
            f"{name}={tuple(value)}")
    raise error(f"{op}: {name} must be an int or a tuple of {n} ints, but got {name}={value!r}")


def int_list(value, op, name):
    """An int or a sequence of ints (dims, shifts) as a list of ints; TypeError naming ``name``
    otherwise."""
    if is_int(value):
        return [int(value)]
    if isinstance(value, (list, tuple)) and all(is_int(v) for v in value):
        return [int(v) for v in value]
    raise TypeError(f"{op}(): {name} must be an int or a tuple of ints, got {value!r}")


def normalize_dims(dim, ndim, op):
    """Turn ``dim`` (None, int or sequence) into a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
        lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
        if not lo <= d <= hi:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{lo}, {hi}], "
                f"but got {d})")
        out.append(int(d) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dim!r} appears multiple times in the list of dims")
    return tuple(sorted(out))


def check_bool(op, name, value):
    """torch takes only a bool for a flag argument (1 or 'yes' are TypeErrors); the bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")
    return bool(value)


def check_keepdim(keepdim, op):
    """torch takes only a bool for ``keepdim`` (1 or 'yes' are TypeErrors)."""
    return check_bool(op, "keepdim", keepdim)


def check_dim(dim, ndim, op, name="dim"):
    """One dimension (an int in ``[-ndim, ndim)``; a 0-d tensor takes -1 and 0) as a
    non-negative axis."""
    if not is_int(dim):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(dim).__name__}")
    return normalize_dims(int(dim), ndim, op)[0]


def index_array(op, index, name="index"):
    """The int64 ndarray of an integer index Tensor (torch takes no floats or bools here).

    A copy: an op keeps it for backward, and a later in-place write into ``index`` must not
    change the gradient.
    """
    check_tensor(op, name, index)
    arr = index._data
    if arr.dtype.kind not in "iu":
        raise DtypeError(f"{op}(): Expected dtype int32 or int64 for {name}, got {arr.dtype}")
    return arr.astype(np.int64, copy=True)


def check_bounds(op, idx, size, dim, negative=False, error=RuntimeError):
    """``idx`` checked to lie in ``[0, size)`` (``[-size, size)`` when ``negative``, then
    wrapped); torch's message names the bad index and the dimension."""
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        low = -size if negative else 0
        if lo < low or hi >= size:
            bad = lo if lo < low else hi
            raise error(f"{op}(): index {bad} is out of bounds for dimension {dim} with size "
                        f"{size}")
        if negative and lo < 0:
            idx = np.where(idx < 0, idx + size, idx)
    return idx
