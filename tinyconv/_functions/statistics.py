"""Statistics with torch's signatures: quantile, nanquantile, nanmedian, cov, corrcoef.

quantile sorts along the reduced dimension and picks (or interpolates between) the sorted
values at torch's ranks ``q * (n - 1)``, computed in the input's dtype; the picks are
``gather``s of the sorted values and the interpolation a ``lerp``, so gradients (and second
derivatives) flow back through the sort to the positions used.  cov and corrcoef are written
with tensor operations (means, a matrix product), so they differentiate too.
"""
import warnings

import numpy as np

from .. import _dtypes as D
from .._checks import check_dim, check_keepdim, check_tensor, is_int, is_real
from .._docstrings import shared_docs
from .._engine import TensorBase
from ..ops import shape as S
from ..ops import sort as O
from ._methods import method
from .arith import clamp, div, matmul, mul, sqrt, sub
from .compare import where
from .indexing import gather
from .pointwise import lerp
from .reduction import sum
from .shape import unsqueeze
from .slicing import movedim
from .sorting import MEDIAN_DOCS, median_with, sort

__all__ = ["quantile", "nanquantile", "nanmedian", "cov", "corrcoef"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(op, q, dtype):
    """``q`` (a number or a 0-d/1-d Tensor of the input's dtype) as a 1-d array, and whether
    it was a scalar."""
    if isinstance(q, TensorBase):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q._data.dtype != dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        qa = q._data.reshape(-1)
        if not np.all((qa >= 0) & (qa <= 1)):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        return qa, q.ndim == 0
    if not is_real(q):
        raise TypeError(f"{op}(): argument 'q' must be a float or a Tensor, not "
                        f"{type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return np.asarray([q], dtype=dtype), True


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    check_tensor(op, "input", input)
    if input._data.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    dt = input._data.dtype
    if dt not in (np.float32, np.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    qa, scalar_q = _q_array(op, q, dt)
    if not isinstance(interpolation, str):
        raise TypeError(f"{op}(): argument 'interpolation' must be str, not "
                        f"{type(interpolation).__name__}")
    if interpolation not in _MODES:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint "
                           f"or nearest, but got {interpolation}")
    keepdim = check_keepdim(keepdim, op)
    if dim is None:
        rows = S.Reshape.apply(input, shape=(-1,))  # (n,)
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        d = check_dim(dim, input.ndim, op)
        rows = movedim(input, d, -1) if input.ndim else S.Reshape.apply(input, shape=(1,))
        shape = list(input.shape)
        if shape:
            shape[d] = 1
            if not keepdim:
                del shape[d]
        out_shape = tuple(shape)
    s = sort(rows, -1).values  # (..., n), NaNs last
    n = s.shape[-1]
    nan = np.isnan(s._data)
    # rank = q * scale, except where it is the constant ``fixed_rank`` (torch's masks)
    if ignore_nan:  # ranks among the non-NaN values; a row of NaNs picks its first NaN
        scale = (n - 1 - nan.sum(axis=-1, keepdims=True)).astype(dt)  # (..., 1)
        fixed, fixed_rank = qa * scale < 0, dt.type(0)
    else:  # a row with a NaN picks its last value, a NaN
        scale = np.full(s.shape[:-1] + (1,), n - 1, dtype=dt)
        fixed, fixed_rank = nan.any(axis=-1, keepdims=True), dt.type(n - 1)
    ranks = np.where(fixed, fixed_rank, qa * scale)  # (..., nq)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as torch's round
    below = ranks.astype(np.int64)
    y = gather(s, -1, input._make(below, False, None))  # (..., nq)
    if interpolation in ("linear", "midpoint"):
        above = gather(s, -1, input._make(np.ceil(ranks).astype(np.int64), False, None))
        if interpolation == "midpoint":
            w = input._make(np.full(ranks.shape, 0.5, dtype=dt), False, None)
        elif isinstance(q, TensorBase):  # the weight q * scale - below: q gets its gradient
            make = input._make
            rank = where(make(np.broadcast_to(fixed, ranks.shape), False, None),
                         make(np.asarray(fixed_rank), False, None),
                         mul(S.Reshape.apply(q, shape=(-1,)), make(scale, False, None)))
            w = sub(rank, make(below.astype(dt), False, None))
        else:
            w = input._make((ranks - below).astype(dt), False, None)
        y = lerp(y, above, w)
    y = movedim(y, -1, 0)  # (nq, ...)
    return S.Reshape.apply(y, shape=(() if scalar_q else (len(qa),)) + out_shape)


@method
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles of ``input``'s elements (of all, or along ``dim``).

    Args:
        input: a float32 or float64 Tensor, not empty.
        q: a number in ``[0, 1]``, or a 0-d or 1-d Tensor of such values in ``input``'s dtype.
        dim: None (all elements) or the dimension to reduce.
        keepdim: keep the reduced dimension(s) with size 1.
        interpolation: between the two sorted values around a quantile's rank
            ``q * (n - 1)``: ``'linear'`` (interpolate), ``'lower'``, ``'higher'``,
            ``'nearest'`` (the nearer rank; halves to the even one) or ``'midpoint'``.

    Returns:
        Tensor: one value per ``q`` (a leading dimension of ``len(q)`` for a 1-d ``q``) over
        the reduced shape; NaN where a reduced slice holds a NaN.  Differentiable in
        ``input``, and with ``'linear'`` in a Tensor ``q``.

    Examples:
        >>> import tinyconv as tc
        >>> x = tc.tensor([[0.0, 1.0, 2.0, 3.0], [4.0, 8.0, 6.0, 5.0]])
        >>> tc.quantile(x, 0.5, dim=1)
        tensor([1.5000, 5.5000])
        >>> x.quantile(tc.tensor([0.25, 1.0]), interpolation="lower")
        tensor([1., 8.])
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@method
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """:func:`quantile` ignoring NaN values: the quantiles of the other values (NaN where a
    reduced slice holds nothing else).

    Args:
        input: a float32 or float64 Tensor, not empty.
        q: a number in ``[0, 1]``, or a 0-d or 1-d Tensor of such values in ``input``'s dtype.
        dim: None (all elements) or the dimension to reduce.
        keepdim: keep the reduced dimension(s) with size 1.
        interpolation: ``'linear'``, ``'lower'``, ``'higher'``, ``'nearest'`` or
            ``'midpoint'`` (see :func:`quantile`).

    Returns:
        Tensor: as :func:`quantile`'s.  Differentiable.

    Examples:
        >>> import tinyconv as tc
        >>> tc.nanquantile(tc.tensor([1.0, float("nan"), 3.0, 2.0]), 0.5)
        tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


@method
@shared_docs(MEDIAN_DOCS)
def nanmedian(input, dim=None, keepdim=False):
    """The lower median ignoring NaN values: of all elements, or along ``dim`` with its
    position.

    {median}
        NaN only where there is nothing but NaN (then the index of the first NaN; torch's
        is another NaN's, chosen by its selection algorithm).

    Examples:
        >>> import tinyconv as tc
        >>> nan = float("nan")
        >>> tc.tensor([[2.0, nan, 1.0], [nan, 0.0, 5.0]]).nanmedian(1)
        ValuesIndices(values=tensor([1., 0.]), indices=tensor([2, 1]))
    """
    return median_with("nanmedian", O.NanMedianAll, O.NanMedianDim, input, dim, keepdim)


def _weights(name, w, n, integral):
    """Check a 1-d weight Tensor of ``n`` observations, as torch's cov."""
    if not isinstance(w, TensorBase):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    if w._data.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w._data.size} != {n}")
    kind = w._data.dtype.kind
    if integral and kind not in "iu":
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights "
                           f"with {D.type_name(w._data.dtype)} dtype")
    if not integral and kind != "f":
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                           f"aweights with {D.type_name(w._data.dtype)} dtype")
    if (w._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def _matrix(op, input):
    check_tensor(op, "input", input)
    if input.ndim > 2:
        raise RuntimeError(f"{op}(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError(f"{op}(): bool dtype is not supported for input")
    if input._data.dtype.kind != "f":  # integer data: the default float dtype, as torch
        input = input.to(D.get_default_dtype())
    return input if input.ndim == 2 else S.Reshape.apply(input, shape=(1, -1))


@method
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in ``input``'s rows, observed in its columns.

    Args:
        input: a 0-d, 1-d (one variable) or 2-d Tensor ``(variables, observations)``.
        correction: subtracted from the number of observations (the sum of the weights) in
            the divisor: 1 for the unbiased estimate, 0 for the maximum-likelihood one.
        fweights: None, or a 1-d integer Tensor of non-negative repeat counts, one per
            observation.
        aweights: None, or a 1-d float Tensor of non-negative importance weights, one per
            observation.

    Returns:
        Tensor: ``(variables, variables)``, or 0-d for one variable; integer input gives the
        default float dtype.  A divisor <= 0 warns (UserWarning) and gives inf/NaN, as
        torch.  Differentiable in ``input`` and ``aweights``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.cov(tc.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    x = _matrix("cov", input)
    if not is_int(correction):
        raise TypeError(f"cov(): argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _weights("fweights", fweights, n, integral=True)
    if aweights is not None:
        a = _weights("aweights", aweights, n, integral=False)
        w = a if w is None else mul(w, a)
    if w is None:
        avg = div(sum(x, 1, keepdim=True), float(n))  # (V, 1); NaN without observations
        w_sum = float(n)
        norm = x._make(np.asarray(n - correction, dtype=x._data.dtype), False, None)
    else:
        w_sum = sum(w)
        avg = div(sum(mul(x, w), 1, keepdim=True), w_sum)
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = sub(w_sum, correction)
        else:
            norm = sub(w_sum, div(mul(sum(mul(w, aweights)), correction), w_sum))
    if bool((norm._data <= 0).any()):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = mul(norm, 0.0)
    xc = sub(x, avg)  # (V, N)
    xw = xc if w is None else mul(xc, w)
    c = div(matmul(xc, xw.t()), norm)  # (V, V)
    return S.Reshape.apply(c, shape=()) if c.shape == (1, 1) else c  # squeezed, as torch


@method
def corrcoef(input):
    """The Pearson correlation coefficients of the variables in ``input``'s rows.

    Args:
        input: a 0-d, 1-d (one variable) or 2-d Tensor ``(variables, observations)``.

    Returns:
        Tensor: ``(variables, variables)`` in ``[-1, 1]`` (clipped), or 0-d for one
        variable; NaN for a constant variable.  Differentiable.

    Examples:
        >>> import tinyconv as tc
        >>> tc.corrcoef(tc.tensor([[0.0, 1.0, 2.0], [2.0, 1.5, 0.0]]))
        tensor([[ 1.0000, -0.9608],
                [-0.9608,  1.0000]])
    """
    c = cov(_matrix("corrcoef", input))
    if c.ndim == 0:  # one variable
        return div(c, c)  # 1 (NaN for a constant variable), as torch
    s = sqrt(c.diagonal())  # (V,)
    c = div(div(c, unsqueeze(s, 1)), unsqueeze(s, 0))
    return clamp(c, -1, 1)
