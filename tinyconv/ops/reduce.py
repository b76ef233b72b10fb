"""Reductions: sum, mean, max/min (full and along a dim), var/std.

Legend: x input, y output, gy/gx gradients; ``axes`` is the tuple of reduced axes.
"""
import numpy as np

from .._engine import Function


def _expand_back(g, shape, axes, keepdim):
    """Re-insert reduced axes (when keepdim was False) and broadcast to ``shape``."""
    if not keepdim and shape:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function):
    category = "reduction"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    category = "reduction"

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
        return _expand_back(gy * scale, ctx.shape, ctx.axes, ctx.keepdim)


class MaxAll(Function):
    """Max (or min) over every element; ties share the gradient evenly, as torch's max()."""

    category = "reduction"

    @staticmethod
    def forward(ctx, x, mode):
        if x.size == 0:
            raise RuntimeError(
                f"{mode}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument.")
        y = np.max(x) if mode == "max" else np.min(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        mask = x == y
        count = float(np.count_nonzero(mask))
        return mask * (gy / count)


class MaxDim(Function):
    """Max (or min) along one dim; returns (values, indices); the gradient goes to the index."""

    category = "reduction"

    @staticmethod
    def forward(ctx, x, dim, keepdim, mode):
        if x.ndim == 0:
            idx = np.zeros((), dtype=np.int64)
            ctx.shape, ctx.dim, ctx.keepdim = x.shape, None, keepdim
            ctx.save_for_backward(idx)
            return x.copy(), idx
        if x.shape[dim] == 0:
            raise IndexError(
                f"{mode}(): Expected reduction dim {dim} to have non-zero size "
                f"(input shape {x.shape})")
        idx = np.argmax(x, axis=dim) if mode == "max" else np.argmin(x, axis=dim)
        idx = np.expand_dims(idx, dim)
        y = np.take_along_axis(x, idx, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(idx)
        if not keepdim:
            y = np.squeeze(y, dim)
            idx = np.squeeze(idx, dim)
        return y, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (idx,) = ctx.saved_tensors
        if ctx.dim is None:
            return gy.copy()
        if not ctx.keepdim:
            gy = np.expand_dims(gy, ctx.dim)  # idx was saved with the dim kept
        gx = np.zeros(ctx.shape, dtype=gy.dtype)
        np.put_along_axis(gx, idx, gy, axis=ctx.dim)
        return gx


class Var(Function):
    """Variance with ``correction`` (1 = unbiased, torch's default); std when ``sqrt``."""

    category = "reduction"

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
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom, ctx.sqrt = x.shape, axes, keepdim, denom, sqrt
        ctx.save_for_backward(d, y)
        return np.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        d, y = ctx.saved_tensors
        scale = 2.0 / ctx.denom if ctx.denom else float("nan")
        if ctx.sqrt:
            # d std = d var / (2 std)
            gy = gy / (y + y)
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        return g * d * scale
