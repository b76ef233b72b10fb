"""Activations: ReLU, LeakyReLU, GELU (exact and tanh), Sigmoid, Tanh, Softmax, LogSoftmax, Dropout.

Legend: x input, y output, gy/gx gradients, gg the gradient of a gradient; ``dim`` is a
non-negative axis.  Every formula is written so that no intermediate overflows (no NumPy
warnings for any finite input).  Backward rules are written with ops, so they differentiate
again; GELU's backward is an op of its own (its fast kernel forward, and a second derivative
written with ops).
"""
import math

import numpy as np

from .._engine import Op
from ._kernels import act as K
from .elementwise import Add, Exp, Mul, Sub, const
from .reduce import Sum


class ReLU(Op):
    category = "activation"
    node_name = "ReluBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = K.relu_forward(x)
        if y is None:
            y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(gy, y, slope=0.0)


class ThresholdBackward(Op):
    """gx = gy where x > 0 else slope * gy (ReLU: slope 0; LeakyReLU), from gy and the
    forward's output y (y > 0 exactly where x > 0, for any slope >= 0).

    A gradient where x <= 0 is dropped even when it is nan, as torch's; where x is nan,
    ReLU passes gy and LeakyReLU gives slope * gy, as torch's.  Its backward, as
    torch defines it: this op again for gy, and zeros (not "unused") for y, so a
    second derivative through ReLU is zero rather than missing.
    """

    category = "activation"
    node_name = "ThresholdBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, y, slope):
        ctx.slope = slope
        ctx.save_for_backward(y)
        gx = K.threshold_backward(y, gy, slope)
        if gx is not None:
            return gx
        if slope == 0:  # a nan y lets gy through, as torch's threshold_backward
            return np.where(y <= 0, np.zeros((), dtype=gy.dtype), gy)
        return np.where(y > 0, gy, gy * slope)

    @staticmethod
    def backward(ctx, gg):
        (y,) = ctx.saved_tensors
        ngy, ny = ctx.needs_input_grad
        ggy = ThresholdBackward.apply(gg, y, slope=ctx.slope) if ngy else None
        gyy = const(gg, np.zeros(y._data.shape, dtype=gg._data.dtype)) if ny else None
        return ggy, gyy


class LeakyReLU(Op):
    category = "activation"
    node_name = "LeakyReluBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        y = np.where(x > 0, x, x * negative_slope)
        ctx.slope = negative_slope
        # the sign of y is x's when the slope is positive; otherwise keep x's own
        ctx.save_for_backward(y if negative_slope > 0 else x)
        return y

    @staticmethod
    def backward(ctx, gy):
        (s,) = ctx.saved_tensors
        return ThresholdBackward.apply(gy, s, slope=ctx.slope)


# ---------------------------------------------------------------------------- GELU
# NumPy has no erf: the exact GELU runs libm's erf/erff in a Cython kernel (_act.pxi).
_SQRT_2_PI = math.sqrt(2.0 / math.pi)


class GELU(Op):
    """y = x * Phi(x); 'tanh' uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    category = "activation"
    node_name = "GeluBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "tanh":
            th = np.tanh(_tanh_arg(x))
            ctx.save_for_backward(x, th)
            return 0.5 * x * (1.0 + th)
        y, cdf = K.gelu_forward(x)
        ctx.save_for_backward(x, cdf)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, aux = ctx.saved_tensors
        return GeluBackward.apply(gy, x, approximate=ctx.approximate, aux=aux._data)


def _tanh_arg(x):
    """u = sqrt(2/pi) (x + 0.044715 x^3), the argument of tanh in the 'tanh' GELU."""
    return (x + _GELU_K * (x * x * x)) * _SQRT_2_PI


_GELU_K = 0.044715


class GeluBackward(Op):
    """gx = gy * gelu'(x), with gelu' = Phi + x phi (exact) or its 'tanh' counterpart.

    Inputs: gy, x.  ``aux`` is Phi(x) (exact) or tanh(u) ('tanh') when the caller has it;
    a second derivative recomputes it.  The backward: d/dgy is this op again, d/dx is
    gg * gy * gelu''(x) written with ops (so it differentiates once more).
    """

    category = "activation"
    node_name = "GeluBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, approximate="none", aux=None):
        ctx.approximate = approximate
        ctx.save_for_backward(gy, x)
        if approximate == "tanh":
            s = np.tanh(_tanh_arg(x)) if aux is None else aux
            du = _SQRT_2_PI * (1.0 + (3.0 * _GELU_K) * (x * x))
            return gy * (0.5 * (1.0 + s) + 0.5 * x * (1.0 - s * s) * du)
        if aux is None:
            aux = K.gelu_forward(x)[1]
        return K.gelu_backward(x, aux, gy)

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        ngy, nx = ctx.needs_input_grad
        ggy = GeluBackward.apply(gg, x, approximate=ctx.approximate) if ngy else None
        gx = Mul.apply(Mul.apply(gg, gy), _gelu_second(x, ctx.approximate)) if nx else None
        return ggy, gx


def _gelu_second(x, approximate):
    """gelu''(x) as a tensor written with ops: phi(x) (2 - x^2) exact; for 'tanh', with
    s = tanh(u), u' = c (1 + 3k x^2), u'' = 6 c k x: (1 - s^2) (u' + x/2 (u'' - 2 s u'^2))."""
    x2 = Mul.apply(x, x)
    if approximate == "tanh":
        c, k = _SQRT_2_PI, _GELU_K
        u = Mul.apply(Add.apply(x, Mul.apply(Mul.apply(x2, x), const(x, k))), const(x, c))
        s = Tanh.apply(u)
        du = Mul.apply(Add.apply(const(x, 1.0), Mul.apply(x2, const(x, 3.0 * k))), const(x, c))
        ddu = Mul.apply(x, const(x, 6.0 * c * k))
        inner = Sub.apply(ddu, Mul.apply(Mul.apply(s, const(x, 2.0)), Mul.apply(du, du)))
        bracket = Add.apply(du, Mul.apply(Mul.apply(x, const(x, 0.5)), inner))
        return Mul.apply(Sub.apply(const(x, 1.0), Mul.apply(s, s)), bracket)
    phi = Mul.apply(Exp.apply(Mul.apply(x2, const(x, -0.5))), const(x, _INV_SQRT_2PI))
    return Mul.apply(phi, Sub.apply(const(x, 2.0), x2))


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Sigmoid(Op):
    category = "activation"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, Mul.apply(y, Sub.apply(const(y, 1.0), y)))


def sigmoid(x):
    """Overflow-free logistic function of an ndarray: exp is only taken of -|x|."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


class Tanh(Op):
    category = "activation"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, Sub.apply(const(y, 1.0), Mul.apply(y, y)))


def log_softmax(x, dim):
    """Stable log-softmax of an ndarray along ``dim``."""
    z = x - x.max(axis=dim, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


class Softmax(Op):
    category = "activation"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        gx = Mul.apply(gy, y)
        return Sub.apply(gx, Mul.apply(y, Sum.apply(gx, axes=(ctx.dim,), keepdim=True)))


class LogSoftmax(Op):
    category = "activation"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        y = log_softmax(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        total = Sum.apply(gy, axes=(ctx.dim,), keepdim=True)
        return Sub.apply(gy, Mul.apply(Exp.apply(y), total))


class Dropout(Op):
    """y = x * mask / (1 - p), with mask ~ Bernoulli(1 - p) drawn from ``rng``."""

    category = "activation"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, p=0.5, rng=None):
        if p >= 1.0:
            m = np.zeros(x.shape, dtype=x.dtype)
        else:
            keep = rng.random(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
            m = (keep >= p).astype(x.dtype)
            m *= 1.0 / (1.0 - p)
        ctx.save_for_backward(m)
        return x * m

    @staticmethod
    def backward(ctx, gy):
        (m,) = ctx.saved_tensors  # a constant: the mask scaled by 1 / (1 - p)
        return Mul.apply(gy, m)
