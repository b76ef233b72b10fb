"""Wrappers of the normalization row kernels (``_norm.pxi``): statistics, affine, gradient
sums and gradient affine over (A, S, L) views, with per-row coefficients of shape (1 or A, S).
"""
import numpy as np

from . import FLOATS, ext, threads_for

__all__ = ["norm_row_stats", "norm_affine", "norm_grad_sums", "norm_grad_affine"]


def _norm_rows(op, a, dtype):
    """a as a C-contiguous (A, S, L) array of ``dtype`` (the float dtype of the norm's input)."""
    if dtype not in FLOATS:
        raise TypeError(f"{op}: expected a float32 or float64 input, got {dtype}")
    if a.ndim != 3:
        raise ValueError(f"{op}: expected an (A, S, L) view, got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=dtype)


def _norm_coef(op, c, A, S, dtype):
    """A per-row coefficient as a C-contiguous (1 or A, S) array of ``dtype``."""
    c = np.ascontiguousarray(c, dtype=dtype).reshape(-1, S)
    if c.shape[0] not in (1, A):
        raise ValueError(f"{op}: coefficient of shape {c.shape} does not fit rows ({A}, {S})")
    return c


def norm_row_stats(x3):
    """Per-row sums and centered sums of squares of x3 (A, S, L) along L: two (A, S) arrays."""
    x3 = _norm_rows("norm_row_stats", x3, x3.dtype)
    A, S, _ = x3.shape
    sums = np.empty((A, S), dtype=x3.dtype)
    m2 = np.empty((A, S), dtype=x3.dtype)
    ext.norm_row_stats(x3, sums, m2, threads_for(x3.size))
    return sums, m2


def norm_affine(x3, scale, shift):
    """y (A, S, L) = x3 * scale + shift, with per-row coefficients of shape (1 or A, S)."""
    x3 = _norm_rows("norm_affine", x3, x3.dtype)
    A, S, _ = x3.shape
    y = np.empty(x3.shape, dtype=x3.dtype)
    ext.norm_affine(x3, _norm_coef("norm_affine", scale, A, S, x3.dtype),
                     _norm_coef("norm_affine", shift, A, S, x3.dtype), y,
                     threads_for(x3.size))
    return y


def _norm_grad_rows(op, gy3, x3):
    """gy3 and x3 as C-contiguous (A, S, L) arrays of x3's dtype, of one shape."""
    x3 = _norm_rows(op, x3, x3.dtype)
    gy3 = _norm_rows(op, gy3, x3.dtype)
    if gy3.shape != x3.shape:
        raise ValueError(f"{op}: gradient of shape {gy3.shape} does not match input "
                         f"{x3.shape}")
    return gy3, x3


def norm_grad_sums(gy3, x3, mean):
    """Per-row sums of gy3 and of gy3 * (x3 - mean) along L, mean (1 or A, S): (A, S) each."""
    gy3, x3 = _norm_grad_rows("norm_grad_sums", gy3, x3)
    A, S, _ = x3.shape
    sgy = np.empty((A, S), dtype=x3.dtype)
    sgxc = np.empty((A, S), dtype=x3.dtype)
    ext.norm_grad_sums(gy3, x3, _norm_coef("norm_grad_sums", mean, A, S, x3.dtype), sgy, sgxc,
                        threads_for(x3.size))
    return sgy, sgxc


def norm_grad_affine(gy3, x3, k, d, c):
    """gx (A, S, L) = gy3 * k - x3 * d + c, with per-row coefficients of shape (1 or A, S)."""
    gy3, x3 = _norm_grad_rows("norm_grad_affine", gy3, x3)
    A, S, _ = x3.shape
    gx = np.empty(x3.shape, dtype=x3.dtype)
    coef = [_norm_coef("norm_grad_affine", v, A, S, x3.dtype) for v in (k, d, c)]
    ext.norm_grad_affine(gy3, x3, *coef, gx, threads_for(x3.size))
    return gx


