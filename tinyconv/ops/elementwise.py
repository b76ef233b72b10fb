"""Elementwise ops: arithmetic with broadcasting, pow/exp/log/sqrt/abs/clamp, casts, where.

Legend: x, a, b inputs; y output; gy, gx, ga, gb gradients.  Broadcast gradients are returned
at the output's shape; the engine sums them back to each input's shape.  Backward rules are
written with these same ops (``const`` wraps a constant array), so they differentiate again.
"""
import numpy as np

from .._engine import Op

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sqrt", "Abs", "Clamp",
           "Cast", "Where", "Maximum", "Minimum", "const"]


def _quiet():
    """inf/nan results are values here, as in torch, not NumPy warnings."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def const(like, value):
    """A constant (no gradient) tensor of ``value`` in the dtype of the tensor ``like``."""
    return like._make(np.asarray(value, dtype=like._data.dtype), False, None)


class Add(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, gy):
        na, nb = ctx.needs_input_grad
        return (gy if na else None), (gy if nb else None)


class Sub(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, gy):
        na, nb = ctx.needs_input_grad
        return (gy if na else None), (Neg.apply(gy) if nb else None)


class Mul(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad  # keep only what the needed gradients read (as torch)
        ctx.save_for_backward(a if nb else None, b if na else None)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (Mul.apply(gy, b) if na else None), (Mul.apply(gy, a) if nb else None)


class Div(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        with _quiet():
            return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = Div.apply(gy, b) if na else None
        gb = Neg.apply(Div.apply(Mul.apply(gy, a), Mul.apply(b, b))) if nb else None
        return ga, gb


class Neg(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return Neg.apply(gy)


class Pow(Op):
    """y = a ** b for tensors a, b (a scalar exponent arrives as a 0-d array)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        with _quiet():
            y = a ** b
        ctx.save_for_backward(a, b, y)
        ctx.square = b.ndim == 0 and b == 2
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            if ctx.square:
                ga = Mul.apply(gy, Add.apply(a, a))
            else:
                ga = Mul.apply(gy, Mul.apply(b, Pow.apply(a, Sub.apply(b, const(b, 1)))))
        if nb:
            # d(a^b)/db = a^b * log(a); torch defines it as 0 where a == 0 and b >= 0
            zero = (a._data == 0) & (b._data >= 0)
            gb = Mul.apply(gy, Mul.apply(y, Log.apply(a)))
            if zero.any():
                gb = Where.apply(const(gb, 0), gb, cond=np.broadcast_to(zero, gb.shape))
        return ga, gb


class Exp(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, y)


class Log(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, x)


class Sqrt(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Div.apply(gy, Add.apply(y, y))


class Abs(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Mul.apply(gy, const(gy, np.sign(x._data)))


class Clamp(Op):
    """y = min(max(x, min), max); the gradient passes where min <= x <= max (as torch)."""

    node_name = "ClampBackward1"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        y = np.clip(x, min, max) if (min is not None or max is not None) else x.copy()
        if y.dtype != x.dtype:
            y = y.astype(x.dtype)
        keep = np.ones(x.shape, dtype=bool)
        if min is not None:
            keep &= x >= min
        if max is not None:
            keep &= x <= max
        ctx.save_for_backward(keep)
        return y

    @staticmethod
    def backward(ctx, gy):
        (keep,) = ctx.saved_tensors
        return Mul.apply(gy, const(gy, keep._data))


class Cast(Op):
    """Change dtype; the gradient is cast back by the engine."""

    category = "layout"
    node_name = "ToCopyBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return gy


class Where(Op):
    """y = a where cond else b; cond is a boolean parameter (saved: backward selects with it)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        na, nb = ctx.needs_input_grad
        (cond,) = ctx.saved_tensors
        zero = const(gy, 0)
        ga = Where.apply(gy, zero, cond=cond) if na else None
        gb = Where.apply(zero, gy, cond=cond) if nb else None
        return ga, gb


class Maximum(Op):
    """Elementwise max of two tensors; a tie splits the gradient evenly (as torch)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.share = _shares(a > b, a == b, a.dtype)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        return _split_by_share(gy, ctx.share, ctx.needs_input_grad)


class Minimum(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.share = _shares(a < b, a == b, a.dtype)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, gy):
        return _split_by_share(gy, ctx.share, ctx.needs_input_grad)


def _shares(a_wins, tie, dtype):
    """a's share of the gradient: 1 where a wins, 0.5 on a tie, 0 where b wins."""
    return a_wins.astype(dtype) + tie.astype(dtype) * 0.5


def _split_by_share(gy, share, needs):
    ga = Mul.apply(gy, const(gy, share)) if needs[0] else None
    gb = Mul.apply(gy, const(gy, 1.0 - share)) if needs[1] else None
    return ga, gb
