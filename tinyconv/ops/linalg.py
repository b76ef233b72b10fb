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


class Addmm(Op):
    """y = c + a @ b for a (n, m), b (m, k), c (k,): torch's ``addmm``, the node of ``linear``
    with a bias (there a is the input as rows and b is ``weight.t()``).

    b's gradient is computed as (gy.T @ a).T: when b is a transposed weight, the weight's own
    gradient (its transpose) is then C-contiguous.
    """

    category = "linear"
    node_name = "AddmmBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, c, a, b):
        y = np.matmul(a, b)  # (n, k)
        y += c
        ctx.save_for_backward(a, b)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        nc, na, nb = ctx.needs_input_grad
        gc = Sum.apply(gy, axes=(0,), keepdim=False) if nc else None
        ga = MatMul.apply(gy, _swap(b)) if na else None  # (n, m)
        gb = _swap(MatMul.apply(_swap(gy), a)) if nb else None  # (m, k), a view of (k, m)
        return gc, ga, gb
