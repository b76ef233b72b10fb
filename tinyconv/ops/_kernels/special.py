"""Wrappers of the special-function kernels (``_special.pxi``): erf, erfc, erfinv."""
import numpy as np

from . import FLOATS, ext, threads_for

__all__ = ["erf", "erfc", "erfinv"]

_WHICH = {"erf": 0, "erfc": 1, "erfinv": 2}


def _unary(name, x):
    """``name`` of every element of x, shaped and typed like x (float16 computes in float32)."""
    dt = x.dtype if x.dtype in FLOATS else np.dtype(np.float32)
    xf = np.ascontiguousarray(x, dtype=dt).reshape(-1)
    y = np.empty_like(xf)
    ext.special_unary(xf, y, _WHICH[name], threads_for(xf.size))
    return y.reshape(x.shape).astype(x.dtype, copy=False)


def erf(x):
    """The error function of every element of the float array x."""
    return _unary("erf", x)


def erfc(x):
    """1 - erf(x), without cancellation for large x."""
    return _unary("erfc", x)


def erfinv(x):
    """The inverse error function: erf(erfinv(x)) = x on [-1, 1] (+-inf at +-1, NaN outside)."""
    return _unary("erfinv", x)
