"""Elementwise loss terms that need torch's own backward formula: binary cross entropy.

Legend: x probabilities, t targets, l per-element loss, gy/gx/gt gradients.  The reductions
are applied by the caller with the reduction ops.  Backward rules are written with ops.
"""
import numpy as np

from .._engine import Op
from .elementwise import Clamp, Div, Log, Mul, Sub, const

# torch's bounds: log terms clamped at -100, the gradient's denominator x (1 - x) at 1e-12
# (rounded to float32, as torch's kernel has it in every dtype)
_LOG_MIN = -100.0
_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Op):
    """l = -(t max(log x, -100) + (1 - t) max(log(1 - x), -100)).

    gx = gy (x - t) / max(x (1 - x), 1e-12) (finite at x = 0 and x = 1) and
    gt = gy (log(1 - x) - log x) (= -logit(x), infinite there), torch's formulas.
    """

    category = "loss"
    node_name = "BinaryCrossEntropyBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), _LOG_MIN)
            l1x = np.maximum(np.log1p(-x), _LOG_MIN)
        return -(t * lx + (1.0 - t) * l1x)

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        one = const(x, 1.0)
        gx = gt = None
        if nx:
            denom = Clamp.apply(Mul.apply(x, Sub.apply(one, x)), min=_EPS, max=None)
            gx = Div.apply(Mul.apply(gy, Sub.apply(x, t)), denom)
        if nt:
            gt = Mul.apply(gy, Sub.apply(Log.apply(Sub.apply(one, x)), Log.apply(x)))
        return gx, gt
