"""Pointwise math: trigonometric and hyperbolic functions and their inverses, logs and
exponentials in other bases, erf/erfc/erfinv (compiled kernels: NumPy has no erf), rsqrt and
reciprocal, rounding (zero gradient, as torch), frac, atan2, hypot, remainder/fmod, the rounded
divisions, nan_to_num and clamp with tensor bounds.

Legend: x, a, b inputs; y output; gy, gx, ga, gb gradients.  Backward rules are written with
ops (``const`` wraps a constant array), so they differentiate again.  Broadcast gradients are
returned at the output's shape; the engine sums them back.
"""
import math

import numpy as np

from .._engine import Op
from ._kernels import special as K
from .elementwise import Add, Div, Exp, Mul, Neg, Sqrt, Sub, Where, _quiet, const

__all__ = ["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
           "Atanh", "Log1p", "Expm1", "Log2", "Log10", "Exp2", "Rsqrt", "Reciprocal", "Erf",
           "Erfc", "Erfinv", "Rounding", "Frac", "Atan2", "Hypot", "Remainder", "Fmod",
           "DivRounded", "FloorDivide", "NanToZero", "NanToNum", "ClampTensor"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0


def _one_minus_sq(x):
    return Sub.apply(const(x, 1.0), Mul.apply(x, x))


class Sin(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Mul.apply(gy, Cos.apply(x))


class Cos(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Neg.apply(Mul.apply(gy, Sin.apply(x)))


class Tan(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, Add.apply(const(y, 1.0), Mul.apply(y, y)))


class Asin(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.arcsin(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Sqrt.apply(_one_minus_sq(x)))


class Acos(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.arccos(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Neg.apply(Div.apply(gy, Sqrt.apply(_one_minus_sq(x))))


class Atan(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Add.apply(const(x, 1.0), Mul.apply(x, x)))


class Sinh(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.sinh(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Mul.apply(gy, Cosh.apply(x))


class Cosh(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.cosh(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Mul.apply(gy, Sinh.apply(x))


class Asinh(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Sqrt.apply(Add.apply(Mul.apply(x, x), const(x, 1.0))))


class Acosh(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.arccosh(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        one = const(x, 1.0)
        # (x - 1)(x + 1) rather than x^2 - 1: no cancellation near 1
        return Div.apply(gy, Sqrt.apply(Mul.apply(Sub.apply(x, one), Add.apply(x, one))))


class Atanh(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, _one_minus_sq(x))


class Log1p(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.log1p(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Add.apply(x, const(x, 1.0)))


class Expm1(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, Add.apply(y, const(y, 1.0)))


class Log2(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.log2(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Mul.apply(x, const(x, _LN2)))


class Log10(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with _quiet():
            return np.log10(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return Div.apply(gy, Mul.apply(x, const(x, _LN10)))


class Exp2(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = np.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Mul.apply(gy, Mul.apply(y, const(y, _LN2)))


class Rsqrt(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = 1.0 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        # d/dx x^(-1/2) = -y^3 / 2
        return Mul.apply(gy, Mul.apply(Mul.apply(y, Mul.apply(y, y)), const(y, -0.5)))


class Reciprocal(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():
            y = (1.0 / x).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return Neg.apply(Mul.apply(gy, Mul.apply(y, y)))


class Erf(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.erf(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        d = Mul.apply(Exp.apply(Neg.apply(Mul.apply(x, x))), const(x, _TWO_OVER_SQRT_PI))
        return Mul.apply(gy, d)


class Erfc(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.erfc(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        d = Mul.apply(Exp.apply(Neg.apply(Mul.apply(x, x))), const(x, -_TWO_OVER_SQRT_PI))
        return Mul.apply(gy, d)


class Erfinv(Op):
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        y = K.erfinv(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        d = Mul.apply(Exp.apply(Mul.apply(y, y)), const(y, _SQRT_PI_OVER_TWO))
        return Mul.apply(gy, d)


def _round(x, decimals):
    """torch's round(decimals=): half to even of x * 10^d (x / 10^-d for d < 0)."""
    if decimals == 0:
        return np.rint(x)
    if decimals > 0:
        p = 10.0 ** decimals
        with _quiet():
            return np.rint(x * p) / p
    p = 10.0 ** -decimals
    return np.rint(x / p) * p


_ROUNDING = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "sign": np.sign}


class Rounding(Op):
    """floor, ceil, trunc, round (``decimals``) and sign: piecewise constant, so the gradient
    is zero (torch's)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, mode, decimals=0):
        if x.dtype.kind in "biu":
            return np.sign(x) if mode == "sign" and x.dtype.kind != "b" else x.copy()
        y = _round(x, decimals) if mode == "round" else _ROUNDING[mode](x)
        if mode == "sign":
            y = np.where(np.isnan(y), 0, y)  # torch's sign(NaN) is 0
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return Mul.apply(gy, const(gy, 0.0))


class Frac(Op):
    """y = x - trunc(x); the gradient passes unchanged."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        with _quiet():  # inf - inf is NaN, as torch's
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, gy):
        return gy


class Atan2(Op):
    """y = atan2(a, b), the angle of the point (b, a)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        g = Div.apply(gy, Add.apply(Mul.apply(a, a), Mul.apply(b, b)))
        return (Mul.apply(g, b) if na else None), (Neg.apply(Mul.apply(g, a)) if nb else None)


class Hypot(Op):
    """y = sqrt(a^2 + b^2) without overflow."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        y = np.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        g = Div.apply(gy, y)
        return (Mul.apply(g, a) if na else None), (Mul.apply(g, b) if nb else None)


def _quotient(a, b, mode):
    """a / b rounded toward zero ('trunc') or down ('floor'); integers stay exact."""
    if a.dtype.kind in "biu":
        q = np.floor_divide(a, b)
        if mode == "trunc":  # floor and trunc differ where the remainder is nonzero and
            q = q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))  # the signs differ
        return q.astype(a.dtype, copy=False)
    with _quiet():
        if mode == "floor":
            return np.floor_divide(a, b)
        return np.trunc(a / b).astype(a.dtype, copy=False)


class _RemainderBase(Op):
    """y = a - b * round(a / b), rounded by ``mode`` with ``kernel``; dy/da = 1,
    dy/db = -round(a / b)."""

    tensor_backward = True
    mode = kernel = None

    @classmethod
    def forward(cls, ctx, a, b):
        with _quiet():
            y = cls.kernel(a, b)
        if ctx.needs_input_grad[1]:  # only b's gradient reads a and b (torch saves them then)
            ctx.save_for_backward(a, b)
        return y

    @classmethod
    def backward(cls, ctx, gy):
        na, nb = ctx.needs_input_grad
        gb = None
        if nb:
            a, b = ctx.saved_tensors
            gb = Neg.apply(Mul.apply(gy, const(gy, _quotient(a._data, b._data, cls.mode))))
        return (gy if na else None), gb


class Remainder(_RemainderBase):
    """y = a - b * floor(a / b): the sign of b (Python's %)."""

    mode, kernel = "floor", staticmethod(np.remainder)


class Fmod(_RemainderBase):
    """y = a - b * trunc(a / b): the sign of a (C's fmod)."""

    mode, kernel = "trunc", staticmethod(np.fmod)


class DivRounded(Op):
    """a / b rounded ('trunc' or 'floor'): piecewise constant, the gradient is zero (torch's)."""

    node_name = "DivBackward2"  # torch 2.13 names it so for tensor and scalar divisors
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b, mode):
        return _quotient(a, b, mode)

    @staticmethod
    def backward(ctx, gy):
        zero = Mul.apply(gy, const(gy, 0.0))
        na, nb = ctx.needs_input_grad
        return (zero if na else None), (zero if nb else None)


class FloorDivide(Op):
    """a // b (rounded down); torch defines no derivative, so backward refuses."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return _quotient(a, b, "floor")

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class NanToZero(Op):
    """NaN replaced by 0; the gradient is multiplied by ``x == x`` (NaN stays NaN where it
    meets an infinite gradient, as torch's nansum)."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.keep = ~np.isnan(x)
        return np.where(ctx.keep, x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        with _quiet():  # an infinite gradient times 0 is NaN, as torch's
            return Mul.apply(gy, const(gy, ctx.keep))


class NanToNum(Op):
    """NaN, +inf and -inf replaced by numbers; the gradient passes where x was finite."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, gy):
        return Mul.apply(gy, const(gy, ctx.finite))


class ClampTensor(Op):
    """y = min(max(x, lo), hi) with tensor bounds (either may be None); torch's gradients: x
    where lo <= x <= hi, lo where x < lo < hi, hi where x > hi or lo > hi (the result is hi
    there)."""

    node_name = "ClampBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        ge = np.ones((), dtype=bool) if lo is None else x >= lo
        le = np.ones((), dtype=bool) if hi is None else x <= hi
        ctx.keep = ge & le
        ctx.to_lo, ctx.to_hi = ~ge, ~le
        if lo is not None and hi is not None:
            ctx.to_lo = ctx.to_lo & (lo < hi)
            ctx.to_hi = ctx.to_hi | (lo > hi)
        if y is x:
            y = x.copy()
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, nlo, nhi = ctx.needs_input_grad
        zero = const(gy, 0.0)
        shape = gy._data.shape
        gx = Where.apply(gy, zero, cond=np.broadcast_to(ctx.keep, shape)) if nx else None
        glo = Where.apply(gy, zero, cond=np.broadcast_to(ctx.to_lo, shape)) if nlo else None
        ghi = Where.apply(gy, zero, cond=np.broadcast_to(ctx.to_hi, shape)) if nhi else None
        return gx, glo, ghi
