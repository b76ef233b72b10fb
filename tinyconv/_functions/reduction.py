"""Reductions with torch's signatures: sum, mean, prod, max/min (values and indices),
amax/amin/aminmax, var, std, var_mean/std_mean, cumsum/cumprod, logsumexp, count_nonzero,
nansum/nanmean."""
import numpy as np

from .. import _dtypes as D
from .._checks import check_keepdim, check_tensor, normalize_dims
from .._engine import TensorBase
from ..ops import elementwise as E
from ..ops import math as M
from ..ops import reduce as R
from ..ops import scan as S
from ..ops.shape import Reshape
from ._methods import method
from ._results import MinMax, ValuesIndices
from .arith import cast, maximum, minimum

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "var",
           "std", "var_mean", "std_mean", "prod", "cumsum", "cumprod", "logsumexp",
           "count_nonzero", "nansum", "nanmean"]


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
        tinyconv.Size([2, 1])
    """
    check_tensor("sum", "input", input)
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
        tensor([1.5000, 3.5000])
    """
    check_tensor("mean", "input", input)
    x = input if dtype is None else cast(input, dtype)
    if not D.is_float(x._data.dtype):
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {x.dtype}")
    return R.Mean.apply(x, axes=normalize_dims(dim, x.ndim, "mean"),
                        keepdim=check_keepdim(keepdim, "mean"))


def _max_min(x, dim, keepdim, mode):
    check_tensor(mode, "input", x)
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


def _extremum(x, dim, keepdim, mode):
    op = "a" + mode
    check_tensor(op, "input", x)
    keepdim = check_keepdim(keepdim, op)
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    axes = normalize_dims(dim, x.ndim, op)
    _check_nonempty(x, dim, axes, op)
    return R.Extremum.apply(x, axes=axes, keepdim=keepdim, mode=mode)


def _check_nonempty(x, dim, axes, op):
    if x._data.size == 0:
        if dim is None:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0.")
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")


@method
def amax(input, dim=None, keepdim=False):
    """Maximum values over one or several dimensions (no indices).

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1 (so the result broadcasts against
            ``input``).

    Returns:
        Tensor: the maxima; equal maximal elements share the gradient evenly (torch's).
    """
    return _extremum(input, dim, keepdim, "max")


@method
def amin(input, dim=None, keepdim=False):
    """Minimum values over one or several dimensions (no indices).

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1.

    Returns:
        Tensor: the minima; equal minimal elements share the gradient evenly (torch's).
    """
    return _extremum(input, dim, keepdim, "min")


@method
def aminmax(input, *, dim=None, keepdim=False):
    """The minimum and the maximum, over all elements or along ``dim``.

    Args:
        input: a Tensor.
        dim: None (all elements) or an int.
        keepdim: keep the reduced dimension with size 1.

    Returns:
        MinMax: ``(min, max)`` (``.min``, ``.max``), each as ``amin``/``amax``.
    """
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    return MinMax(_extremum(input, dim, keepdim, "min"), _extremum(input, dim, keepdim, "max"))


def _arg(x, dim, keepdim, fn, name):
    check_tensor(name, "input", x)
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
    check_tensor(op, "input", x)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise RuntimeError(f"{op}: pass either unbiased or correction, not both")
    if isinstance(dim, bool):  # torch's old var(unbiased) positional form
        correction, dim = (1 if dim else 0), None
    if not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): correction must be a number, not {type(correction).__name__}")
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


@method
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The variance and the mean, in one call.

    Args:
        input: a floating-point Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        unbiased: False divides by ``n`` (old form of ``correction``).
        keepdim: keep the reduced dimensions with size 1.
        correction: subtract this from ``n`` in the divisor (default 1).

    Returns:
        tuple: ``(var, mean)``.
    """
    v = _var(input, dim, unbiased, keepdim, correction, False)
    return v, mean(input, None if isinstance(dim, bool) else dim, keepdim)


@method
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation and the mean, in one call.

    Args:
        input: a floating-point Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        unbiased: False divides by ``n`` (old form of ``correction``).
        keepdim: keep the reduced dimensions with size 1.
        correction: subtract this from ``n`` in the divisor (default 1).

    Returns:
        tuple: ``(std, mean)``.
    """
    s = _var(input, dim, unbiased, keepdim, correction, True)
    return s, mean(input, None if isinstance(dim, bool) else dim, keepdim)


def _int_to_long(x, dtype):
    """torch's accumulation dtype: integers and bools become int64 unless ``dtype`` says."""
    if dtype is not None:
        return cast(x, dtype)
    return cast(x, D.int64) if x._data.dtype.kind in "biu" else x


@method
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of the elements, of all of them or along ``dim``.

    Args:
        input: a Tensor.
        dim: None (all elements) or an int.
        keepdim: keep the reduced dimension with size 1.
        dtype: convert ``input`` to this dtype first (integers otherwise multiply as int64).

    Returns:
        Tensor: the products; the gradient is torch's, exact where elements are zero (the
        product of the others).
    """
    check_tensor("prod", "input", input)
    keepdim = check_keepdim(keepdim, "prod")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    x = _int_to_long(input, dtype)
    return R.Prod.apply(x, axes=normalize_dims(dim, x.ndim, "prod"), keepdim=keepdim)


def _scan(op, fn, input, dim, dtype):
    check_tensor(op, "input", input)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    x = _int_to_long(input, dtype)
    d = normalize_dims(dim, x.ndim, op)[0]
    if x.ndim == 0:  # one element: scanned as shape (1,)
        return Reshape.apply(fn.apply(Reshape.apply(x, shape=(1,)), dim=0), shape=())
    return fn.apply(x, dim=d)


@method(inplace="cumsum_")
def cumsum(input, dim, *, dtype=None):
    """Cumulative sums along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to scan.
        dtype: convert ``input`` to this dtype first (integers otherwise sum as int64).

    Returns:
        Tensor: of ``input``'s shape.

    Examples:
        >>> import tinyconv as tc
        >>> tc.cumsum(tc.tensor([1, 2, 3]), 0)
        tensor([1, 3, 6])
    """
    return _scan("cumsum", S.Cumsum, input, dim, dtype)


@method(inplace="cumprod_")
def cumprod(input, dim, *, dtype=None):
    """Cumulative products along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to scan.
        dtype: convert ``input`` to this dtype first (integers otherwise multiply as int64).

    Returns:
        Tensor: of ``input``'s shape; the gradient is exact where elements are zero.
    """
    return _scan("cumprod", S.Cumprod, input, dim, dtype)


@method
def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input)))`` along ``dim``, computed without overflow.

    Args:
        input: a Tensor (integers are converted to the default float dtype).
        dim: an int or a tuple of ints to reduce.
        keepdim: keep the reduced dimensions with size 1.

    Returns:
        Tensor: the reduced values; the gradient is ``softmax(input)`` along ``dim``.
    """
    check_tensor("logsumexp", "input", input)
    keepdim = check_keepdim(keepdim, "logsumexp")
    x = input if D.is_float(input._data.dtype) else cast(input, D.get_default_dtype())
    axes = normalize_dims(dim, x.ndim, "logsumexp") if dim != () else ()
    return R.LogSumExp.apply(x, axes=axes, keepdim=keepdim)


@method
def count_nonzero(input, dim=None):
    """The number of nonzero elements, over all of them or along ``dim``.

    Args:
        input: a Tensor.
        dim: None, an int or a tuple of ints.

    Returns:
        Tensor: int64 counts (no gradient).
    """
    check_tensor("count_nonzero", "input", input)
    axes = normalize_dims(dim, input.ndim, "count_nonzero")
    out = np.count_nonzero(input._data, axis=axes) if axes else (input._data != 0)
    return input._make(np.asarray(out, dtype=np.int64), False, None)


def _without_nan(input, op):
    check_tensor(op, "input", input)
    x = input._data
    if x.dtype.kind != "f":
        return input, None
    nan = np.isnan(x)
    if not nan.any():
        return input, nan
    return M.NanToZero.apply(input), nan


@method
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of the elements with NaNs counted as zero.

    Args:
        input: a Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1.
        dtype: convert ``input`` to this dtype first.

    Returns:
        Tensor: as ``sum``; NaN elements get no gradient.
    """
    x, _ = _without_nan(input, "nansum")
    return sum(x, dim, keepdim, dtype=dtype)


@method
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements.

    Args:
        input: a floating-point Tensor.
        dim: an int or a tuple of ints to reduce; None reduces every dimension.
        keepdim: keep the reduced dimensions with size 1.
        dtype: convert ``input`` to this dtype first.

    Returns:
        Tensor: as ``mean`` (NaN where a slice has no number).
    """
    check_tensor("nanmean", "input", input)
    x = input if dtype is None else cast(input, dtype)
    if not D.is_float(x._data.dtype):
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{x.dtype}")
    total = nansum(x, dim, keepdim)
    axes = normalize_dims(dim, x.ndim, "nanmean")
    count = np.sum(~np.isnan(x._data), axis=axes, keepdims=keepdim)
    return E.Div.apply(total, x._make(np.asarray(count, dtype=x._data.dtype), False, None))
