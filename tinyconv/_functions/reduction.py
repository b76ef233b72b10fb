"""Reductions with torch's signatures: sum, mean, max/min (values and indices), var, std."""
import numpy as np

from .. import _dtypes as D
from .._checks import check_keepdim, normalize_dims
from .._engine import TensorBase
from ..ops import reduce as R
from .arith import cast, maximum, minimum

__all__ = ["sum", "mean", "max", "min", "amax", "argmax", "argmin", "var", "std"]


class _MaxResult(tuple):
    """(values, indices) with torch's attribute names."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def sum(input, dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else cast(input, dtype)
    if x._data.dtype.kind in "biu" and dtype is None:
        x = cast(x, D.int64)
    return R.Sum.apply(x, axes=normalize_dims(dim, x.ndim, "sum"),
                       keepdim=check_keepdim(keepdim, "sum"))


def mean(input, dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else cast(input, dtype)
    if not D.is_float(x._data.dtype):
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {x.dtype}")
    return R.Mean.apply(x, axes=normalize_dims(dim, x.ndim, "mean"),
                        keepdim=check_keepdim(keepdim, "mean"))


def _max_min(x, dim, keepdim, mode):
    keepdim = check_keepdim(keepdim, mode)
    if isinstance(dim, TensorBase):  # a Tensor: the elementwise max/min
        return maximum(x, dim) if mode == "max" else minimum(x, dim)
    if dim is None:
        return R.MaxAll.apply(x, mode=mode)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{mode}(): dim must be an int, got {type(dim).__name__} {dim!r} "
                        f"(use amax for several dims)")
    d = normalize_dims(dim, x.ndim, mode)[0] if x.ndim else 0
    values, indices = R.MaxDim.apply(x, dim=d, keepdim=keepdim, mode=mode)
    return _MaxResult(values, indices)


def max(input, dim=None, keepdim=False):
    """Max of all elements, or ``(values, indices)`` along ``dim``; a Tensor ``dim`` gives
    the elementwise maximum."""
    return _max_min(input, dim, keepdim, "max")


def min(input, dim=None, keepdim=False):
    """Min of all elements, or ``(values, indices)`` along ``dim``; a Tensor ``dim`` gives
    the elementwise minimum."""
    return _max_min(input, dim, keepdim, "min")


def amax(input, dim=None, keepdim=False):
    keepdim = check_keepdim(keepdim, "amax")
    if dim is None:
        return R.MaxAll.apply(input, mode="max")
    if isinstance(dim, (tuple, list)):
        # several dims: reduce them one at a time, highest first, so the indices stay valid
        dims = normalize_dims(dim, input.ndim, "amax") if input.ndim else (0,)
        out = input
        for d in sorted(dims, reverse=True):
            out = R.MaxDim.apply(out, dim=d, keepdim=keepdim, mode="max")[0]
        return out
    d = normalize_dims(dim, input.ndim, "amax")[0] if input.ndim else 0
    return R.MaxDim.apply(input, dim=d, keepdim=keepdim, mode="max")[0]


def _arg(x, dim, keepdim, fn, name):
    keepdim = check_keepdim(keepdim, name)
    if dim is None:
        return x._make(np.asarray(fn(x._data), dtype=np.int64), False, None)
    d = normalize_dims(dim, x.ndim, name)[0] if x.ndim else None
    out = fn(x._data, axis=d)
    if keepdim and d is not None:
        out = np.expand_dims(out, d)
    return x._make(out.astype(np.int64, copy=False), False, None)


def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, np.argmin, "argmin")


def _var(x, dim, unbiased, keepdim, correction, sqrt_):
    op = "std" if sqrt_ else "var"
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise RuntimeError(f"{op}: pass either unbiased or correction, not both")
    if isinstance(dim, bool):  # torch's old var(unbiased) positional form
        correction, dim = (1 if dim else 0), None
    if not D.is_float(x._data.dtype):
        raise RuntimeError(f"{op}: input dtype must be floating point, got {x.dtype}")
    axes = normalize_dims(dim, x.ndim, op)
    return R.Var.apply(x, axes=axes, correction=correction, keepdim=check_keepdim(keepdim, op),
                       sqrt=sqrt_)


def var(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var(input, dim, unbiased, keepdim, correction, False)


def std(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var(input, dim, unbiased, keepdim, correction, True)
