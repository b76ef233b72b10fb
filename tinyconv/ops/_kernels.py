"""The only importer of the compiled Cython module ``tinyconv.ops._im2col``.

Importing it gives one clear error, with the command that builds the extension, when the
module is missing (a source checkout that was never built).  Wrappers here check dtype and
contiguity before handing arrays to the nogil kernels.
"""
import os as _os

# Idle OpenMP threads sleep instead of spinning: the conv kernels alternate with BLAS calls
# (OpenBLAS has its own thread pool), and spinning OpenMP workers steal the cores the GEMM
# needs (issue 9: a LeNet-5 training step 1.43 s -> 1.08 s on the busy 2-core machine).
# libgomp reads this once, when the extension below loads it; a value set by the user wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "passive")

try:
    from . import _im2col as _ext
except ImportError as exc:  # pragma: no cover - exercised by hand in a source tree
    raise ImportError(
        "tinyconv's compiled kernels (tinyconv.ops._im2col) are not built. From the project "
        "directory run:  pip install -e .   (or: python setup.py build_ext --inplace). "
        f"Original error: {exc}") from exc

# ------------------------------------------------------------------------------- convolution
import functools as _functools
import math as _math
import os as _os

import numpy as _np

_FLOATS = (_np.dtype(_np.float32), _np.dtype(_np.float64))
# threads for the conv kernels (OpenMP); BLAS keeps its own pool
conv_threads = max(1, _os.cpu_count() or 1)


def conv_output_size(size, k, stride, pad_total, dilation):
    """Output length of a convolution along one axis (pad_total = both sides together)."""
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _check_conv_geometry(op, KH, KW, stride, pads, dilation, out_size):
    if KH < 1 or KW < 1 or min(stride) < 1 or min(dilation) < 1 or min(pads) < 0 \
            or min(out_size) < 0:
        raise ValueError(
            f"{op}: bad geometry kernel {(KH, KW)}, stride {tuple(stride)}, pads {tuple(pads)}, "
            f"dilation {tuple(dilation)}, output size {tuple(out_size)}")


def im2col(x, KH, KW, stride, pads, dilation, out_size, out=None):
    """cols (C*KH*KW, N*OH*OW) from x (N, C, H, W); see _im2col.im2col.

    ``pads`` is (top, left); taps outside the image read zero.  ``out`` may be a C-contiguous
    buffer of the right shape and dtype to fill.
    """
    if x.dtype not in _FLOATS:
        raise TypeError(f"im2col: expected float32 or float64 input, got {x.dtype}")
    if x.ndim != 4:
        raise ValueError(f"im2col: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    _check_conv_geometry("im2col", KH, KW, stride, pads, dilation, out_size)
    x = _np.ascontiguousarray(x)
    N, C = x.shape[:2]
    OH, OW = out_size
    shape = (C * KH * KW, N * OH * OW)
    if out is None:
        out = _np.empty(shape, dtype=x.dtype)
    elif out.shape != shape or out.dtype != x.dtype or not out.flags.c_contiguous:
        raise ValueError(f"im2col: out must be C-contiguous {x.dtype} of shape {shape}, got "
                         f"{out.dtype} {out.shape}")
    _ext.im2col(x, out, KH, KW, stride[0], stride[1], pads[0], pads[1], dilation[0],
                dilation[1], OH, OW, conv_threads)
    return out


def col2im(cols, x_shape, KH, KW, stride, pads, dilation, out_size, out=None):
    """x (N, C, H, W) = sum of cols (C*KH*KW, N*OH*OW) over overlapping taps (im2col's adjoint).

    ``out``, if given, is overwritten (no need to zero it); it must be C-contiguous.
    """
    if cols.dtype not in _FLOATS:
        raise TypeError(f"col2im: expected float32 or float64 columns, got {cols.dtype}")
    _check_conv_geometry("col2im", KH, KW, stride, pads, dilation, out_size)
    N, C, H, W = x_shape
    OH, OW = out_size
    shape = (C * KH * KW, N * OH * OW)
    if cols.shape != shape:
        raise ValueError(f"col2im: cols has shape {cols.shape}, expected {shape} for input "
                         f"shape {tuple(x_shape)} and output size {tuple(out_size)}")
    cols = _np.ascontiguousarray(cols)
    if out is None:
        out = _np.empty(tuple(x_shape), dtype=cols.dtype)
    elif out.shape != tuple(x_shape) or out.dtype != cols.dtype or not out.flags.c_contiguous:
        raise ValueError(f"col2im: out must be C-contiguous {cols.dtype} of shape "
                         f"{tuple(x_shape)}, got {out.dtype} {out.shape}")
    _ext.col2im(cols, out, KH, KW, stride[0], stride[1], pads[0], pads[1], dilation[0],
                dilation[1], OH, OW, conv_threads)
    return out


def _direct_args(op, arrays, w_shape, stride, pads, dilation, groups):
    dt = arrays[0].dtype
    if dt not in _FLOATS or any(a.dtype != dt for a in arrays):
        raise TypeError(f"{op}: expected float32 or float64 arrays of one dtype, got "
                        f"{[str(a.dtype) for a in arrays]}")
    if min(stride) < 1 or min(dilation) < 1 or min(pads) < 0 or groups < 1 \
            or w_shape[0] % groups:
        raise ValueError(f"{op}: bad geometry stride {tuple(stride)}, pads {tuple(pads)}, "
                         f"dilation {tuple(dilation)}, groups {groups} for weight {w_shape}")
    return [_np.ascontiguousarray(a) for a in arrays]


def conv_direct(x, w, stride, pads, dilation, groups, out_size):
    """y (N, F, OH, OW) = conv(x, w) by direct loops (for depthwise-like convs); pads (top, left)."""
    x, w = _direct_args("conv_direct", [x, w], w.shape, stride, pads, dilation, groups)
    N, C = x.shape[:2]
    if x.ndim != 4 or w.ndim != 4 or C != w.shape[1] * groups:
        raise ValueError(f"conv_direct: input {x.shape} does not match weight {w.shape} with "
                         f"groups={groups}")
    y = _np.empty((N, w.shape[0]) + tuple(out_size), dtype=x.dtype)
    _ext.conv_direct(x, w, y, stride[0], stride[1], pads[0], pads[1], dilation[0], dilation[1],
                     groups, conv_threads)
    return y


def conv_direct_grad_input(gy, w, x_shape, stride, pads, dilation, groups):
    """gx of shape x_shape for conv_direct's output gradient gy."""
    gy, w = _direct_args("conv_direct_grad_input", [gy, w], w.shape, stride, pads, dilation,
                         groups)
    if gy.ndim != 4 or gy.shape[1] != w.shape[0] or x_shape[1] != w.shape[1] * groups:
        raise ValueError(f"conv_direct_grad_input: gy {gy.shape}, weight {w.shape} and input "
                         f"shape {tuple(x_shape)} do not match (groups={groups})")
    gx = _np.empty(tuple(x_shape), dtype=gy.dtype)
    _ext.conv_direct_grad_input(gy, w, gx, stride[0], stride[1], pads[0], pads[1], dilation[0],
                                dilation[1], groups, conv_threads)
    return gx


def conv_direct_grad_weight(gy, x, w_shape, stride, pads, dilation, groups):
    """gw of shape w_shape for conv_direct's output gradient gy and input x."""
    gy, x = _direct_args("conv_direct_grad_weight", [gy, x], w_shape, stride, pads, dilation,
                         groups)
    if gy.ndim != 4 or x.ndim != 4 or gy.shape[0] != x.shape[0] or gy.shape[1] != w_shape[0] \
            or x.shape[1] != w_shape[1] * groups:
        raise ValueError(f"conv_direct_grad_weight: gy {gy.shape}, input {x.shape} and weight "
                         f"shape {tuple(w_shape)} do not match (groups={groups})")
    gw = _np.empty(tuple(w_shape), dtype=gy.dtype)
    acc = _np.empty((w_shape[0], max(gy.shape[3], 1)), dtype=gy.dtype)
    _ext.conv_direct_grad_weight(gy, x, gw, acc, stride[0], stride[1], pads[0], pads[1],
                                 dilation[0], dilation[1], groups, conv_threads)
    return gw

# register-blocked direct kernels for stride-1 convs with few output channels (_small.pxi):
# AVX2 + FMA only; False here keeps the conv selection off them
SMALL_CONV = _ext.small_conv_available()


def _pack_small(w):
    """w (F, C, KH, KW) packed as (ceil(F/4), C, KH, KW, 4), zero past F."""
    F, C, KH, KW = w.shape
    F4 = -(-F // 4)
    wp = _np.zeros((F4 * 4, C, KH, KW), dtype=w.dtype)
    wp[:F] = w
    return _np.ascontiguousarray(wp.reshape(F4, 4, C, KH, KW).transpose(0, 2, 3, 4, 1))


def _pad_small(x, pads, KW, dw, OW):
    """x zero-padded by pads (top, bottom, left, right) and widened on the right so that every
    8-wide load of the kernels stays in its row."""
    N, C, H, W = x.shape
    pt, pb, pl, pr = pads
    Wp = max(W + pl + pr, -(-OW // 8) * 8 + (KW - 1) * dw)
    xp = _np.zeros((N, C, H + pt + pb, Wp), dtype=x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _small_args(op, arrays, w_shape, pads, dilation, out_size):
    if not SMALL_CONV:
        raise RuntimeError(f"{op}: this CPU or build has no AVX2/FMA kernels")
    dt = arrays[0].dtype
    if dt not in _FLOATS or any(a.dtype != dt for a in arrays):
        raise TypeError(f"{op}: expected float32 or float64 arrays of one dtype, got "
                        f"{[str(a.dtype) for a in arrays]}")
    if min(pads) < 0 or min(dilation) < 1 or len(w_shape) != 4:
        raise ValueError(f"{op}: bad geometry pads {tuple(pads)}, dilation {tuple(dilation)}, "
                         f"weight {tuple(w_shape)}")
    x = arrays[-1]
    KH, KW = w_shape[2:]
    want = (x.shape[2] + pads[0] + pads[1] - dilation[0] * (KH - 1),
            x.shape[3] + pads[2] + pads[3] - dilation[1] * (KW - 1))
    # the output may stop short of the full size (a transposed conv's output_padding)
    if x.ndim != 4 or x.shape[1] != w_shape[1] or not (0 <= out_size[0] <= want[0]
                                                        and 0 <= out_size[1] <= want[1]):
        raise ValueError(f"{op}: input {x.shape}, weight {tuple(w_shape)} and output size "
                         f"{tuple(out_size)} do not match a stride-1 convolution")


def conv_small(x, w, pads, dilation, out_size):
    """y (N, F, OH, OW) = stride-1, groups-1 conv(x, w) by the register-blocked kernel;
    pads (top, bottom, left, right)."""
    _small_args("conv_small", [w, x], w.shape, pads, dilation, out_size)
    xp = _pad_small(x, pads, w.shape[3], dilation[1], out_size[1])
    y = _np.empty((x.shape[0], w.shape[0]) + tuple(out_size), dtype=x.dtype)
    _ext.conv_small_forward(xp, _pack_small(w), y, dilation[0], dilation[1], conv_threads)
    return y


def conv_small_grad_weight(gy, x, w_shape, pads, dilation):
    """gw of shape w_shape for conv_small's output gradient gy and input x."""
    _small_args("conv_small_grad_weight", [gy, x], w_shape, pads, dilation, gy.shape[2:])
    F, C, KH, KW = w_shape
    N, _, OH, OW = gy.shape
    if gy.shape[:2] != (x.shape[0], F):
        raise ValueError(f"conv_small_grad_weight: gy {gy.shape} does not match input "
                         f"{x.shape} and weight shape {tuple(w_shape)}")
    xp = _pad_small(x, pads, KW, dilation[1], OW)
    gyp = _np.zeros((N, F, OH, -(-OW // 8) * 8), dtype=gy.dtype)
    gyp[..., :OW] = gy
    F4 = -(-F // 4)
    parts = _np.zeros((conv_threads, F4, C, KH, KW, 4), dtype=_np.float64)
    _ext.conv_small_grad_weight(xp, gyp, parts, dilation[0], dilation[1], conv_threads)
    gw = parts.sum(axis=0).transpose(0, 4, 1, 2, 3).reshape(F4 * 4, C, KH, KW)[:F]
    return gw.astype(gy.dtype)


# ------------------------------------------------------------------------------- pooling
# Wrappers over the pooling kernels of _pool.pxi.  They take (N, C, H, W) or (C, H, W) arrays,
# view them as (P, H, W) planes (P = N*C), allocate the outputs and check every bound the
# nogil code relies on (dtype, contiguity, positive steps, matching shapes).
import math as _pmath

import numpy as _pnp

_POOL_DTYPES = (_pnp.dtype(_pnp.float32), _pnp.dtype(_pnp.float64))


def _pool_threads(size):
    """OpenMP team size for a pooling kernel touching ``size`` elements."""
    return 1 if size < 1 << 15 else conv_threads


def _pool_planes(op, x):
    """x as a C-contiguous (P, H, W) float array."""
    if x.dtype not in _POOL_DTYPES:
        raise TypeError(f"{op}: expected a float32 or float64 input, got {x.dtype}")
    if x.ndim < 2 or x.shape[-2] < 1 or x.shape[-1] < 1:
        raise ValueError(f"{op}: input of shape {x.shape} has no (H, W) plane")
    return _pnp.ascontiguousarray(x).reshape(-1, x.shape[-2], x.shape[-1])


def _check_pool_geometry(op, kernel_size, stride, padding, dilation, out_hw):
    if (kernel_size[0] < 1 or kernel_size[1] < 1 or stride[0] < 1 or stride[1] < 1
            or padding[0] < 0 or padding[1] < 0 or dilation[0] < 1 or dilation[1] < 1
            or out_hw[0] < 0 or out_hw[1] < 0):
        raise ValueError(
            f"{op}: bad geometry kernel_size {tuple(kernel_size)}, stride {tuple(stride)}, "
            f"padding {tuple(padding)}, dilation {tuple(dilation)}, output size {tuple(out_hw)}")


def _grad_planes(op, gy, x_shape, dtype):
    """gy as C-contiguous (P, OH, OW) planes of ``dtype``, checked against the input shape."""
    if dtype not in _POOL_DTYPES:
        raise TypeError(f"{op}: expected a float32 or float64 gradient, got {dtype}")
    if (gy.ndim != len(x_shape) or gy.shape[:-2] != tuple(x_shape[:-2])
            or x_shape[-2] < 1 or x_shape[-1] < 1):
        raise ValueError(f"{op}: gradient of shape {gy.shape} does not match input shape "
                         f"{tuple(x_shape)}")
    if gy.dtype != dtype:
        gy = gy.astype(dtype)
    P = _pmath.prod(x_shape[:-2])
    return _pnp.ascontiguousarray(gy).reshape(P, gy.shape[-2], gy.shape[-1])


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, out_hw, with_indices):
    """y (..., OH, OW) = window maxima of x (..., H, W); indices or None.

    Indices are flat positions h*W+w in the input plane, int32 (half the memory traffic of
    torch's int64; convert for users).  A tie goes to the first maximum in row-major window
    order and NaN propagates, as in torch.
    """
    _check_pool_geometry("max_pool2d", kernel_size, stride, padding, dilation, out_hw)
    xp = _pool_planes("max_pool2d", x)
    if xp.shape[1] * xp.shape[2] >= 2**31:
        raise ValueError(f"max_pool2d: input plane {xp.shape[1:]} has 2**31 elements or more")
    OH, OW = out_hw
    y = _pnp.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    idx = _pnp.empty((xp.shape[0], OH, OW), dtype=_pnp.int32) if with_indices else None
    if y.size:
        _ext.max_pool2d_forward(xp, y, idx, kernel_size[0], kernel_size[1], stride[0],
                                stride[1], padding[0], padding[1], dilation[0], dilation[1],
                                _pool_threads(x.size))
    shape = x.shape[:-2] + (OH, OW)
    return y.reshape(shape), (idx.reshape(shape) if with_indices else None)


def max_pool2d_backward(gy, indices, x_shape, dtype):
    """gx (x_shape) with each gy routed to its window's argmax (overlaps accumulate).

    ``indices`` are max_pool2d_forward's (int32); positions outside the plane get nothing.
    """
    gyp = _grad_planes("max_pool2d_backward", gy, x_shape, dtype)
    if indices.dtype != _pnp.int32 or indices.shape != gy.shape:
        raise ValueError(f"max_pool2d_backward: indices must be int32 of shape {gy.shape}, got "
                         f"{indices.dtype} {indices.shape}")
    ip = _pnp.ascontiguousarray(indices).reshape(gyp.shape)
    gx = _pnp.empty(x_shape, dtype=dtype)
    if gx.size:
        if gy.size == 0:
            gx.fill(0)
        else:
            _ext.max_pool2d_backward(gyp, ip, gx.reshape(-1, x_shape[-2], x_shape[-1]),
                                     _pool_threads(gx.size))
    return gx


def avg_pool2d_forward(x, kernel_size, stride, padding, out_hw, count_include_pad,
                       divisor_override):
    """y (..., OH, OW) = window means of x (..., H, W) with torch's divisor rules."""
    _check_pool_geometry("avg_pool2d", kernel_size, stride, padding, (1, 1), out_hw)
    xp = _pool_planes("avg_pool2d", x)
    OH, OW = out_hw
    y = _pnp.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    if y.size:
        _ext.avg_pool2d_forward(xp, y, kernel_size[0], kernel_size[1], stride[0], stride[1],
                                padding[0], padding[1], bool(count_include_pad),
                                divisor_override or 0, _pool_threads(x.size))
    return y.reshape(x.shape[:-2] + (OH, OW))


def avg_pool2d_backward(gy, x_shape, dtype, kernel_size, stride, padding, count_include_pad,
                        divisor_override):
    """gx (x_shape): each gy spread evenly over its window (overlaps accumulate)."""
    _check_pool_geometry("avg_pool2d_backward", kernel_size, stride, padding, (1, 1),
                         gy.shape[-2:])
    gyp = _grad_planes("avg_pool2d_backward", gy, x_shape, dtype)
    gx = _pnp.empty(x_shape, dtype=dtype)
    if gx.size:
        if gy.size == 0:
            gx.fill(0)
        else:
            _ext.avg_pool2d_backward(gyp, gx.reshape(-1, x_shape[-2], x_shape[-1]),
                                     kernel_size[0], kernel_size[1], stride[0], stride[1],
                                     padding[0], padding[1], bool(count_include_pad),
                                     divisor_override or 0, _pool_threads(gx.size))
    return gx


def adaptive_avg_pool2d_forward(x, out_hw):
    """y (..., OH, OW): means of x over torch's adaptive bins."""
    xp = _pool_planes("adaptive_avg_pool2d", x)
    OH, OW = out_hw
    if OH < 0 or OW < 0:
        raise ValueError(f"adaptive_avg_pool2d: bad output size {tuple(out_hw)}")
    y = _pnp.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    if y.size:
        _ext.adaptive_avg_pool2d_forward(xp, y, _pool_threads(x.size))
    return y.reshape(x.shape[:-2] + (OH, OW))


def adaptive_avg_pool2d_backward(gy, x_shape, dtype):
    """gx (x_shape): each gy spread evenly over its adaptive bin."""
    gyp = _grad_planes("adaptive_avg_pool2d_backward", gy, x_shape, dtype)
    gx = _pnp.empty(x_shape, dtype=dtype)
    if gx.size:
        if gy.size == 0:
            gx.fill(0)
        elif gyp.shape[1:] == (1, 1):
            _pnp.divide(gyp, float(x_shape[-2] * x_shape[-1]),
                        out=gx.reshape(-1, x_shape[-2], x_shape[-1]))
        else:
            _ext.adaptive_avg_pool2d_backward(gyp, gx.reshape(-1, x_shape[-2], x_shape[-1]),
                                              _pool_threads(gx.size))
    return gx


# ------------------------------------------------------------------------------- normalization
def _norm_rows(op, a, dtype):
    """a as a C-contiguous (A, S, L) array of ``dtype`` (the float dtype of the norm's input)."""
    if dtype not in _FLOATS:
        raise TypeError(f"{op}: expected a float32 or float64 input, got {dtype}")
    if a.ndim != 3:
        raise ValueError(f"{op}: expected an (A, S, L) view, got shape {a.shape}")
    return _np.ascontiguousarray(a, dtype=dtype)


def _norm_coef(op, c, A, S, dtype):
    """A per-row coefficient as a C-contiguous (1 or A, S) array of ``dtype``."""
    c = _np.ascontiguousarray(c, dtype=dtype).reshape(-1, S)
    if c.shape[0] not in (1, A):
        raise ValueError(f"{op}: coefficient of shape {c.shape} does not fit rows ({A}, {S})")
    return c


def _pass_threads(size):
    """OpenMP team size for one streaming pass (normalization, GELU) over ``size`` elements."""
    return 1 if size < 1 << 15 else conv_threads


def norm_row_stats(x3):
    """Per-row sums and centered sums of squares of x3 (A, S, L) along L: two (A, S) arrays."""
    x3 = _norm_rows("norm_row_stats", x3, x3.dtype)
    A, S, _ = x3.shape
    sums = _np.empty((A, S), dtype=x3.dtype)
    m2 = _np.empty((A, S), dtype=x3.dtype)
    _ext.norm_row_stats(x3, sums, m2, _pass_threads(x3.size))
    return sums, m2


def norm_affine(x3, scale, shift):
    """y (A, S, L) = x3 * scale + shift, with per-row coefficients of shape (1 or A, S)."""
    x3 = _norm_rows("norm_affine", x3, x3.dtype)
    A, S, _ = x3.shape
    y = _np.empty(x3.shape, dtype=x3.dtype)
    _ext.norm_affine(x3, _norm_coef("norm_affine", scale, A, S, x3.dtype),
                     _norm_coef("norm_affine", shift, A, S, x3.dtype), y,
                     _pass_threads(x3.size))
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
    sgy = _np.empty((A, S), dtype=x3.dtype)
    sgxc = _np.empty((A, S), dtype=x3.dtype)
    _ext.norm_grad_sums(gy3, x3, _norm_coef("norm_grad_sums", mean, A, S, x3.dtype), sgy, sgxc,
                        _pass_threads(x3.size))
    return sgy, sgxc


def norm_grad_affine(gy3, x3, k, d, c):
    """gx (A, S, L) = gy3 * k - x3 * d + c, with per-row coefficients of shape (1 or A, S)."""
    gy3, x3 = _norm_grad_rows("norm_grad_affine", gy3, x3)
    A, S, _ = x3.shape
    gx = _np.empty(x3.shape, dtype=x3.dtype)
    coef = [_norm_coef("norm_grad_affine", v, A, S, x3.dtype) for v in (k, d, c)]
    _ext.norm_grad_affine(gy3, x3, *coef, gx, _pass_threads(x3.size))
    return gx


# ------------------------------------------------------------------------------- activations
def _flat_float(op, x, dtype):
    """x as a C-contiguous 1-D array of ``dtype`` (float32 or float64)."""
    if dtype not in _FLOATS:
        raise TypeError(f"{op}: expected float32 or float64, got {dtype}")
    return _np.ascontiguousarray(x, dtype=dtype).reshape(-1)


@_functools.lru_cache(maxsize=None)
def _phi_tail_coefficients():
    """Chebyshev coefficients (float32) of R(z)/t, R(z) = erfc(z) * exp(z*z), t = 1/(1 + z/2),
    in u = (t - tmid)/thalf over z in [0, zmax], interpolated at Chebyshev nodes from math.erfc
    in float64; and (tmid, thalf).  See _act.pxi."""
    n, zmax = _ext.phi_tail_shape()
    tmin = 1.0 / (1.0 + 0.5 * zmax)
    tmid, thalf = 0.5 * (1.0 + tmin), 0.5 * (1.0 - tmin)
    u = _np.cos(_np.pi * (_np.arange(n) + 0.5) / n)
    t = tmid + thalf * u
    z = (1.0 / t - 1.0) * 2.0
    g = _np.array([_math.erfc(v) * _math.exp(v * v) for v in z]) / t
    coef = _np.polynomial.chebyshev.chebfit(u, g, n - 1)   # n nodes: interpolation
    return coef.astype(_np.float32), float(tmid), float(thalf)


def gelu_forward(x):
    """(y, cdf) for the exact GELU: cdf = Phi(x), y = x * cdf, both shaped and typed like x."""
    xf = _flat_float("gelu", x, x.dtype)
    y = _np.empty_like(xf)
    cdf = _np.empty_like(xf)
    _ext.gelu_forward(xf, y, cdf, *_phi_tail_coefficients(), _pass_threads(xf.size))
    return y.reshape(x.shape), cdf.reshape(x.shape)


def gelu_backward(x, cdf, gy):
    """gx = gy * (Phi(x) + x * phi(x)) for the exact GELU, with cdf = Phi(x) from the forward."""
    xf = _flat_float("gelu_backward", x, x.dtype)
    cf = _flat_float("gelu_backward", cdf, x.dtype)
    gf = _flat_float("gelu_backward", gy, x.dtype)
    if not xf.size == cf.size == gf.size:
        raise ValueError(f"gelu_backward: x {x.shape}, cdf {cdf.shape} and gradient {gy.shape} "
                         f"must have one shape")
    gx = _np.empty_like(xf)
    _ext.gelu_backward(xf, cf, gf, gx, _pass_threads(xf.size))
    return gx.reshape(x.shape)
