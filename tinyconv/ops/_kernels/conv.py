"""Wrappers of the convolution kernels (``_im2col.pyx``, ``_small.pxi``): im2col, col2im,
direct loops for depthwise-like convolutions, and the register-blocked AVX2/FMA kernels."""
import numpy as np

from ..._hooks import record
from . import FLOATS, ext, num_threads

__all__ = ["im2col", "col2im", "conv_direct", "conv_direct_grad_input",
           "conv_direct_grad_weight", "SMALL_CONV", "conv_small", "conv_small_grad_weight"]


def _check_conv_geometry(op, KH, KW, stride, pads, dilation, out_size):
    if KH < 1 or KW < 1 or min(stride) < 1 or min(dilation) < 1 or min(pads) < 0 \
            or min(out_size) < 0:
        raise ValueError(
            f"{op}: bad geometry kernel {(KH, KW)}, stride {tuple(stride)}, pads {tuple(pads)}, "
            f"dilation {tuple(dilation)}, output size {tuple(out_size)}")


def _out_array(op, out, shape, dtype):
    """A new (shape, dtype) array, or the caller's ``out`` once checked to be one
    (C-contiguous)."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    if out.shape != shape or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"{op}: out must be C-contiguous {dtype} of shape {shape}, got "
                         f"{out.dtype} {out.shape}")
    return out


def im2col(x, KH, KW, stride, pads, dilation, out_size, out=None):
    """cols (C*KH*KW, N*OH*OW) from x (N, C, H, W); see _im2col.im2col.

    ``pads`` is (top, left); taps outside the image read zero.  ``out`` may be a C-contiguous
    buffer of the right shape and dtype to fill.
    """
    if x.dtype not in FLOATS:
        raise TypeError(f"im2col: expected float32 or float64 input, got {x.dtype}")
    if x.ndim != 4:
        raise ValueError(f"im2col: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    _check_conv_geometry("im2col", KH, KW, stride, pads, dilation, out_size)
    x = np.ascontiguousarray(x)
    N, C = x.shape[:2]
    OH, OW = out_size
    shape = (C * KH * KW, N * OH * OW)
    out = _out_array("im2col", out, shape, x.dtype)
    with record("im2col"):
        ext.im2col(x, out, KH, KW, stride[0], stride[1], pads[0], pads[1], dilation[0],
                   dilation[1], OH, OW, num_threads())
    return out


def col2im(cols, x_shape, KH, KW, stride, pads, dilation, out_size, out=None):
    """x (N, C, H, W) = sum of cols (C*KH*KW, N*OH*OW) over overlapping taps (im2col's adjoint).

    ``out``, if given, is overwritten (no need to zero it); it must be C-contiguous.
    """
    if cols.dtype not in FLOATS:
        raise TypeError(f"col2im: expected float32 or float64 columns, got {cols.dtype}")
    _check_conv_geometry("col2im", KH, KW, stride, pads, dilation, out_size)
    N, C, H, W = x_shape
    OH, OW = out_size
    shape = (C * KH * KW, N * OH * OW)
    if cols.shape != shape:
        raise ValueError(f"col2im: cols has shape {cols.shape}, expected {shape} for input "
                         f"shape {tuple(x_shape)} and output size {tuple(out_size)}")
    cols = np.ascontiguousarray(cols)
    out = _out_array("col2im", out, tuple(x_shape), cols.dtype)
    with record("col2im"):
        ext.col2im(cols, out, KH, KW, stride[0], stride[1], pads[0], pads[1], dilation[0],
                   dilation[1], OH, OW, num_threads())
    return out


def _direct_args(op, arrays, w_shape, stride, pads, dilation, groups):
    dt = arrays[0].dtype
    if dt not in FLOATS or any(a.dtype != dt for a in arrays):
        raise TypeError(f"{op}: expected float32 or float64 arrays of one dtype, got "
                        f"{[str(a.dtype) for a in arrays]}")
    if min(stride) < 1 or min(dilation) < 1 or min(pads) < 0 or groups < 1 \
            or w_shape[0] % groups:
        raise ValueError(f"{op}: bad geometry stride {tuple(stride)}, pads {tuple(pads)}, "
                         f"dilation {tuple(dilation)}, groups {groups} for weight {w_shape}")
    return [np.ascontiguousarray(a) for a in arrays]


def conv_direct(x, w, stride, pads, dilation, groups, out_size):
    """y (N, F, OH, OW) = conv(x, w) by direct loops (depthwise-like convs); pads (top, left)."""
    x, w = _direct_args("conv_direct", [x, w], w.shape, stride, pads, dilation, groups)
    N, C = x.shape[:2]
    if x.ndim != 4 or w.ndim != 4 or C != w.shape[1] * groups:
        raise ValueError(f"conv_direct: input {x.shape} does not match weight {w.shape} with "
                         f"groups={groups}")
    y = np.empty((N, w.shape[0]) + tuple(out_size), dtype=x.dtype)
    with record("direct conv"):
        ext.conv_direct(x, w, y, stride[0], stride[1], pads[0], pads[1], dilation[0],
                        dilation[1], groups, num_threads())
    return y


def conv_direct_grad_input(gy, w, x_shape, stride, pads, dilation, groups):
    """gx of shape x_shape for conv_direct's output gradient gy."""
    gy, w = _direct_args("conv_direct_grad_input", [gy, w], w.shape, stride, pads, dilation,
                         groups)
    if gy.ndim != 4 or gy.shape[1] != w.shape[0] or x_shape[1] != w.shape[1] * groups:
        raise ValueError(f"conv_direct_grad_input: gy {gy.shape}, weight {w.shape} and input "
                         f"shape {tuple(x_shape)} do not match (groups={groups})")
    gx = np.empty(tuple(x_shape), dtype=gy.dtype)
    with record("direct conv"):
        ext.conv_direct_grad_input(gy, w, gx, stride[0], stride[1], pads[0], pads[1],
                                   dilation[0], dilation[1], groups, num_threads())
    return gx


def conv_direct_grad_weight(gy, x, w_shape, stride, pads, dilation, groups):
    """gw of shape w_shape for conv_direct's output gradient gy and input x."""
    gy, x = _direct_args("conv_direct_grad_weight", [gy, x], w_shape, stride, pads, dilation,
                         groups)
    if gy.ndim != 4 or x.ndim != 4 or gy.shape[0] != x.shape[0] or gy.shape[1] != w_shape[0] \
            or x.shape[1] != w_shape[1] * groups:
        raise ValueError(f"conv_direct_grad_weight: gy {gy.shape}, input {x.shape} and weight "
                         f"shape {tuple(w_shape)} do not match (groups={groups})")
    gw = np.empty(tuple(w_shape), dtype=gy.dtype)
    acc = np.empty((w_shape[0], max(gy.shape[3], 1)), dtype=gy.dtype)
    with record("direct conv"):
        ext.conv_direct_grad_weight(gy, x, gw, acc, stride[0], stride[1], pads[0], pads[1],
                                    dilation[0], dilation[1], groups, num_threads())
    return gw

# register-blocked direct kernels for stride-1 convs with few output channels (_small.pxi):
# AVX2 + FMA only; False here keeps the conv selection off them
SMALL_CONV = ext.small_conv_available()


def _pack_small(w):
    """w (F, C, KH, KW) packed as (ceil(F/4), C, KH, KW, 4), zero past F."""
    F, C, KH, KW = w.shape
    F4 = -(-F // 4)
    wp = np.zeros((F4 * 4, C, KH, KW), dtype=w.dtype)
    wp[:F] = w
    return np.ascontiguousarray(wp.reshape(F4, 4, C, KH, KW).transpose(0, 2, 3, 4, 1))


def _pad_small(x, pads, KW, dw, OW):
    """x zero-padded by pads (top, bottom, left, right) and widened on the right so that every
    8-wide load of the kernels stays in its row."""
    N, C, H, W = x.shape
    pt, pb, pl, pr = pads
    Wp = max(W + pl + pr, -(-OW // 8) * 8 + (KW - 1) * dw)
    xp = np.zeros((N, C, H + pt + pb, Wp), dtype=x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _small_args(op, arrays, w_shape, pads, dilation, out_size):
    if not SMALL_CONV:
        raise RuntimeError(f"{op}: this CPU or build has no AVX2/FMA kernels")
    dt = arrays[0].dtype
    if dt not in FLOATS or any(a.dtype != dt for a in arrays):
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
    y = np.empty((x.shape[0], w.shape[0]) + tuple(out_size), dtype=x.dtype)
    with record("direct conv"):
        ext.conv_small_forward(xp, _pack_small(w), y, dilation[0], dilation[1], num_threads())
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
    gyp = np.zeros((N, F, OH, -(-OW // 8) * 8), dtype=gy.dtype)
    gyp[..., :OW] = gy
    F4 = -(-F // 4)
    nth = num_threads()
    parts = np.zeros((nth, F4, C, KH, KW, 4), dtype=np.float64)
    with record("direct conv"):
        ext.conv_small_grad_weight(xp, gyp, parts, dilation[0], dilation[1], nth)
    gw = parts.sum(axis=0).transpose(0, 4, 1, 2, 3).reshape(F4 * 4, C, KH, KW)[:F]
    return gw.astype(gy.dtype)


