"""The p-norm along axes, with torch's gradient conventions (the op under normalize,
cosine_similarity, pairwise_distance and cdist).

Legend: x input, y = ||x||_p over ``axes``, gy/gx gradients.  torch's rules: the gradient is
0 where the norm is 0 (p > 0); p = inf splits it evenly among the elements of largest
magnitude; p = 0 (the count of non-zeros) has none.  The backward is written with ops, so
it differentiates again away from those points.
"""
import math

import numpy as np

from .._engine import Op
from .elementwise import Abs, Div, Mul, Pow, Where, const
from .reduce import _expand_back, vector_norm_values


class PNorm(Op):
    category = "reduction"
    node_name = "LinalgVectorNormBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p, ctx.axes, ctx.keepdim, ctx.shape = p, axes, keepdim, x.shape
        y = vector_norm_values(x, p, axes, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return Mul.apply(x, const(x, 0.0))
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        yb = _expand_back(y, ctx.shape, ctx.axes, ctx.keepdim)
        sign = const(x, np.sign(x._data))
        if p == 1:
            return Mul.apply(g, sign)
        if p == math.inf:
            mask = (np.abs(x._data) == yb._data) & (yb._data > 0)
            count = np.sum(mask, axis=ctx.axes, keepdims=True).astype(x._data.dtype)
            share = np.where(mask, 1.0 / np.maximum(count, 1.0), 0.0).astype(x._data.dtype)
            return Mul.apply(Mul.apply(g, sign), const(x, share))
        zero = yb._data == 0
        safe = Where.apply(const(yb, 1.0), yb, cond=zero) if zero.any() else yb
        if p == 2:
            gx = Mul.apply(x, Div.apply(g, safe))
        else:
            # x |x|^(p-2) g / y^(p-1)
            scale = Div.apply(g, Pow.apply(safe, const(x, p - 1.0)))
            gx = Mul.apply(Mul.apply(x, Pow.apply(Abs.apply(x), const(x, p - 2.0))), scale)
        if zero.any():
            gx = Where.apply(const(x, 0.0), gx, cond=np.broadcast_to(zero, x._data.shape))
        return gx
