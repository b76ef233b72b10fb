"""Reductions: sum, mean, max/min (full and along a dim), var/std.

Legend: x input, y output, gy/gx gradients; ``axes`` is the tuple of reduced axes.  Backward
rules are written with ops, so they differentiate again.
"""
import numpy as np

from .._engine import Op
from .elementwise import Add, Div, Mul, Sub, const
from .shape import Expand, IndexScatter, Reshape


def _expand_back(g, shape, axes, keepdim):
    """Re-insert reduced axes (when keepdim was False) and broadcast to ``shape``."""
    if not keepdim and shape:
        kept = list(shape)
        for a in axes:
            kept[a] = 1
        g = Reshape.apply(g, shape=tuple(kept))
    return Expand.apply(g, shape=shape)


class Sum(Op):
    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Op):
    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.n = n
        return np.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        scale = 1.0 / ctx.n if ctx.n else float("nan")
        return _expand_back(Mul.apply(gy, const(gy, scale)), ctx.shape, ctx.axes, ctx.keepdim)


class MaxAll(Op):
    """Max (or min) over every element; ties share the gradient evenly, as torch's max()."""

    category = "reduction"
    node_name = "MaxBackward1"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, mode):
        if x.size == 0:
            raise RuntimeError(
                f"{mode}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument.")
        y = np.max(x) if mode == "max" else np.min(x)
        mask = x == y
        ctx.share = mask / float(np.count_nonzero(mask))
        ctx.shape = x.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        return Mul.apply(Expand.apply(gy, shape=ctx.shape), const(gy, ctx.share))


def _along(idx, dim):
    """The NumPy advanced index that addresses ``idx`` (positions along ``dim``, with that dim
    kept at size 1) in an array whose other dims match idx's."""
    grids = list(np.ogrid[tuple(slice(0, n) for n in idx.shape)])
    grids[dim] = idx
    return tuple(grids)


class MaxDim(Op):
    """Max (or min) along one dim; returns (values, indices); the gradient goes to the index."""

    category = "reduction"
    node_name = "MaxBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, mode):
        if x.ndim == 0:
            ctx.shape, ctx.dim = x.shape, None
            return x.copy(), np.zeros((), dtype=np.int64)
        if x.shape[dim] == 0:
            raise IndexError(
                f"{mode}(): Expected reduction dim {dim} to have non-zero size "
                f"(input shape {x.shape})")
        idx = np.argmax(x, axis=dim) if mode == "max" else np.argmin(x, axis=dim)
        idx = np.expand_dims(idx, dim)
        y = np.take_along_axis(x, idx, axis=dim)
        ctx.shape, ctx.dim, ctx.keep_shape = x.shape, dim, idx.shape
        ctx.index = _along(idx, dim)
        if not keepdim:
            y = np.squeeze(y, dim)
            idx = np.squeeze(idx, dim)
        return y, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, gy):
        if ctx.dim is None:
            return gy
        gy = Reshape.apply(gy, shape=ctx.keep_shape)  # idx was taken with the dim kept
        return IndexScatter.apply(gy, shape=ctx.shape, index=ctx.index)


class Var(Op):
    """Variance with ``correction`` (1 = unbiased, torch's default); std when ``sqrt``."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, sqrt):
        n = 1
        for a in axes:
            n *= x.shape[a]
        mu = np.mean(x, axis=axes, keepdims=True)
        d = x - mu
        denom = max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.sum(d * d, axis=axes, keepdims=keepdim) / float(denom) if denom else \
                np.full(np.sum(d, axis=axes, keepdims=keepdim).shape, np.nan, dtype=x.dtype)
            if sqrt:
                y = np.sqrt(y)
        y = np.asarray(y, dtype=x.dtype)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom, ctx.sqrt = x.shape, axes, keepdim, denom, sqrt
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        scale = 2.0 / ctx.denom if ctx.denom else float("nan")
        if ctx.sqrt:
            # d std = d var / (2 std)
            gy = Div.apply(gy, Add.apply(y, y))
        d = Sub.apply(x, Mean.apply(x, axes=ctx.axes, keepdim=True))
        g = _expand_back(Mul.apply(gy, const(gy, scale)), ctx.shape, ctx.axes, ctx.keepdim)
        return Mul.apply(g, d)
