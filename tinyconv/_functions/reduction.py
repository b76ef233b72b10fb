"""Reductions with torch's signatures: sum, mean, max/min (values and indices), var, std."""
import numpy as np

from .. import _dtypes as D
from .._checks import check_keepdim, normalize_dims
from .._engine import TensorBase
from ..ops import reduce as R
from ._methods import method
from ._results import ValuesIndices
from .arith import cast, maximum, minimum

__all__ = ["sum", "mean", "max", "min", "amax", "argmax", "argmin", "var", "std"]


@method
def sum(input, dim=None, keepdim=False, dtype=None):
    """Sum of the elements, over all of them or along ``dim``.

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).
        dtype: convert ``input`` to this dtype first (integers and bools otherwise sum as
            int64, as torch).

    Returns:
        Tensor: 0-d without ``dim``; otherwise ``input``'s shape without (or with size 1 at)
        the reduced dimensions.

    Examples:
        >>> import tinyconv as tc
        >>> x = tc.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> tc.sum(x)
        tensor(10.)
        >>> x.sum(dim=0)
        tensor([4., 6.])
        >>> x.sum(1, keepdim=True).shape
        (2, 1)
    """
    x = input if dtype is None else cast(input, dtype)
    if x._data.dtype.kind in "biu" and dtype is None:
        x = cast(x, D.int64)
    return R.Sum.apply(x, axes=normalize_dims(dim, x.ndim, "sum"),
                       keepdim=check_keepdim(keepdim, "sum"))


@method
def mean(input, dim=None, keepdim=False, dtype=None):
    """Mean of the elements, over all of them or along ``dim``.

    Args:
        input: a floating-point Tensor (integers raise, as in torch; pass ``dtype``).
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).
        dtype: convert ``input`` to this dtype first.

    Returns:
        Tensor: as for ``sum``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.mean(tc.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        tensor([1.5, 3.5])
    """
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
    return ValuesIndices(values, indices)


@method
def max(input, dim=None, keepdim=False):
    """Maximum of all elements; or ``(values, indices)`` along ``dim``.

    With a Tensor as second argument it is the elementwise ``maximum``, as in torch. Along a
    dimension the gradient goes to the element at the returned index.

    Args:
        input: a Tensor.
        dim: None (the maximum of all elements), an int, or a Tensor (elementwise maximum).
        keepdim: keep the reduced dimension with size 1.

    Returns:
        Tensor, or a named pair ``(values, indices)`` (``.values``, ``.indices``) along ``dim``.

    Examples:
        >>> import tinyconv as tc
        >>> x = tc.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> tc.max(x)
        tensor(7.)
        >>> values, indices = x.max(dim=1)
        >>> indices
        tensor([1, 0])
    """
    return _max_min(input, dim, keepdim, "max")


@method
def min(input, dim=None, keepdim=False):
    """Minimum of all elements; or ``(values, indices)`` along ``dim``.

    With a Tensor as second argument it is the elementwise ``minimum``, as in torch.

    Args:
        input: a Tensor.
        dim: None (the minimum of all elements), an int, or a Tensor (elementwise minimum).
        keepdim: keep the reduced dimension with size 1.

    Returns:
        Tensor, or a named pair ``(values, indices)`` along ``dim``.
    """
    return _max_min(input, dim, keepdim, "min")


@method
def amax(input, dim=None, keepdim=False):
    """Maximum values over one or several dimensions (no indices).

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).

    Returns:
        Tensor: the maxima; the gradient goes to one maximal element per reduced slice.
    """
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


@method
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (over the flattened tensor, or along ``dim``).

    Args:
        input: a Tensor.
        dim: None (index into the flattened tensor) or an int.
        keepdim: keep the reduced dimension with size 1.

    Returns:
        Tensor: int64 indices, not differentiable.

    Examples:
        >>> import tinyconv as tc
        >>> logits = tc.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
        >>> logits.argmax(dim=1)
        tensor([1, 0])
    """
    return _arg(input, dim, keepdim, np.argmax, "argmax")


@method
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (over the flattened tensor, or along ``dim``).

    Args:
        input: a Tensor.
        dim: None (index into the flattened tensor) or an int.
        keepdim: keep the reduced dimension with size 1.

    Returns:
        Tensor: int64 indices, not differentiable.
    """
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


@method
def var(input, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance, unbiased by default (divides by ``n - 1``, as torch).

    Args:
        input: a floating-point Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).
        unbiased: False divides by ``n`` (old form of ``correction``).
        correction: subtract this from ``n`` in the divisor (default 1).

    Returns:
        Tensor: as for ``sum``.
    """
    return _var(input, dim, unbiased, keepdim, correction, False)


@method
def std(input, dim=None, unbiased=None, keepdim=False, correction=None):
    """Standard deviation, unbiased by default (divides by ``n - 1``, as torch).

    Args:
        input: a floating-point Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).
        unbiased: False divides by ``n`` (old form of ``correction``).
        correction: subtract this from ``n`` in the divisor (default 1).

    Returns:
        Tensor: as for ``sum``.
    """
    return _var(input, dim, unbiased, keepdim, correction, True)
