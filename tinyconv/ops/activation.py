"""Activations: ReLU, LeakyReLU, GELU (exact and tanh), Sigmoid, Tanh, Softmax, LogSoftmax, Dropout.

Legend: x input, y output, gy/gx gradients; ``dim`` is a non-negative axis.  Every formula is
written so that no intermediate overflows (no NumPy warnings for any finite input).
"""
import math

import numpy as np

from .._engine import Function
from ._kernels import act as K


class ReLU(Function):
    category = "activation"
    node_name = "ReluBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y > 0)  # the gradient at 0 is 0, as torch's


class LeakyReLU(Function):
    category = "activation"
    node_name = "LeakyReluBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        pos = x > 0
        y = np.where(pos, x, x * negative_slope)
        ctx.slope = negative_slope
        ctx.save_for_backward(pos)
        return y

    @staticmethod
    def backward(ctx, gy):
        (pos,) = ctx.saved_tensors
        return np.where(pos, gy, gy * ctx.slope)


# ---------------------------------------------------------------------------- GELU
# NumPy has no erf: the exact GELU runs libm's erf/erff in a Cython kernel (_act.pxi).
_SQRT_2_PI = math.sqrt(2.0 / math.pi)


class GELU(Function):
    """y = x * Phi(x); 'tanh' uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    category = "activation"
    node_name = "GeluBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "tanh":
            u = (x + 0.044715 * (x * x * x)) * _SQRT_2_PI
            th = np.tanh(u)
            ctx.save_for_backward(x, th)
            return 0.5 * x * (1.0 + th)
        y, cdf = K.gelu_forward(x)
        ctx.save_for_backward(x, cdf)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, s = ctx.saved_tensors
        if ctx.approximate == "tanh":
            du = _SQRT_2_PI * (1.0 + (3.0 * 0.044715) * (x * x))
            return gy * (0.5 * (1.0 + s) + 0.5 * x * (1.0 - s * s) * du)
        return K.gelu_backward(x, s, gy)


class Sigmoid(Function):
    category = "activation"

    @staticmethod
    def forward(ctx, x):
        y = sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y * (1.0 - y))


def sigmoid(x):
    """Overflow-free logistic function of an ndarray: exp is only taken of -|x|."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


class Tanh(Function):
    category = "activation"

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1.0 - y * y)


def log_softmax(x, dim):
    """Stable log-softmax of an ndarray along ``dim``."""
    z = x - x.max(axis=dim, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


class Softmax(Function):
    category = "activation"

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
        gx = gy * y
        gx -= y * gx.sum(axis=ctx.dim, keepdims=True)
        return gx


class LogSoftmax(Function):
    category = "activation"

    @staticmethod
    def forward(ctx, x, dim):
        y = log_softmax(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - np.exp(y) * gy.sum(axis=ctx.dim, keepdims=True)


class Dropout(Function):
    """y = x * mask / (1 - p), with mask ~ Bernoulli(1 - p) drawn from ``rng``."""

    category = "activation"

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
        (m,) = ctx.saved_tensors
        return gy * m
