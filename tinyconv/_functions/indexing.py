"""Indexing along a dimension with torch's signatures: gather, scatter (add, replace,
reductions), index_select/add/fill/copy, index_put, masked_fill/select/scatter, take,
take_along_dim.

Each checks shapes, dtypes and index bounds with torch's messages before one op of
``tinyconv.ops.index`` runs; the ``_`` forms (``scatter_``, ``index_add_``...) are derived with
torch's in-place semantics (``_methods``).
"""
import numbers

import numpy as np

from .._checks import (DtypeError, check_bounds, check_dim, check_tensor, index_array, is_real)
from .._engine import TensorBase
from ..ops import elementwise as E
from ..ops import index as I
from ..ops import shape as S
from . import shape as Sh
from ._methods import method
from .arith import cast

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_copy", "masked_fill", "masked_select", "masked_scatter", "take",
           "take_along_dim", "index_put"]

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _as_1d(x):
    """A 0-d tensor as shape (1,) (torch treats it as one element along dim 0)."""
    return S.Reshape.apply(x, shape=(1,)) if x.ndim == 0 else x


def _back(y, like):
    return S.Reshape.apply(y, shape=()) if like.ndim == 0 and y.ndim else y


def _check_index_shape(op, x, dim, index, src=None):
    """torch's rules: index has x's rank; index.size(d) <= x.size(d) for d != dim, and <=
    src.size(d) for every d."""
    xs, ix = x.shape, index.shape
    if len(ix) != len(xs) and not (len(ix) <= 1 and len(xs) <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {ix}, input shape {xs})")
    if src is not None and len(src.shape) != len(ix) and not (len(ix) <= 1 and src.ndim <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"src tensor (index shape {ix}, src shape {tuple(src.shape)})")
    xs1, ix1 = (xs or (1,)), (ix or (1,))
    ss1 = None if src is None else (src.shape or (1,))
    for d, n in enumerate(ix1):
        if (d != dim and n > xs1[d]) or (ss1 is not None and n > ss1[d]):
            extra = "" if ss1 is None else f" and to be no larger size than src {list(ss1)}"
            raise RuntimeError(f"{op}(): Size does not match at dimension {d}: expected index "
                               f"{list(ix1)} to be no larger than self {list(xs1)} apart from "
                               f"dimension {dim}{extra}")


def _prepare(op, input, dim, index, src=None):
    check_tensor(op, "input", input)
    d = check_dim(dim, input.ndim, op)
    idx = index_array(op, index)
    _check_index_shape(op, input, d, idx, src)
    size = (input.shape or (1,))[d]
    idx = check_bounds(op, idx, size, d).reshape(idx.shape or (1,))
    return d, idx


@method
def gather(input, dim, index, *, sparse_grad=False):
    """Values of ``input`` picked along ``dim`` by ``index``:
    ``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1``.

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: an integer Tensor of ``input``'s rank; no larger than ``input`` in the other
            dimensions.
        sparse_grad: accepted for torch's signature (gradients are dense).

    Returns:
        Tensor: of ``index``'s shape; the gradient is added back at the picked places.

    Examples:
        >>> import tinyconv as tc
        >>> t = tc.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> tc.gather(t, 1, tc.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    d, idx = _prepare("gather", input, dim, index)
    return _back(I.Gather.apply(_as_1d(input), dim=d, index=idx), index)


def _scatter_src(op, input, src, value, index):
    """src as a Tensor of input's dtype (a number or ``value`` fills index's shape)."""
    check_tensor(op, "input", input)
    index_array(op, index)
    if src is not None and value is not None:
        raise TypeError(f"{op}(): pass src or value, not both")
    if src is None:
        src = value
    if isinstance(src, TensorBase):
        if src._data.dtype != input._data.dtype:
            raise DtypeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got "
                             f"{input.dtype} and {src.dtype})")
        return _as_1d(src)
    if not is_real(src) and not isinstance(src, bool):
        raise TypeError(f"{op}(): src must be a Tensor or a number, not {type(src).__name__}")
    shape = index.shape or (1,)
    return input._make(np.full(shape, src, dtype=input._data.dtype), False, None)


@method(inplace="scatter_")
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with values written at the places ``index`` addresses along ``dim``:
    ``out[i][index[i][j][k]][k] = src[i][j][k]`` for ``dim=1``.

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: an integer Tensor of ``input``'s rank.
        src: the values (a Tensor of ``input``'s dtype, at least ``index``'s size in every
            dimension), or a number.
        value: a number to write (torch's ``value=`` form).
        reduce: None (replace), ``'add'`` or ``'multiply'`` (not differentiable, as torch).

    Returns:
        Tensor: of ``input``'s shape and dtype; where several writes go to one place, one of
        them wins.
    """
    check_tensor("scatter", "input", input)
    s = _scatter_src("scatter", input, src, value, index)
    d, idx = _prepare("scatter", input, dim, index, s)
    x = _as_1d(input)
    if reduce is None:
        return _back(I.Scatter.apply(x, s, dim=d, index=idx), input)
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    return _back(I.ScatterReduce.apply(x, s, dim=d, index=idx,
                                       reduce="sum" if reduce == "add" else "prod",
                                       no_grad_name="scatter"), input)


@method(inplace="scatter_add_")
def scatter_add(input, dim, index, src):
    """``input`` with ``src`` added at the places ``index`` addresses along ``dim``
    (repeated places accumulate).

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: an integer Tensor of ``input``'s rank.
        src: a Tensor of ``input``'s dtype, at least ``index``'s size in every dimension.

    Returns:
        Tensor: of ``input``'s shape and dtype.

    Examples:
        >>> import tinyconv as tc
        >>> tc.zeros(3).scatter_add(0, tc.tensor([0, 2, 0]), tc.tensor([1.0, 2.0, 3.0]))
        tensor([4., 0., 2.])
    """
    check_tensor("scatter_add", "input", input)
    check_tensor("scatter_add", "src", src)
    s = _scatter_src("scatter_add", input, src, None, index)
    d, idx = _prepare("scatter_add", input, dim, index, s)
    return _back(I.ScatterAdd.apply(_as_1d(input), s, dim=d, index=idx), input)


@method(inplace="scatter_reduce_")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with ``src`` reduced into the places ``index`` addresses along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: an integer Tensor of ``input``'s rank.
        src: a Tensor of ``input``'s dtype, at least ``index``'s size in every dimension.
        reduce: ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.
        include_self: whether ``input``'s value at a place takes part in its reduction.

    Returns:
        Tensor: of ``input``'s shape and dtype; places no index addresses keep ``input``'s
        value.  Gradients follow torch's (ties of amax/amin share evenly).
    """
    check_tensor("scatter_reduce", "input", input)
    check_tensor("scatter_reduce", "src", src)
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of {REDUCTIONS}, "
                           f"got {reduce!r}")
    s = _scatter_src("scatter_reduce", input, src, None, index)
    d, idx = _prepare("scatter_reduce", input, dim, index, s)
    return _back(I.ScatterReduce.apply(_as_1d(input), s, dim=d, index=idx, reduce=reduce,
                                       include_self=bool(include_self)), input)


def _vector_index(op, index, size, dim, negative=False, error=RuntimeError):
    idx = index_array(op, index)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got shape {idx.shape})")
    return check_bounds(op, idx.reshape(-1), size, dim, negative, error)


@method
def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` listed in ``index``, in that order.

    Args:
        input: a Tensor.
        dim: the dimension to select along.
        index: a 1-D (or 0-d) integer Tensor; repeats are allowed.

    Returns:
        Tensor: ``input``'s shape with ``len(index)`` at ``dim``; a new tensor.

    Examples:
        >>> import tinyconv as tc
        >>> tc.arange(6).reshape(2, 3).index_select(1, tc.tensor([2, 0]))
        tensor([[2, 0],
                [5, 3]])
    """
    check_tensor("index_select", "input", input)
    d = check_dim(dim, input.ndim, "index_select")
    x = _as_1d(input)
    idx = _vector_index("index_select", index, x.shape[d], d)
    return _back(I.IndexSelect.apply(x, dim=d, index=idx), input)


def _source(op, input, d, idx, source):
    check_tensor(op, "source", source)
    if source._data.dtype != input._data.dtype:
        raise DtypeError(f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have "
                         f"the same scalar type")
    want = (input.shape or (1,))[:d] + (len(idx),) + (input.shape or (1,))[d + 1:]
    if (source.shape or (1,)) != want:
        raise RuntimeError(f"{op}(): source has shape {tuple(source.shape)}; expected {want} "
                           f"(Number of indices ({len(idx)}) should be equal to "
                           f"source.size(dim) for dim: {d})")
    return S.Reshape.apply(source, shape=want) if source.shape != want else source


@method(inplace="index_add_")
def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source[.., j, ..]`` added to the slice ``index[j]`` along
    ``dim`` (repeated indices accumulate).

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: a 1-D integer Tensor.
        source: a Tensor of ``input``'s dtype and shape, with ``len(index)`` at ``dim``.
        alpha: a number scaling ``source``.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("index_add", "input", input)
    d = check_dim(dim, input.ndim, "index_add")
    x = _as_1d(input)
    idx = _vector_index("index_add", index, x.shape[d], d)
    src = _source("index_add", input, d, idx, source)
    return _back(I.IndexAdd.apply(x, src, dim=d, index=idx, alpha=alpha), input)


def _fill_value(op, input, value):
    if isinstance(value, TensorBase):
        if value.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return cast(value, input._data.dtype)
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}(): value must be a number or a 0-d Tensor, not "
                        f"{type(value).__name__}")
    return input._make(np.asarray(value).astype(input._data.dtype), False, None)


@method(inplace="index_fill_")
def index_fill(input, dim, index, value):
    """``input`` with the slices ``index`` along ``dim`` set to ``value``.

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: a 1-D integer Tensor (negative indices count from the end).
        value: a number or a 0-d Tensor (which receives the gradient of the filled places).

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("index_fill", "input", input)
    d = check_dim(dim, input.ndim, "index_fill")
    v = _fill_value("index_fill_", input, value)
    size = (input.shape or (1,))[d]
    idx = _vector_index("index_fill", index, size, d, negative=True, error=IndexError)
    mask = np.zeros(input.shape or (1,), dtype=bool)
    mask[(slice(None),) * d + (idx,)] = True
    return E.Where.apply(v, input, cond=mask.reshape(input.shape))


@method(inplace="index_copy_")
def index_copy(input, dim, index, source):
    """``input`` with its slice ``index[j]`` along ``dim`` replaced by ``source``'s slice j.

    Args:
        input: a Tensor.
        dim: the dimension to index along.
        index: a 1-D integer Tensor (repeated indices: one of the writes wins).
        source: a Tensor of ``input``'s dtype and shape, with ``len(index)`` at ``dim``.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("index_copy", "input", input)
    d = check_dim(dim, input.ndim, "index_copy")
    x = _as_1d(input)
    idx = _vector_index("index_copy", index, x.shape[d], d, error=IndexError)
    src = _source("index_copy", input, d, idx, source)
    view = [1] * x.ndim
    view[d] = len(idx)
    full = np.broadcast_to(idx.reshape(view), src.shape)
    return _back(I.Scatter.apply(x, src, dim=d, index=full), input)


def _mask(op, mask, shape):
    check_tensor(op, "mask", mask)
    if mask._data.dtype != np.bool_:
        raise DtypeError(f"{op} only supports boolean masks, but got mask with dtype "
                         f"{mask.dtype}")
    try:
        return np.broadcast_shapes(mask.shape, shape)
    except ValueError:
        raise RuntimeError(f"{op}: the mask of shape {tuple(mask.shape)} does not broadcast "
                           f"with the input of shape {tuple(shape)}") from None


def _expand(x, shape):
    return x if x.shape == shape else S.Expand.apply(x, shape=shape)


@method(inplace="masked_fill_")
def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True.

    Args:
        input: a Tensor.
        mask: a bool Tensor broadcastable with ``input``.
        value: a number or a 0-d Tensor (which receives the gradient of the filled places).

    Returns:
        Tensor: of the broadcast shape and ``input``'s dtype.

    Examples:
        >>> import tinyconv as tc
        >>> scores = tc.tensor([[0.5, 2.0], [1.0, -1.0]])
        >>> scores.masked_fill(tc.tensor([[False, True], [False, False]]), float("-inf"))
        tensor([[ 0.5000,    -inf],
                [ 1.0000, -1.0000]])
    """
    check_tensor("masked_fill", "input", input)
    shape = _mask("masked_fill_", mask, input.shape)
    v = _fill_value("masked_fill_", input, value)
    # the op keeps the condition for backward: a copy, so later writes into mask stay out
    return E.Where.apply(v, _expand(input, shape), cond=np.broadcast_to(mask._data.copy(), shape))


@method
def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor.

    Args:
        input: a Tensor.
        mask: a bool Tensor broadcastable with ``input``.

    Returns:
        Tensor: 1-D, in row-major order of the broadcast shape.
    """
    check_tensor("masked_select", "input", input)
    shape = _mask("masked_select", mask, input.shape)
    pos = np.flatnonzero(np.broadcast_to(mask._data, shape))
    flat = S.Reshape.apply(_expand(input, shape), shape=(-1,))
    return S.GetItem.apply(flat, index=pos)


@method(inplace="masked_scatter_")
def masked_scatter(input, mask, source):
    """``input`` with the first elements of ``source`` written, in order, where ``mask`` is
    True.

    Args:
        input: a Tensor.
        mask: a bool Tensor broadcastable with ``input``.
        source: a Tensor of ``input``'s dtype with at least as many elements as ``mask`` has
            True values.

    Returns:
        Tensor: of the broadcast shape and ``input``'s dtype.
    """
    check_tensor("masked_scatter", "input", input)
    check_tensor("masked_scatter", "source", source)
    shape = _mask("masked_scatter", mask, input.shape)
    if source._data.dtype != input._data.dtype:
        raise DtypeError(f"masked_scatter: expected self and source to have same dtypes but "
                         f"got {input.dtype} and {source.dtype}")
    pos = np.flatnonzero(np.broadcast_to(mask._data, shape))
    if source._data.size < pos.size:
        raise RuntimeError(f"masked_scatter: Number of elements of source ({source._data.size})"
                           f" < number of ones in mask ({pos.size})")
    vals = S.GetItem.apply(S.Reshape.apply(source, shape=(-1,)), index=slice(0, pos.size))
    return S.PutFlat.apply(_expand(input, shape), vals, pos=pos)


@method
def take(input, index):
    """Elements of ``input`` at flat (row-major) positions ``index``.

    Args:
        input: a Tensor.
        index: an integer Tensor of any shape; negative positions count from the end.

    Returns:
        Tensor: of ``index``'s shape.
    """
    check_tensor("take", "input", input)
    idx = index_array("take", index)
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of "
                         f"{n} elements.")
    idx = np.where(idx < 0, idx + n, idx)
    return S.GetItem.apply(S.Reshape.apply(input, shape=(-1,)), index=idx)


@method
def take_along_dim(input, indices, dim=None):
    """Values of ``input`` picked along ``dim`` by ``indices`` (torch's form of NumPy's
    ``take_along_axis``): the two broadcast in every other dimension.

    Args:
        input: a Tensor.
        indices: an integer Tensor of ``input``'s rank (any shape with ``dim=None``).
        dim: the dimension to pick along; None picks from the flattened tensor.

    Returns:
        Tensor: of the broadcast shape with ``indices``' size at ``dim`` (1-D for None).
    """
    check_tensor("take_along_dim", "input", input)
    idx = index_array("take_along_dim", indices, "indices")
    if dim is None:
        flat = S.Reshape.apply(input, shape=(-1,))
        idx = check_bounds("take_along_dim", idx.reshape(-1), flat.shape[0], 0)
        return I.Gather.apply(flat, dim=0, index=idx)
    d = check_dim(dim, input.ndim, "take_along_dim")
    if idx.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    x = _as_1d(input)
    idx = idx.reshape(idx.shape or (1,))
    try:
        shape = list(np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                         idx.shape[:d] + (1,) + idx.shape[d + 1:]))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): input {tuple(input.shape)} and indices "
                           f"{idx.shape} do not broadcast apart from dimension {d}") from None
    xs, ixs = list(shape), list(shape)
    xs[d], ixs[d] = x.shape[d], idx.shape[d]
    idx = check_bounds("take_along_dim", np.broadcast_to(idx, tuple(ixs)), x.shape[d], d)
    return _back(I.Gather.apply(_expand(x, tuple(xs)), dim=d, index=idx), input)


@method(inplace="index_put_")
def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` written at ``input[indices]`` (summed into it with
    ``accumulate``, where repeated positions add up).

    Args:
        input: a Tensor.
        indices: a tuple (or list) of integer or bool Tensors, one per leading dimension, as
            in ``input[indices]``.
        values: a Tensor of ``input``'s dtype, broadcastable to ``input[indices]``'s shape.
        accumulate: add ``values`` instead of replacing (without it, a repeated position
            gets one of its writes).

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("index_put", "input", input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    check_tensor("index_put", "values", values)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{input.dtype} for the destination and {values.dtype} for the "
                           f"source.")
    idx = tuple(Sh.index_arrays(tuple(indices)))
    Sh._check_index_bounds(idx, input.shape)
    pos = np.arange(input._data.size).reshape(input.shape)[idx]
    try:
        v = Sh.expand(values, *pos.shape)
    except RuntimeError:
        raise RuntimeError(f"index_put(): shape mismatch: value tensor of shape "
                           f"{list(values.shape)} cannot be broadcast to indexing result of "
                           f"shape {list(pos.shape)}") from None
    if not accumulate:
        return S.PutFlat.apply(input, v, pos=pos)
    flat = I.IndexAdd.apply(S.Reshape.apply(input, shape=(-1,)),
                            S.Reshape.apply(v, shape=(-1,)), dim=0, index=pos.reshape(-1))
    return S.Reshape.apply(flat, shape=input.shape)
