"""Scans along a dimension: cumulative sum and product.

Legend: x input, y output, gy/gx gradients, ``dim`` a non-negative axis.  The gradient of a
cumulative sum is the reversed cumulative sum of gy; of a cumulative product, the reversed
cumulative sum of gy * y divided by x, with torch's care for zeros (before the first zero of a
slice the division is safe, at it the product of the others is recomputed, after it the
gradient is zero).  Backward rules are written with ops, so they differentiate again.
"""
import numpy as np

from .._engine import Op
from .elementwise import Div, Mul, Where, const

__all__ = ["Cumsum", "Cumprod"]


def _cumsum(x, dim, reverse):
    if not reverse:
        return np.cumsum(x, axis=dim, dtype=x.dtype)
    return np.flip(np.cumsum(np.flip(x, dim), axis=dim, dtype=x.dtype), dim)


class Cumsum(Op):
    """y_i = sum of x_j for j <= i along dim (j >= i when ``reverse``)."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, reverse=False):
        ctx.dim, ctx.reverse = dim, reverse
        return _cumsum(x, dim, reverse)

    @staticmethod
    def backward(ctx, gy):
        return Cumsum.apply(gy, dim=ctx.dim, reverse=not ctx.reverse)


class Cumprod(Op):
    """y_i = product of x_j for j <= i along dim."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = np.cumprod(x, axis=dim, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        dim = ctx.dim
        xd = x._data
        zero = xd == 0
        if not zero.any():
            return Div.apply(Cumsum.apply(Mul.apply(gy, y), dim=dim, reverse=True), x)
        seen = np.cumsum(zero, axis=dim)
        before = seen == 0  # positions before the first zero of their slice
        first = zero & (seen == 1)  # the first zero itself
        one = const(x, 1.0)
        x_safe = Where.apply(one, x, cond=zero)
        g_before = Div.apply(Cumsum.apply(Mul.apply(gy, y), dim=dim, reverse=True), x_safe)
        # at the first zero: sum over i >= z of gy_i * (product of x_j, j <= i, j != z)
        y_without = Cumprod.apply(Where.apply(one, x, cond=first), dim=dim)
        g_first = Cumsum.apply(Mul.apply(gy, y_without), dim=dim, reverse=True)
        return Where.apply(g_before, Where.apply(g_first, const(gy, 0.0), cond=first),
                           cond=before)
