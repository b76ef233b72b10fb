"""Pooling ops: max pool (with argmax indices), average pool, adaptive average pool.

Legend: x input, y output, gy/gx gradients (ggx, ggy: gradients flowing into a backward);
shapes (N, C, H, W) -> (N, C, OH, OW), or the unbatched (C, H, W) -> (C, OH, OW).  The work
is done by the Cython kernels in ``_pool.pxi`` (through ``_kernels.pool``), one (H, W) plane
per OpenMP iteration.  Hyper-parameters arrive validated and normalised to pairs by
``nn.functional``.

Each backward is an op of its own whose forward is the backward kernel, so that first-order
training stays on the kernels while the backward can be differentiated again.  Every backward
is linear in gy and its adjoint is an op here: max pool's backward scatters gy to the argmax
positions (``MaxPool2dBackward``) and its adjoint gathers from them (``MaxPool2dGather``),
each the other's backward; average pools' backwards have the forward pool as adjoint.
The backwards do not depend on x otherwise, so second derivatives with respect to x are zero.
"""
import numpy as np

from .._engine import Op
from ._kernels import pool as K


class MaxPool2d(Op):
    """Window maximum; the gradient goes to the (first) argmax of each window.

    Returns ``(y, indices)`` when ``return_indices``; indices are flat positions h*W+w in the
    input plane, int64, as torch's.
    """

    category = "pooling"
    node_name = "MaxPool2DWithIndicesBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, output_size,
                return_indices=False):
        need = ctx.needs_input_grad[0]
        y, idx = K.max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size,
                                      need or return_indices)
        if need:
            ctx.save_for_backward(idx)
            ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        return (y, idx.astype(np.int64)) if return_indices else y

    @staticmethod
    def backward(ctx, gy):
        (idx,) = ctx.saved_tensors
        return MaxPool2dBackward.apply(gy, idx=idx._data, x_shape=ctx.x_shape,
                                       dtype=ctx.x_dtype)


class MaxPool2dBackward(Op):
    """gx (x_shape) = gy routed to the argmax positions ``idx`` (int32, gy's shape) of each
    plane, overlaps summed; its backward gathers from those positions."""

    category = "pooling"
    node_name = "MaxPool2DWithIndicesBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, idx, x_shape, dtype):
        ctx.idx = idx
        return K.max_pool2d_backward(gy, idx, x_shape, dtype)

    @staticmethod
    def backward(ctx, ggx):
        return MaxPool2dGather.apply(ggx, idx=ctx.idx)


class MaxPool2dGather(Op):
    """y (idx's shape) = the values of x's planes at the flat positions ``idx`` (0 for a
    position outside the plane): the adjoint of ``MaxPool2dBackward``, and its backward."""

    category = "pooling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, idx):
        H, W = x.shape[-2], x.shape[-1]
        ctx.x_shape, ctx.x_dtype, ctx.idx = x.shape, x.dtype, idx
        planes = np.ascontiguousarray(x).reshape(-1, H * W)  # (P, H*W)
        pos = idx.reshape(planes.shape[0], -1)  # (P, OH*OW)
        inside = (pos >= 0) & (pos < H * W)
        y = np.take_along_axis(planes, np.where(inside, pos, 0), axis=1)
        if not inside.all():
            y[~inside] = 0
        return y.reshape(idx.shape)

    @staticmethod
    def backward(ctx, gy):
        return MaxPool2dBackward.apply(gy, idx=ctx.idx, x_shape=ctx.x_shape, dtype=ctx.x_dtype)


class AvgPool2d(Op):
    """Window mean with torch's divisor (count_include_pad, divisor_override)."""

    category = "pooling"
    node_name = "AvgPool2DBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, output_size, count_include_pad=True,
                divisor_override=None):
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        ctx.params = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                          count_include_pad=count_include_pad,
                          divisor_override=divisor_override)
        return K.avg_pool2d_forward(x, kernel_size, stride, padding, output_size,
                                    count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, gy):
        return AvgPool2dBackward.apply(gy, x_shape=ctx.x_shape, dtype=ctx.x_dtype, **ctx.params)


class AvgPool2dBackward(Op):
    """gx (x_shape): each gy spread evenly over its window; its backward is the pool."""

    category = "pooling"
    node_name = "AvgPool2DBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x_shape, dtype, kernel_size, stride, padding, count_include_pad,
                divisor_override):
        ctx.params = dict(kernel_size=kernel_size, stride=stride, padding=padding,
                          count_include_pad=count_include_pad,
                          divisor_override=divisor_override)
        ctx.out_hw = gy.shape[-2:]
        return K.avg_pool2d_backward(gy, x_shape, dtype, kernel_size, stride, padding,
                                     count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, ggx):
        return AvgPool2d.apply(ggx, output_size=ctx.out_hw, **ctx.params)


class AdaptiveAvgPool2d(Op):
    """Mean over torch's adaptive bins: rows floor(i*H/OH) .. ceil((i+1)*H/OH), likewise
    columns (neighbouring bins overlap when OH does not divide H)."""

    category = "pooling"
    node_name = "AdaptiveAvgPool2DBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, output_size):
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        return K.adaptive_avg_pool2d_forward(x, output_size)

    @staticmethod
    def backward(ctx, gy):
        return AdaptiveAvgPool2dBackward.apply(gy, x_shape=ctx.x_shape, dtype=ctx.x_dtype)


class AdaptiveAvgPool2dBackward(Op):
    """gx (x_shape): each gy spread evenly over its adaptive bin; its backward is the pool."""

    category = "pooling"
    node_name = "AdaptiveAvgPool2DBackwardBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x_shape, dtype):
        ctx.out_hw = gy.shape[-2:]
        return K.adaptive_avg_pool2d_backward(gy, x_shape, dtype)

    @staticmethod
    def backward(ctx, ggx):
        return AdaptiveAvgPool2d.apply(ggx, output_size=ctx.out_hw)
