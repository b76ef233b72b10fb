"""Wrappers of the pooling kernels (``_pool.pxi``).

They take (N, C, H, W) or (C, H, W) arrays, view them as (P, H, W) planes (P = N*C), allocate
the outputs and check every bound the nogil code relies on (dtype, contiguity, positive steps,
matching shapes).
"""
import math

import numpy as np

from . import FLOATS, ext, threads_for

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward", "adaptive_avg_pool2d_forward", "adaptive_avg_pool2d_backward"]


def _pool_planes(op, x):
    """x as a C-contiguous (P, H, W) float array."""
    if x.dtype not in FLOATS:
        raise TypeError(f"{op}: expected a float32 or float64 input, got {x.dtype}")
    if x.ndim < 2 or x.shape[-2] < 1 or x.shape[-1] < 1:
        raise ValueError(f"{op}: input of shape {x.shape} has no (H, W) plane")
    return np.ascontiguousarray(x).reshape(-1, x.shape[-2], x.shape[-1])


def _check_pool_geometry(op, kernel_size, stride, padding, dilation, out_hw):
    if (kernel_size[0] < 1 or kernel_size[1] < 1 or stride[0] < 1 or stride[1] < 1
            or padding[0] < 0 or padding[1] < 0 or dilation[0] < 1 or dilation[1] < 1
            or out_hw[0] < 0 or out_hw[1] < 0):
        raise ValueError(
            f"{op}: bad geometry kernel_size {tuple(kernel_size)}, stride {tuple(stride)}, "
            f"padding {tuple(padding)}, dilation {tuple(dilation)}, output size {tuple(out_hw)}")


def _grad_planes(op, gy, x_shape, dtype):
    """gy as C-contiguous (P, OH, OW) planes of ``dtype``, checked against the input shape."""
    if dtype not in FLOATS:
        raise TypeError(f"{op}: expected a float32 or float64 gradient, got {dtype}")
    if (gy.ndim != len(x_shape) or gy.shape[:-2] != tuple(x_shape[:-2])
            or x_shape[-2] < 1 or x_shape[-1] < 1):
        raise ValueError(f"{op}: gradient of shape {gy.shape} does not match input shape "
                         f"{tuple(x_shape)}")
    if gy.dtype != dtype:
        gy = gy.astype(dtype)
    P = math.prod(x_shape[:-2])
    return np.ascontiguousarray(gy).reshape(P, gy.shape[-2], gy.shape[-1])


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
    y = np.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    idx = np.empty((xp.shape[0], OH, OW), dtype=np.int32) if with_indices else None
    if y.size:
        ext.max_pool2d_forward(xp, y, idx, kernel_size[0], kernel_size[1], stride[0],
                                stride[1], padding[0], padding[1], dilation[0], dilation[1],
                                threads_for(x.size))
    shape = x.shape[:-2] + (OH, OW)
    return y.reshape(shape), (idx.reshape(shape) if with_indices else None)


def _planes_gradient(gy, x_shape, dtype, kernel):
    """gx (x_shape): ``kernel(gx_planes)`` writes every element of the (planes, H, W) view
    from gy; all zeros when gy is empty (no window), nothing to run when gx is."""
    gx = np.empty(x_shape, dtype=dtype)
    if gx.size:
        if gy.size == 0:
            gx.fill(0)
        else:
            kernel(gx.reshape(-1, x_shape[-2], x_shape[-1]))
    return gx


def max_pool2d_backward(gy, indices, x_shape, dtype):
    """gx (x_shape) with each gy routed to its window's argmax (overlaps accumulate).

    ``indices`` are max_pool2d_forward's (int32); positions outside the plane get nothing.
    """
    gyp = _grad_planes("max_pool2d_backward", gy, x_shape, dtype)
    if indices.dtype != np.int32 or indices.shape != gy.shape:
        raise ValueError(f"max_pool2d_backward: indices must be int32 of shape {gy.shape}, got "
                         f"{indices.dtype} {indices.shape}")
    ip = np.ascontiguousarray(indices).reshape(gyp.shape)
    return _planes_gradient(gy, x_shape, dtype, lambda gxp: ext.max_pool2d_backward(
        gyp, ip, gxp, threads_for(gxp.size)))


def avg_pool2d_forward(x, kernel_size, stride, padding, out_hw, count_include_pad,
                       divisor_override):
    """y (..., OH, OW) = window means of x (..., H, W) with torch's divisor rules."""
    _check_pool_geometry("avg_pool2d", kernel_size, stride, padding, (1, 1), out_hw)
    xp = _pool_planes("avg_pool2d", x)
    OH, OW = out_hw
    y = np.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    if y.size:
        ext.avg_pool2d_forward(xp, y, kernel_size[0], kernel_size[1], stride[0], stride[1],
                                padding[0], padding[1], bool(count_include_pad),
                                divisor_override or 0, threads_for(x.size))
    return y.reshape(x.shape[:-2] + (OH, OW))


def avg_pool2d_backward(gy, x_shape, dtype, kernel_size, stride, padding, count_include_pad,
                        divisor_override):
    """gx (x_shape): each gy spread evenly over its window (overlaps accumulate)."""
    _check_pool_geometry("avg_pool2d_backward", kernel_size, stride, padding, (1, 1),
                         gy.shape[-2:])
    gyp = _grad_planes("avg_pool2d_backward", gy, x_shape, dtype)
    return _planes_gradient(gy, x_shape, dtype, lambda gxp: ext.avg_pool2d_backward(
        gyp, gxp, kernel_size[0], kernel_size[1], stride[0], stride[1], padding[0], padding[1],
        bool(count_include_pad), divisor_override or 0, threads_for(gxp.size)))


def adaptive_avg_pool2d_forward(x, out_hw):
    """y (..., OH, OW): means of x over torch's adaptive bins."""
    xp = _pool_planes("adaptive_avg_pool2d", x)
    OH, OW = out_hw
    if OH < 0 or OW < 0:
        raise ValueError(f"adaptive_avg_pool2d: bad output size {tuple(out_hw)}")
    y = np.empty((xp.shape[0], OH, OW), dtype=x.dtype)
    if y.size:
        ext.adaptive_avg_pool2d_forward(xp, y, threads_for(x.size))
    return y.reshape(x.shape[:-2] + (OH, OW))


def adaptive_avg_pool2d_backward(gy, x_shape, dtype):
    """gx (x_shape): each gy spread evenly over its adaptive bin."""
    gyp = _grad_planes("adaptive_avg_pool2d_backward", gy, x_shape, dtype)

    def spread(gxp):
        if gyp.shape[1:] == (1, 1):  # global pooling: a broadcast divide
            np.divide(gyp, float(x_shape[-2] * x_shape[-1]), out=gxp)
        else:
            ext.adaptive_avg_pool2d_backward(gyp, gxp, threads_for(gxp.size))

    return _planes_gradient(gy, x_shape, dtype, spread)


