"""Pointwise losses: MSE, L1, smooth L1, BCE with logits; and the reductions every loss shares.

Legend: x input, t target, d = x - t, l per-element loss, y reduced output, gy/gx/gt
gradients.  ``reduction`` is 'none', 'mean' or 'sum' (validated by nn.functional); n is the
number of loss elements.
"""
import numpy as np

from .._engine import Function
from .activation import sigmoid

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "BCEWithLogits"]


# ----------------------------------------------------------------------------- reductions
def reduce_loss(l, reduction):
    """The reduced loss of per-element losses ``l`` (NaN for the mean of nothing)."""
    if reduction == "none":
        return l
    if reduction == "sum":
        return l.sum()
    if l.size == 0:
        return np.array(np.nan, dtype=l.dtype)
    return l.sum() * (1.0 / l.size)


def grad_factor(gy, reduction, n):
    """d(reduced)/d(per-element loss) times gy: an array broadcastable to the loss shape."""
    if reduction == "none":
        return gy
    if reduction == "sum":
        return gy
    return gy * (1.0 / n) if n else gy * 0.0


class MSELoss(Function):
    category = "loss"
    node_name = "MseLossBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        d = x - t
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(d)
        return np.asarray(reduce_loss(d * d, reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        g = d * grad_factor(gy, ctx.reduction, ctx.n)
        g *= 2.0
        return (g if nx else None), (-g if nt else None)


class L1Loss(Function):
    category = "loss"

    @staticmethod
    def forward(ctx, x, t, reduction="mean"):
        d = x - t
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(d)
        return np.asarray(reduce_loss(np.abs(d), reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        g = np.sign(d) * grad_factor(gy, ctx.reduction, ctx.n)
        return (g if nx else None), (-g if nt else None)


class SmoothL1Loss(Function):
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: plain L1)."""

    category = "loss"

    @staticmethod
    def forward(ctx, x, t, reduction="mean", beta=1.0):
        d = x - t
        ad = np.abs(d)
        if beta == 0.0:
            l = ad
        else:
            l = np.where(ad < beta, (0.5 / beta) * (d * d), ad - 0.5 * beta)
        ctx.reduction, ctx.n, ctx.beta = reduction, d.size, beta
        ctx.save_for_backward(d)
        return np.asarray(reduce_loss(l, ctx.reduction), dtype=d.dtype)

    @staticmethod
    def backward(ctx, gy):
        (d,) = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        beta = ctx.beta
        if beta == 0.0:
            g = np.sign(d)
        else:
            g = np.where(np.abs(d) < beta, d * (1.0 / beta), np.sign(d))
        g *= grad_factor(gy, ctx.reduction, ctx.n)
        return (g if nx else None), (-g if nt else None)


class BCEWithLogits(Function):
    """l = weight * ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)).

    softplus(-x) = log1p(exp(-|x|)) + max(-x, 0) never overflows.  weight and pos_weight are
    constant ndarrays (torch does not differentiate them either).
    """

    category = "loss"
    node_name = "BinaryCrossEntropyWithLogitsBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x)
        lw = None if pos_weight is None else 1.0 + (pos_weight - 1.0) * t
        l = (1.0 - t) * x + (sp if lw is None else lw * sp)
        if weight is not None:
            l *= weight
        ctx.reduction, ctx.n = reduction, l.size
        ctx.save_for_backward(x, t, sp, lw, weight, pos_weight)
        return np.asarray(reduce_loss(l, reduction), dtype=l.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, t, sp, lw, weight, pos_weight = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        f = grad_factor(gy, ctx.reduction, ctx.n)
        if weight is not None:
            f = f * weight
        gx = gt = None
        if nx:
            s_neg = sigmoid(-x)
            gx = (1.0 - t) - (s_neg if lw is None else lw * s_neg)
            gx = gx * f
        if nt:
            gt = -x if pos_weight is None else (pos_weight - 1.0) * sp - x
            gt = gt * f
        return gx, gt
