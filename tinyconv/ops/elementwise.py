"""Elementwise ops: arithmetic with broadcasting, pow/exp/log/sqrt/abs/clamp, casts, where.

Legend: x, a, b inputs; y output; gy, gx, ga, gb gradients.  Broadcast gradients are returned
at the output's shape; the engine sums them back to each input's shape.
"""
import numpy as np

from .._engine import Function


def _quiet():
    """inf/nan results are values here, as in torch, not NumPy warnings."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, gy):
        na, nb = ctx.needs_input_grad
        return (gy if na else None), (gy if nb else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, gy):
        na, nb = ctx.needs_input_grad
        return (gy if na else None), (-gy if nb else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (gy * b if na else None), (gy * a if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet():
            return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        with _quiet():
            ga = gy / b if na else None
            gb = -gy * a / (b * b) if nb else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return -gy


class Pow(Function):
    """y = a ** b for tensors a, b (a scalar exponent arrives as a 0-d array)."""

    @staticmethod
    def forward(ctx, a, b):
        with _quiet():
            y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        with _quiet():
            if na:
                if b.ndim == 0 and b == 2:
                    ga = gy * (a + a)
                else:
                    ga = gy * b * a ** (b - 1)
            if nb:
                # d(a^b)/db = a^b * log(a); torch defines it as 0 where a == 0 and b >= 0
                gb = np.where((a == 0) & (b >= 0), 0, gy * y * np.log(a)).astype(y.dtype,
                                                                                 copy=False)
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        with _quiet():
            return gy / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        with _quiet():
            return gy / (y + y)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * np.sign(x)


class Clamp(Function):
    """y = min(max(x, min), max); the gradient passes where min <= x <= max (as torch)."""

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        y = np.clip(x, min, max) if (min is not None or max is not None) else x.copy()
        if y.dtype != x.dtype:
            y = y.astype(x.dtype)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = min, max
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        keep = np.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= x >= ctx.lo
        if ctx.hi is not None:
            keep &= x <= ctx.hi
        return gy * keep


class Cast(Function):
    """Change dtype; the gradient is cast back by the engine."""

    category = "layout"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return gy


class Where(Function):
    """y = a where cond else b; cond is a plain boolean ndarray parameter."""

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        (cond,) = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        zero = np.zeros((), dtype=gy.dtype)
        ga = np.where(cond, gy, zero) if na else None
        gb = np.where(cond, zero, gy) if nb else None
        return ga, gb


class Maximum(Function):
    """Elementwise max of two tensors; a tie splits the gradient evenly (as torch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return _split_by_winner(gy, a > b, a == b, ctx.needs_input_grad)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return _split_by_winner(gy, a < b, a == b, ctx.needs_input_grad)


def _split_by_winner(gy, a_wins, tie, needs):
    half = gy * 0.5
    zero = np.zeros((), dtype=gy.dtype)
    ga = np.where(a_wins, gy, np.where(tie, half, zero)) if needs[0] else None
    gb = np.where(a_wins, zero, np.where(tie, half, gy)) if needs[1] else None
    return ga, gb
