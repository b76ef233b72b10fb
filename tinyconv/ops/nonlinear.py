"""More activations: the piecewise-linear family (hardtanh/relu6, hardswish, hardsigmoid,
threshold, hardshrink, softshrink) and the smooth one (silu, elu/selu/celu, softplus,
logsigmoid, mish).

Legend: x input, y output, gy/gx gradients.  A piecewise-linear op's backward multiplies gy
by a constant mask (its second derivative is zero, as torch's); a smooth op's backward is
written with ops of x, so it differentiates again.  Every formula keeps its intermediates
finite for any finite input (exp is only taken of non-positive numbers).  The masks use
torch's conventions at the kinks (which side a boundary point belongs to).
"""
import numpy as np

from .._engine import Op
from .activation import Sigmoid, Tanh, sigmoid
from .elementwise import Add, Exp, Mul, Sub, Where, const


def _masked_grad(gy, mask, scale=1.0):
    """gy * scale where ``mask`` (a boolean array), else 0."""
    if scale != 1.0:
        gy = Mul.apply(gy, const(gy, scale))
    return Where.apply(gy, const(gy, 0), cond=mask)


class Hardtanh(Op):
    """y = clip(x, min_val, max_val); the gradient passes strictly inside (torch's rule)."""

    category = "activation"
    node_name = "HardtanhBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.inside = (x > min_val) & (x < max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return _masked_grad(gy, ctx.inside)


class Threshold(Op):
    """y = x where x > threshold, else value."""

    category = "activation"
    node_name = "ThresholdBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, threshold, value):
        keep = x > threshold
        ctx.keep = keep
        return np.where(keep, x, np.asarray(value, dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return _masked_grad(gy, ctx.keep)


class Hardshrink(Op):
    """y = x where |x| > lambd, else 0."""

    category = "activation"
    node_name = "HardshrinkBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        keep = (x > lambd) | (x < -lambd)
        ctx.keep = keep
        return np.where(keep, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return _masked_grad(gy, ctx.keep)


class Softshrink(Op):
    """y = x - lambd where x > lambd, x + lambd where x < -lambd, else 0."""

    category = "activation"
    node_name = "SoftshrinkBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        lam = np.asarray(lambd, dtype=x.dtype)
        ctx.keep = (x > lambd) | (x < -lambd)
        return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, np.zeros((), x.dtype)))

    @staticmethod
    def backward(ctx, gy):
        return _masked_grad(gy, ctx.keep)


class Hardsigmoid(Op):
    """y = clip(x / 6 + 1/2, 0, 1); the gradient 1/6 strictly inside (-3, 3)."""

    category = "activation"
    node_name = "HardsigmoidBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.inside = (x > -3.0) & (x < 3.0)
        return np.clip(x + 3.0, 0.0, 6.0).astype(x.dtype, copy=False) / 6.0

    @staticmethod
    def backward(ctx, gy):
        return _masked_grad(gy, ctx.inside, _ONE_SIXTH)


# torch's hardsigmoid backward multiplies by 1/6 rounded to float32, in every dtype
_ONE_SIXTH = float(np.float32(1.0 / 6.0))


class Hardswish(Op):
    """y = x * hardsigmoid(x): 0 below -3, x (x + 3) / 6 on [-3, 3], x above 3."""

    category = "activation"
    node_name = "HardswishBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3.0, 0.0, 6.0).astype(x.dtype, copy=False) / 6.0

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xa = x._data
        # torch: 0 where x <= -3, x/3 + 1/2 where -3 < x < 3, 1 where x >= 3
        mid = Add.apply(Mul.apply(x, const(x, 1.0 / 3.0)), const(x, 0.5))
        slope = Where.apply(mid, const(x, 1.0), cond=xa < 3.0)
        slope = Where.apply(slope, const(x, 0.0), cond=xa > -3.0)
        return Mul.apply(gy, slope)


class SiLU(Op):
    """y = x * sigmoid(x); gx = gy * s (1 + x (1 - s)) with s = sigmoid(x)."""

    category = "activation"
    node_name = "SiluBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * sigmoid(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = Sigmoid.apply(x)
        inner = Add.apply(const(x, 1.0), Mul.apply(x, Sub.apply(const(x, 1.0), s)))
        return Mul.apply(gy, Mul.apply(s, inner))


def _negative_part(x):
    """x where x <= 0, else 0, as a tensor (its exp never overflows)."""
    return Mul.apply(x, const(x, x._data <= 0))


class ELU(Op):
    """y = scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1).

    ELU (scale = input_scale = 1), SELU (torch's constants) and CELU (input_scale = 1/alpha).
    ``backward_input_scale`` is the input scale the gradient uses (torch's CELU backward
    takes 1/alpha with alpha rounded to float32).
    """

    category = "activation"
    node_name = "EluBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale, backward_input_scale=None):
        ctx.alpha, ctx.scale = alpha, scale
        ctx.input_scale = input_scale if backward_input_scale is None else backward_input_scale
        ctx.save_for_backward(x)
        pos = x > 0
        neg = np.expm1(np.where(pos, 0.0, x) * input_scale) * (alpha * scale)
        return np.where(pos, x * scale, neg).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        e = Exp.apply(Mul.apply(_negative_part(x), const(x, ctx.input_scale)))
        neg = Mul.apply(e, const(x, ctx.alpha * ctx.scale * ctx.input_scale))
        slope = Where.apply(const(x, ctx.scale), neg, cond=x._data > 0)
        return Mul.apply(gy, slope)


def softplus(x, beta, threshold):
    """log(1 + exp(beta x)) / beta of an ndarray, linear where beta x > threshold."""
    z = x * beta
    sp = (np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) * (1.0 / beta)
    return np.where(z > threshold, x, sp).astype(x.dtype, copy=False)


class Softplus(Op):
    """y = log(1 + exp(beta x)) / beta (x where beta x > threshold); gx = gy sigmoid(beta x)."""

    category = "activation"
    node_name = "SoftplusBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        return softplus(x, beta, threshold)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = Sigmoid.apply(Mul.apply(x, const(x, ctx.beta)))
        return Where.apply(gy, Mul.apply(gy, s), cond=x._data * ctx.beta > ctx.threshold)


class LogSigmoid(Op):
    """y = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)); gx = gy * sigmoid(-x)."""

    category = "activation"
    node_name = "LogSigmoidBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Mul.apply(gy, Sigmoid.apply(Mul.apply(x, const(x, -1.0))))


class Mish(Op):
    """y = x tanh(softplus(x)); gx = gy (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))."""

    category = "activation"
    node_name = "MishBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(softplus(x, 1.0, 20.0))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        t = Tanh.apply(Softplus.apply(x, beta=1.0, threshold=20.0))
        one = const(x, 1.0)
        dt = Mul.apply(Mul.apply(x, Sigmoid.apply(x)), Sub.apply(one, Mul.apply(t, t)))
        return Mul.apply(gy, Add.apply(t, dt))
