"""Shape ops: reshape, permute, expand, cat, stack, indexing.

Legend: x input, y output, gy/gx gradients.
"""
import numpy as np

from .._engine import Function


class Reshape(Function):
    category = "layout"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape)


class Permute(Function):
    category = "layout"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inv = tuple(np.argsort(dims))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, gy):
        return gy.transpose(ctx.inv)


class Expand(Function):
    """Broadcast to a larger shape (a read-only view); the engine sums the gradient back."""

    category = "layout"

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy


class Contiguous(Function):
    """A C-contiguous copy (identity for the gradient)."""

    category = "layout"

    @staticmethod
    def forward(ctx, x):
        return x.copy(order="C")

    @staticmethod
    def backward(ctx, gy):
        return gy


class Cat(Function):
    category = "layout"

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.splits = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        parts = np.split(gy, ctx.splits, axis=ctx.dim)
        return tuple(p if n else None for p, n in zip(parts, ctx.needs_input_grad))


class Stack(Function):
    category = "layout"

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        n = gy.shape[ctx.dim]
        return tuple(np.take(gy, i, axis=ctx.dim) if need else None
                     for i, need in zip(range(n), ctx.needs_input_grad))


def is_advanced_index(index):
    """True when ``index`` uses integer-array or boolean indexing (numpy 'advanced')."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


class GetItem(Function):
    """y = x[index]; repeated integer indices accumulate their gradients."""

    category = "layout"

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        gx = np.zeros(ctx.shape, dtype=gy.dtype)
        if is_advanced_index(ctx.index):
            np.add.at(gx, ctx.index, gy)
        else:
            gx[ctx.index] = gy
        return gx
