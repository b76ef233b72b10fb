"""Sorting and selection with torch's signatures: sort, argsort, msort, topk, kthvalue, median,
mode, cummax/cummin, unique, unique_consecutive, bincount, histc, searchsorted, bucketize.

Values come with their int64 indices as torch's named tuples (``.values``, ``.indices``); the
gradient of the values flows back to the positions the indices name (``tinyconv.ops.sort``).
Sorts are stable: equal values keep their input order (torch leaves it unspecified unless
``stable=True``; this order is one of the allowed ones).
"""
import numbers

import numpy as np

from .. import _dtypes as D
from .._checks import check_bool, check_dim, check_keepdim, check_tensor, is_int
from .._docstrings import shared_docs
from .._engine import TensorBase, is_grad_enabled
from ..ops import index as I
from ..ops import shape as S
from ..ops import sort as O
from ._methods import method
from ._results import ValuesIndices

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "mode", "cummax",
           "cummin", "unique", "unique_consecutive", "bincount", "histc", "searchsorted",
           "bucketize"]


def _vector(x):
    """A 0-d tensor as shape (1,), as torch's selection ops treat it."""
    return S.Reshape.apply(x, shape=(1,)) if x.ndim == 0 else x


def _scalar_pair(pair, like):
    """Back to 0-d values and indices for a 0-d input."""
    if like.ndim:
        return ValuesIndices(*pair)
    return ValuesIndices(*(S.Reshape.apply(t, shape=()) if t.ndim else t for t in pair))


@method
def sort(input, dim=-1, descending=False, *, stable=False):
    """The elements sorted along ``dim``, with their original positions.

    Args:
        input: a Tensor.
        dim: the dimension to sort along.
        descending: largest first.
        stable: keep equal elements in input order (always done here).

    Returns:
        ValuesIndices: ``(values, indices)``; NaN sorts as the largest value.

    Examples:
        >>> import tinyconv as tc
        >>> tc.sort(tc.tensor([3.0, 1.0, 2.0]), descending=True)
        ValuesIndices(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    check_tensor("sort", "input", input)
    d = check_dim(dim, input.ndim, "sort")
    return _scalar_pair(O.Sort.apply(_vector(input), dim=d, descending=bool(descending)), input)


@method
def argsort(input, dim=-1, descending=False, stable=False):
    """The positions that sort ``input`` along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to sort along.
        descending: largest first.
        stable: keep equal elements in input order (always done here).

    Returns:
        Tensor: int64, of ``input``'s shape.
    """
    check_tensor("argsort", "input", input)
    d = check_dim(dim, input.ndim, "argsort")
    x = input._data.reshape(input.shape or (1,))
    idx = O.sort_indices(x, d, bool(descending)).reshape(input.shape)
    return input._make(idx.astype(np.int64, copy=False), False, None)


@method
def msort(input):
    """The elements sorted along the first dimension (values only).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return sort(input, 0).values


@method
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim``, with their positions.

    Args:
        input: a Tensor.
        k: how many, at most ``input.shape[dim]``.
        dim: the dimension to select along.
        largest: the largest (True) or the smallest elements.
        sorted: return them in sorted order (always done here).

    Returns:
        ValuesIndices: ``(values, indices)`` with ``k`` at ``dim``.

    Examples:
        >>> import tinyconv as tc
        >>> logits = tc.tensor([[0.1, 2.0, -1.0, 0.7], [3.0, 0.0, 0.5, 0.2]])
        >>> target = tc.tensor([3, 2])
        >>> top2 = logits.topk(2, dim=1).indices          # the top-k accuracy idiom
        >>> (top2 == target[:, None]).any(dim=1)
        tensor([True, True])
    """
    check_tensor("topk", "input", input)
    d = check_dim(dim, input.ndim, "topk")
    n = input.shape[d] if input.ndim else 1
    if not is_int(k):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, size {n} at dim "
                           f"{d})")
    return _scalar_pair(O.TopK.apply(_vector(input), k=int(k), dim=d, largest=bool(largest)),
                        input)


@method
def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element along ``dim`` (k counts from 1), with its position.

    Args:
        input: a Tensor.
        k: which one, in ``[1, input.shape[dim]]``.
        dim: the dimension to select along.
        keepdim: keep the reduced dimension with size 1.

    Returns:
        ValuesIndices: ``(values, indices)``.
    """
    check_tensor("kthvalue", "input", input)
    d = check_dim(dim, input.ndim, "kthvalue")
    keepdim = check_keepdim(keepdim, "kthvalue")
    n = input.shape[d] if input.ndim else 1
    if not is_int(k):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {n})")
    return _scalar_pair(O.KthValue.apply(_vector(input), k=int(k) - 1, dim=d,
                                         keepdim=keepdim or not input.ndim), input)


# median's and nanmedian's shared arguments and result (a docstring line ``{median}``)
MEDIAN_DOCS = {"median": """Args:
    input: a Tensor.
    dim: None (all elements) or the dimension to reduce.
    keepdim: keep the reduced dimension with size 1.

Returns:
    Tensor (0-d, for dim None; equal middle values share the gradient), or
    ValuesIndices ``(values, indices)`` along ``dim``."""}


@method
@shared_docs(MEDIAN_DOCS)
def median(input, dim=None, keepdim=False):
    """The lower median (of an even count, the smaller middle value, as torch): of all
    elements, or along ``dim`` with its position.

    {median}
        A NaN makes the median NaN.
    """
    return median_with("median", O.MedianAll, O.MedianDim, input, dim, keepdim)


def median_with(op, all_op, dim_op, input, dim, keepdim):
    """A median (``op``: median or nanmedian) of all elements with ``all_op``, or along
    ``dim`` with ``dim_op`` as (values, indices); 0-d input as torch treats it."""
    check_tensor(op, "input", input)
    keepdim = check_keepdim(keepdim, op)
    if dim is None:
        return all_op.apply(input)
    d = check_dim(dim, input.ndim, op)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return _scalar_pair(dim_op.apply(_vector(input), dim=d, keepdim=keepdim or not input.ndim),
                        input)


@method
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the
    last position where it occurs.

    Args:
        input: a Tensor.
        dim: the dimension to reduce.
        keepdim: keep the reduced dimension with size 1.

    Returns:
        ValuesIndices: ``(values, indices)``.
    """
    check_tensor("mode", "input", input)
    d = check_dim(dim, input.ndim, "mode")
    keepdim = check_keepdim(keepdim, "mode")
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return _scalar_pair(O.Mode.apply(_vector(input), dim=d, keepdim=keepdim or not input.ndim),
                        input)


def _cum(input, dim, mode):
    check_tensor(f"cum{mode}", "input", input)
    d = check_dim(dim, input.ndim, f"cum{mode}")
    return _scalar_pair(O.CumExtremum.apply(_vector(input), dim=d, mode=mode), input)


@method
def cummax(input, dim):
    """The running maximum along ``dim`` and where it was found (the latest position of
    equal values).

    Args:
        input: a Tensor.
        dim: the dimension to scan.

    Returns:
        ValuesIndices: ``(values, indices)`` of ``input``'s shape.
    """
    return _cum(input, dim, "max")


@method
def cummin(input, dim):
    """The running minimum along ``dim`` and where it was found (the latest position of
    equal values).

    Args:
        input: a Tensor.
        dim: the dimension to scan.

    Returns:
        ValuesIndices: ``(values, indices)`` of ``input``'s shape.
    """
    return _cum(input, dim, "min")


def _results(input, values, inverse, counts, return_inverse, return_counts):
    make = input._make
    out = [make(values, False, None)]
    if return_inverse:
        out.append(make(inverse.astype(np.int64), False, None))
    if return_counts:
        out.append(make(counts.astype(np.int64), False, None))
    return out[0] if len(out) == 1 else tuple(out)


@method
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or distinct slices along ``dim``), sorted.

    Args:
        input: a Tensor.
        sorted: sort the result (always done here, as torch does on the CPU).
        return_inverse: also return where each element of ``input`` went in the result.
        return_counts: also return how often each distinct element occurs.
        dim: None (the flattened tensor) or the dimension whose slices are compared.

    Returns:
        Tensor, or a tuple ``(output, inverse_indices, counts)`` with the requested extras
        (int64; the inverse has ``input``'s shape, or ``input.shape[dim]`` with ``dim``).  No
        gradient.
    """
    check_tensor("unique", "input", input)
    x = input._data
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        d = check_dim(dim, input.ndim, "unique")
        if x.size == 0 and x.shape[d] == 0:
            values, inverse, counts = x, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True,
                                                axis=d)
            inverse = inverse.reshape(-1)
    return _results(input, values, inverse, counts, return_inverse, return_counts)


@method
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal consecutive elements (or slices along ``dim``) reduced to one.

    Args:
        input: a Tensor.
        return_inverse: also return which run each element of ``input`` belongs to.
        return_counts: also return the length of each run.
        dim: None (the flattened tensor) or the dimension whose slices are compared.

    Returns:
        Tensor, or a tuple ``(output, inverse_indices, counts)`` with the requested extras
        (int64).  No gradient.
    """
    check_tensor("unique_consecutive", "input", input)
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        new = np.ones(flat.shape, dtype=bool)
        new[1:] = flat[1:] != flat[:-1]
        values = flat[new]
        inverse = (np.cumsum(new) - 1).reshape(x.shape)
    else:
        d = check_dim(dim, input.ndim, "unique_consecutive")
        xm = np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
        new = np.ones(xm.shape[0], dtype=bool)
        new[1:] = (xm[1:] != xm[:-1]).any(axis=1)
        values = np.compress(new, x, axis=d)
        inverse = np.cumsum(new) - 1
    counts = np.diff(np.append(np.flatnonzero(new), new.size))
    return _results(input, values, inverse, counts, return_inverse, return_counts)


@method
def bincount(input, weights=None, minlength=0):
    """How often each value ``0..max(input)`` occurs in a 1-d non-negative integer tensor.

    Args:
        input: a 1-d tensor of non-negative integers.
        weights: None, or a 1-d tensor of ``input``'s length whose entries are summed instead
            of counting 1 per occurrence.
        minlength: the least length of the result.

    Returns:
        Tensor of length ``max(max(input) + 1, minlength)``: int64 counts, or the summed
        ``weights`` (float32 for float32 weights, float64 otherwise, as torch).  Weights that
        require grad get one (bin j's gradient flows to every weight counted in it; torch
        raises "derivative for aten::bincount is not implemented" on that backward).
    """
    check_tensor("bincount", "input", input)
    x = input._data
    if not np.issubdtype(x.dtype, np.integer):
        raise NotImplementedError(f"bincount(): not implemented for {input.dtype} (the input "
                                  "must be integers)")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if not is_int(minlength) or minlength < 0:
        raise RuntimeError("bincount(): minlength should be >= 0")
    w = None
    if weights is not None:
        check_tensor("bincount", "weights", weights)
        w = weights._data
        if w.ndim != 1 or w.shape[0] != x.shape[0]:
            raise RuntimeError("bincount(): weights should be 1-d and have the same length as "
                               "input")
    if w is not None and weights.requires_grad and is_grad_enabled():
        length = max(int(x.max()) + 1 if x.size else 0, minlength)
        zeros = weights._make(np.zeros(length, dtype=w.dtype), False, None)
        return I.IndexAdd.apply(zeros, weights, dim=0, index=x.astype(np.int64, copy=True))
    out = np.bincount(x, weights=w, minlength=minlength)
    if w is not None and w.dtype == np.float32:
        out = out.astype(np.float32)
    return input._make(out, False, None)


def _search(op, seq, values, right, out_int32):
    """Insertion positions of ``values`` (a Tensor or a number) in the last dimension of the
    Tensor ``seq`` (1-d, or with ``values``' leading dimensions), as torch's int64/int32."""
    if isinstance(values, TensorBase):
        v = values._data
    elif isinstance(values, numbers.Number) and not isinstance(values, complex):
        v = np.asarray(values, dtype=D.scalar_dtype(values, seq._data.dtype))
    else:
        raise TypeError(f"{op}(): argument 'input' must be a Tensor or a number, not "
                        f"{type(values).__name__}")
    right, out_int32 = check_bool(op, "right", right), check_bool(op, "out_int32", out_int32)
    a = seq._data
    if a.dtype == np.bool_ or v.dtype == np.bool_:
        raise NotImplementedError(f'"{op}_out_cpu" not implemented for \'Bool\'')
    dt = D.promote(a.dtype, v.dtype)
    a, v = a.astype(dt, copy=False), v.astype(dt, copy=False)
    side = "right" if right else "left"
    if a.ndim == 1:
        out = np.searchsorted(a, v, side=side)
    else:  # one search per row of the leading dimensions
        rows_a, rows_v = a.reshape(-1, a.shape[-1]), v.reshape(-1, v.shape[-1])
        out = np.empty(rows_v.shape, dtype=np.int64)
        for i in range(rows_a.shape[0]):
            out[i] = np.searchsorted(rows_a[i], rows_v[i], side=side)
        out = out.reshape(v.shape)
    out = np.asarray(out, dtype=np.int32 if out_int32 else np.int64)
    ref = values if isinstance(values, TensorBase) else seq
    return ref._make(out, False, None)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where ``input``'s values would be inserted into ``sorted_sequence`` to keep it sorted.

    Args:
        sorted_sequence: a Tensor sorted ascending along its last dimension: 1-d, or N-d with
            ``input``'s leading dimensions (one sequence per row).
        input: a Tensor of values, or a number (with a 1-d ``sorted_sequence``).
        out_int32: int32 positions instead of int64.
        right: the position after equal entries instead of before them.
        side: None, ``'left'`` or ``'right'`` (the same choice as ``right``; the two must not
            contradict each other).
        sorter: None, or int64 indices of ``sorted_sequence``'s shape that sort it along its
            last dimension (as ``argsort`` gives).

    Returns:
        Tensor: of ``input``'s shape (0-d for a number), int64 (int32 with ``out_int32``);
        no gradient.  Values are compared in the promoted dtype of the two.
    """
    op = "searchsorted"
    check_tensor(op, "sorted_sequence", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right is True and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites,"
                               f" got side of {side} while right was True")
        right = side == "right"
    seq = sorted_sequence
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim > 1:
        if not isinstance(input, TensorBase) or input.ndim == 0:
            raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                               f"boundaries tensor dimension is 1, but we got boundaries tensor "
                               f"dim({seq.ndim}) and input value's dim(0) numel(1)")
        if input.ndim != seq.ndim or tuple(input.shape[:-1]) != tuple(seq.shape[:-1]):
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor "
                f"{list(input.shape)}")
    if sorter is not None:
        check_tensor(op, "sorter", sorter)
        if sorter._data.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {D.type_name(sorter._data.dtype)}")
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(seq.shape)} and got sorter "
                               f"tensor {list(sorter.shape)}")
        idx = sorter._data
        if idx.size and (idx.min() < 0 or idx.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        seq = seq._make(np.take_along_axis(seq._data, idx, -1), False, None)
    return _search(op, seq, input, right, out_int32)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of ``input`` among the sorted 1-d ``boundaries``.

    Args:
        input: a Tensor of values, or a number.
        boundaries: a 1-d Tensor sorted ascending.
        out_int32: int32 indices instead of int64.
        right: ``boundaries[i-1] < x <= boundaries[i]`` (False) or
            ``boundaries[i-1] <= x < boundaries[i]`` (True), as torch.

    Returns:
        Tensor: of ``input``'s shape (0-d for a number), int64 (int32 with ``out_int32``);
        no gradient.  The same as ``searchsorted(boundaries, input, right=right)``.
    """
    check_tensor("bucketize", "boundaries", boundaries)
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.ndim})")
    return _search("bucketize", boundaries, input, right, out_int32)


@method
def histc(input, bins=100, min=0, max=0):
    """Histogram of a floating tensor's elements in ``bins`` equal bins over ``[min, max]``.

    Args:
        input: a floating Tensor of any shape (its elements are counted).
        bins: the number of bins (an int > 0).
        min: the left edge of the first bin (a number).
        max: the right edge of the last bin (a number).  When ``min == max`` (the default
            0 and 0) the data's minimum and maximum are used instead, and when those are equal
            too, ``min - 1`` and ``max + 1``, as torch.

    Returns:
        Tensor: ``(bins,)`` counts in ``input``'s dtype; elements outside ``[min, max]`` (and
        NaN) are not counted, ``max`` itself falls in the last bin.  No gradient.
    """
    check_tensor("histc", "input", input)
    x = input._data
    if not D.is_float(x.dtype):
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{D.type_name(x.dtype)}'")
    if not is_int(bins):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    for name, v in (("min", min), ("max", max)):
        if not isinstance(v, (numbers.Real, TensorBase)) or isinstance(v, bool):
            raise TypeError(f"histc(): argument '{name}' must be a number, not "
                            f"{type(v).__name__}")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    flat = x.reshape(-1)
    lo_, hi_ = x.dtype.type(lo), x.dtype.type(hi)
    flat = flat[(flat >= lo_) & (flat <= hi_)]  # NaN compares False: not counted
    # torch's linear bin position, in the input's dtype; max goes to the last bin
    pos = ((flat - lo_) * x.dtype.type(bins) / (hi_ - lo_)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    out = np.bincount(pos, minlength=bins).astype(x.dtype)
    return input._make(out, False, None)
