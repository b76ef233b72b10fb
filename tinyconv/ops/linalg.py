"""Matrix products.

Legend: a (..., n, m), b (..., m, k), y (..., n, k); 1-D operands are promoted as in
``numpy.matmul`` (a vector on the left gains a leading 1, on the right a trailing 1) and the
added axis is removed again from y and from the gradients.  Backward rules are written with
ops (matmul of the gradient with the other operand), so they differentiate again.
"""
import numpy as np

from .._engine import Op
from .elementwise import Mul
from .reduce import Sum
from .shape import Permute, Reshape


def _swap(t):
    """t with its last two axes exchanged (a view)."""
    n = t._data.ndim
    return Permute.apply(t, dims=tuple(range(n - 2)) + (n - 1, n - 2))


class MatMul(Op):
    category = "linear"
    node_name = "MmBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        a_shape, b_shape = a._data.shape, b._data.shape
        if len(a_shape) == 1 and len(b_shape) == 1:  # dot product: gy is 0-d
            return (Mul.apply(gy, b) if na else None), (Mul.apply(gy, a) if nb else None)
        g_shape = gy._data.shape
        if len(a_shape) == 1:
            a = Reshape.apply(a, shape=(1,) + a_shape)
            g_shape = g_shape[:-1] + (1,) + g_shape[-1:]
        if len(b_shape) == 1:
            b = Reshape.apply(b, shape=b_shape + (1,))
            g_shape = g_shape + (1,)
        if g_shape != gy._data.shape:
            gy = Reshape.apply(gy, shape=g_shape)
        ga = gb = None
        if na:
            ga = MatMul.apply(gy, _swap(b))  # (..., n, m); the engine sums broadcast dims
            if len(a_shape) == 1:
                ga = Reshape.apply(ga, shape=ga._data.shape[:-2] + a_shape)
        if nb:
            gb = MatMul.apply(_swap(a), gy)  # (..., m, k)
            if len(b_shape) == 1:
                gb = Reshape.apply(gb, shape=gb._data.shape[:-1])
        return ga, gb


class Linear(Op):
    """y = x @ w.T + b for x (..., in_features), w (out_features, in_features), b (out_features,).

    Inputs: x, w, b (b may be None).  Leading dims of x are flattened into rows for the
    weight gradient: gw = gy2.T @ x2 with x2 (R, in_features), gy2 (R, out_features).
    """

    category = "linear"
    node_name = "AddmmBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, w, b):
        y = np.matmul(x, w.T)
        if b is not None:
            y += b
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        out_f, in_f = w._data.shape
        gx = gw = gb = None
        if nx:
            gx = MatMul.apply(gy, w)  # (..., in_features)
        if nw or nb:
            gy2 = Reshape.apply(gy, shape=(-1, out_f))  # (R, out_features)
            if nw:
                x2 = Reshape.apply(x, shape=(-1, in_f))
                gw = MatMul.apply(_swap(gy2), x2)  # (out_features, in_features)
            if nb:
                gb = Sum.apply(gy2, axes=(0,), keepdim=False)
        return gx, gw, gb
