"""Matrix products.

Legend: a (..., n, m), b (..., m, k), y (..., n, k); 1-D operands are promoted as in
``numpy.matmul`` (a vector on the left gains a leading 1, on the right a trailing 1) and the
added axis is removed again from y and from the gradients.
"""
import numpy as np

from ..autograd import Function


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot product: gy is 0-d
            return (gy * b if na else None), (gy * a if nb else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            gy = np.expand_dims(gy, -2)
        if b.ndim == 1:
            gy = np.expand_dims(gy, -1)
        ga = gb = None
        if na:
            ga = np.matmul(gy, np.swapaxes(b2, -1, -2))  # (..., n, m)
            if a.ndim == 1:
                ga = ga.reshape(ga.shape[:-2] + (a.shape[0],)) if ga.ndim > 2 else ga[0]
        if nb:
            gb = np.matmul(np.swapaxes(a2, -1, -2), gy)  # (..., m, k)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb
