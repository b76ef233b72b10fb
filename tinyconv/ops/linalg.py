"""Matrix products.

Legend: a (..., n, m), b (..., m, k), y (..., n, k); 1-D operands are promoted as in
``numpy.matmul`` (a vector on the left gains a leading 1, on the right a trailing 1) and the
added axis is removed again from y and from the gradients.
"""
import numpy as np

from .._engine import Function


class MatMul(Function):
    category = "linear"
    node_name = "MmBackward0"  # torch's name for this node

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


class Linear(Function):
    """y = x @ w.T + b for x (..., in_features), w (out_features, in_features), b (out_features,).

    Inputs: x, w, b (b may be None).  Leading dims of x are flattened into rows for the
    weight gradient: gw = gy2.T @ x2 with x2 (R, in_features), gy2 (R, out_features).
    """

    category = "linear"
    node_name = "AddmmBackward0"  # torch's name for this node

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
        gx = gw = gb = None
        if nx:
            gx = np.matmul(gy, w)  # (..., in_features)
        if nw or nb:
            gy2 = gy.reshape(-1, w.shape[0])  # (R, out_features)
            if nw:
                gw = gy2.T @ x.reshape(-1, w.shape[1])  # (out_features, in_features)
            if nb:
                gb = gy2.sum(axis=0)
        return gx, gw, gb
