"""Selection along a dimension: sort, topk, kthvalue, median, nanmedian, mode, cummax/cummin,
and the median (or NaN-ignoring median) of all elements.

Legend: x input, y the selected values, idx their int64 positions along ``dim`` (a non-negative
axis); gy/gx gradients.  Each op computes ``idx`` with NumPy, returns ``(y, idx)`` and sends the
gradient of y back to the positions idx names (a scatter-add), as torch's selection ops do;
backward rules are written with ops, so they differentiate again.  Stable sorts keep equal
values in their input order; NaN sorts as the largest value (torch's order).
"""
import numpy as np

from .._engine import Op
from .elementwise import Mul, const
from .index import ScatterAdd
from .shape import Expand, Reshape

__all__ = ["Sort", "TopK", "KthValue", "MedianDim", "NanMedianDim", "Mode", "CumExtremum",
           "MedianAll", "NanMedianAll", "sort_indices", "topk_indices"]


def sort_indices(x, dim, descending=False):
    """Stable argsort along ``dim``; descending keeps equal values in input order, NaN first."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    rev = np.flip(x, dim)
    # ascending stable order of the reversed slice, read backwards: descending, ties in order
    return np.flip(n - 1 - np.argsort(rev, axis=dim, kind="stable"), dim)


class _Pick(Op):
    """Shared backward: the gradient of the picked values goes to their positions."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def backward(ctx, gy):
        if ctx.keep_shape is not None:
            gy = Reshape.apply(gy, shape=ctx.keep_shape)  # idx was taken with the dim kept
        return ScatterAdd.apply(None, gy, dim=ctx.dim, index=ctx.index, shape=ctx.shape)


def _pick(ctx, x, idx, dim, keepdim=True):
    """(values at idx along dim, idx), the dim squeezed unless keepdim; saves what backward
    needs."""
    y = np.take_along_axis(x, idx, axis=dim)
    ctx.shape, ctx.dim, ctx.index = x.shape, dim, idx
    ctx.keep_shape = None
    if not keepdim:
        ctx.keep_shape = idx.shape
        y, idx = np.squeeze(y, dim), np.squeeze(idx, dim)
    return y, idx.astype(np.int64, copy=False)


class Sort(_Pick):
    @staticmethod
    def forward(ctx, x, dim, descending):
        return _pick(ctx, x, sort_indices(x, dim, descending), dim)


def topk_indices(x, k, dim, largest):
    """The positions of the k largest (smallest) values along dim, in sorted order (equal
    values by position).  A few of many are found by partitioning first, not by a full sort."""
    n = x.shape[dim]
    if k * 8 > n or (x.dtype.kind == "f" and np.isnan(x).any()):
        return np.take(sort_indices(x, dim, descending=largest), np.arange(k), axis=dim)
    part = np.argpartition(x, n - k if largest else k - 1, axis=dim)
    cand = np.sort(np.take(part, np.arange(n - k, n) if largest else np.arange(k), axis=dim),
                   axis=dim)  # the k winners, in position order
    order = sort_indices(np.take_along_axis(x, cand, axis=dim), dim, descending=largest)
    return np.take_along_axis(cand, order, axis=dim)


class TopK(_Pick):
    node_name = "TopkBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        return _pick(ctx, x, topk_indices(x, k, dim, largest), dim)


class KthValue(_Pick):
    """The k-th smallest value (k counted from 0 here) along dim."""

    @staticmethod
    def forward(ctx, x, k, dim, keepdim):
        idx = np.take(sort_indices(x, dim), [k], axis=dim)
        return _pick(ctx, x, idx, dim, keepdim)


class MedianDim(_Pick):
    """The lower median along dim (torch's); a slice with a NaN gives its first NaN."""

    node_name = "MedianBackward1"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        n = x.shape[dim]
        order = sort_indices(x, dim)
        idx = np.take(order, [(n - 1) // 2], axis=dim)
        if x.dtype.kind == "f":
            n_nan = np.isnan(x).sum(axis=dim, keepdims=True)
            if n_nan.any():
                # NaNs sort last, in input order: the first of them is at n - n_nan
                first = np.take_along_axis(order, np.minimum(n - n_nan, n - 1), axis=dim)
                idx = np.where(n_nan > 0, first, idx)
        return _pick(ctx, x, idx, dim, keepdim)


class NanMedianDim(_Pick):
    """The lower median of the non-NaN values along dim (torch's nanmedian); a slice of NaNs
    only gives its first NaN."""

    node_name = "NanmedianBackward1"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        order = sort_indices(x, dim)  # NaNs last, in input order
        if x.dtype.kind == "f":
            k = x.shape[dim] - np.isnan(x).sum(axis=dim, keepdims=True)  # non-NaN counts
        else:
            k = np.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], x.shape[dim])
        idx = np.take_along_axis(order, np.maximum((k - 1) // 2, 0), axis=dim)
        return _pick(ctx, x, idx, dim, keepdim)


class Mode(_Pick):
    """The most frequent value along dim (the smallest among equally frequent ones) and the
    last position where it occurs, as torch."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        xm = np.moveaxis(x, dim, -1)
        lead, n = xm.shape[:-1], xm.shape[-1]
        rows = xm.reshape(-1, n)  # (R, n)
        order = np.argsort(rows, axis=1, kind="stable")
        s = np.take_along_axis(rows, order, axis=1)
        starts = np.ones(s.shape, dtype=bool)
        starts[:, 1:] = s[:, 1:] != s[:, :-1]
        run = np.cumsum(starts, axis=1) - 1  # run number of each sorted position
        R = rows.shape[0]
        counts = np.bincount((run + np.arange(R)[:, None] * n).reshape(-1),
                             minlength=R * n).reshape(R, n)
        best = np.argmax(counts, axis=1)  # the first (smallest) most frequent run
        first = np.argmax(run == best[:, None], axis=1)
        last = first + counts[np.arange(R), best] - 1  # stable order: the last occurrence
        idx = order[np.arange(R), last].reshape(lead + (1,))
        return _pick(ctx, x, np.moveaxis(idx, -1, dim), dim, keepdim)


class CumExtremum(_Pick):
    """Running max (``mode='max'``) or min along dim; a tie takes the later position."""

    @staticmethod
    def forward(ctx, x, dim, mode):
        xm = np.moveaxis(x, dim, -1)
        n = xm.shape[-1]
        y = (np.maximum if mode == "max" else np.minimum).accumulate(xm, axis=-1)
        if x.dtype.kind == "f":  # NaN wins from where it first appears on, as torch
            nan = np.logical_or.accumulate(np.isnan(xm), axis=-1)
            y = np.where(nan, np.nan, y)
        # the index of the running extremum: the last position so far holding its value
        hit = (xm == y) | (np.isnan(xm) & np.isnan(y)) if x.dtype.kind == "f" else (xm == y)
        pos = np.where(hit, np.arange(n), -1)
        idx = np.maximum.accumulate(pos, axis=-1)
        ctx.mode = mode
        return _pick(ctx, x, np.moveaxis(idx, -1, dim), dim)


def _share_ties(ctx, y, mask):
    """Keep for backward an even share of the gradient for each element ``mask`` picks (the
    elements equal to a median y); y."""
    ctx.share = mask / float(max(np.count_nonzero(mask), 1))
    ctx.shape = mask.shape
    return y


class MedianAll(Op):
    """The lower median of all elements (NaN if there is one); ties share the gradient
    evenly, as torch's median()."""

    category = "reduction"
    node_name = "MedianBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        if flat.size == 0:
            y = np.asarray(np.nan, dtype=x.dtype)
            mask = np.zeros(x.shape, dtype=bool)
        elif x.dtype.kind == "f" and np.isnan(flat).any():
            y = np.asarray(np.nan, dtype=x.dtype)
            mask = np.isnan(x)
        else:
            y = np.asarray(np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2])
            mask = x == y
        return _share_ties(ctx, y, mask)

    @staticmethod
    def backward(ctx, gy):
        return Mul.apply(Expand.apply(gy, shape=ctx.shape), const(gy, ctx.share))


class NanMedianAll(MedianAll):
    """The lower median of the non-NaN elements (NaN when there are none); ties share the
    gradient evenly, and a NaN result shares it among the NaNs, as torch's nanmedian()."""

    node_name = "NanmedianBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        nan = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, dtype=bool)
        vals = flat[~nan.reshape(-1)]
        if vals.size == 0:
            y = np.asarray(np.nan, dtype=x.dtype)
            mask = nan
        else:
            y = np.asarray(np.partition(vals, (vals.size - 1) // 2)[(vals.size - 1) // 2])
            mask = x == y
        return _share_ties(ctx, y, mask)
