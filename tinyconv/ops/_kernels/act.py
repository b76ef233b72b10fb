"""Wrappers of the activation kernels (``_act.pxi``): the exact GELU forward and backward,
ReLU's forward, ReLU/LeakyReLU's backward select."""
import functools
import math

import numpy as np

from . import FLOATS, ext, threads_for

__all__ = ["gelu_forward", "gelu_backward", "relu_forward", "threshold_backward"]


def _flat_float(op, x, dtype):
    """x as a C-contiguous 1-D array of ``dtype`` (float32 or float64)."""
    if dtype not in FLOATS:
        raise TypeError(f"{op}: expected float32 or float64, got {dtype}")
    return np.ascontiguousarray(x, dtype=dtype).reshape(-1)


@functools.lru_cache(maxsize=None)
def _phi_tail_coefficients():
    """Chebyshev coefficients (float32) of R(z)/t, R(z) = erfc(z) * exp(z*z), t = 1/(1 + z/2),
    in u = (t - tmid)/thalf over z in [0, zmax], interpolated at Chebyshev nodes from math.erfc
    in float64; and (tmid, thalf).  See _act.pxi."""
    n, zmax = ext.phi_tail_shape()
    tmin = 1.0 / (1.0 + 0.5 * zmax)
    tmid, thalf = 0.5 * (1.0 + tmin), 0.5 * (1.0 - tmin)
    u = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    t = tmid + thalf * u
    z = (1.0 / t - 1.0) * 2.0
    g = np.array([math.erfc(v) * math.exp(v * v) for v in z]) / t
    coef = np.polynomial.chebyshev.chebfit(u, g, n - 1)   # n nodes: interpolation
    return coef.astype(np.float32), float(tmid), float(thalf)


def gelu_forward(x):
    """(y, cdf) for the exact GELU: cdf = Phi(x), y = x * cdf, both shaped and typed like x."""
    xf = _flat_float("gelu", x, x.dtype)
    y = np.empty_like(xf)
    cdf = np.empty_like(xf)
    ext.gelu_forward(xf, y, cdf, *_phi_tail_coefficients(), threads_for(xf.size))
    return y.reshape(x.shape), cdf.reshape(x.shape)


def gelu_backward(x, cdf, gy):
    """gx = gy * (Phi(x) + x * phi(x)) for the exact GELU, with cdf = Phi(x) from the forward."""
    xf = _flat_float("gelu_backward", x, x.dtype)
    cf = _flat_float("gelu_backward", cdf, x.dtype)
    gf = _flat_float("gelu_backward", gy, x.dtype)
    if not xf.size == cf.size == gf.size:
        raise ValueError(f"gelu_backward: x {x.shape}, cdf {cdf.shape} and gradient {gy.shape} "
                         f"must have one shape")
    gx = np.empty_like(xf)
    ext.gelu_backward(xf, cf, gf, gx, threads_for(xf.size))
    return gx.reshape(x.shape)


# glibc's largest mmap threshold: a bigger array is new pages on every call, and writing new
# pages from two threads was slower than from one on the machine measured (AMD EPYC VM,
# (128, 64, 32, 32) float32 ReLU: 10.2 ms on 2 threads, 6.2 ms on 1, NumPy 9.0; into a reused
# buffer 2.4 and 2.7 ms); MiniVGG's step went 924 -> 1138 ms with the threaded kernel
_FRESH_PAGES_BYTES = 32 << 20


# ReLU forward runs on the kernel below this size only.  It wins on small tensors
# ((32, 16, 32, 32) float32: 0.03 ms against NumPy's 0.19, torch 0.03), but on MiniVGG's
# (128, 64, 28, 28) activations, new pages on each call, the step was 989 ms with it and
# 899 ms with NumPy's maximum (torch 644; same process, alternating)
_RELU_KERNEL_BYTES = 8 << 20


def _threads_for_new(out):
    """Threads for a kernel writing the just-allocated ``out``: one when it is new pages."""
    return 1 if out.nbytes >= _FRESH_PAGES_BYTES else threads_for(out.size)


def threshold_backward(y, gy, slope):
    """ReLU's (slope 0: 0 where y <= 0, even where gy is nan, else gy) or LeakyReLU's (gy
    where y > 0, else slope * gy) gradient, shaped like y: torch's, a nan y included; None
    when the kernel does not apply (dtypes or shapes differ, not float32/float64): the
    caller then computes it with NumPy."""
    if y.dtype != gy.dtype or y.dtype not in FLOATS or y.shape != gy.shape:
        return None
    yf = np.ascontiguousarray(y).reshape(-1)
    gf = np.ascontiguousarray(gy).reshape(-1)
    gx = np.empty_like(gf)
    if gx.size:
        ext.threshold_backward(yf, gf, gx, float(slope), _threads_for_new(gx))
    return gx.reshape(y.shape)


def relu_forward(x):
    """y = max(x, 0) (nan kept), shaped like x; None when the kernel does not apply (not
    float32/float64, not C-contiguous: NumPy keeps such a layout, or 8 MB and more, see
    ``_RELU_KERNEL_BYTES``): the caller then computes it with NumPy."""
    if x.dtype not in FLOATS or not x.flags.c_contiguous or x.nbytes >= _RELU_KERNEL_BYTES:
        return None
    xf = x.reshape(-1)
    y = np.empty_like(xf)
    if y.size:
        ext.relu_forward(xf, y, _threads_for_new(y))
    return y.reshape(x.shape)
