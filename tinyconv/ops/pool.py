"""Pooling ops: max pool (with argmax indices), average pool, adaptive average pool.

Legend: x input, y output, gy/gx gradients; shapes (N, C, H, W) -> (N, C, OH, OW), or the
unbatched (C, H, W) -> (C, OH, OW).  The work is done by the Cython kernels in ``_pool.pxi``
(through ``_kernels.pool``), one (H, W) plane per OpenMP iteration.  Hyper-parameters arrive
validated and normalised to pairs by ``nn.functional``.
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
        return K.max_pool2d_backward(gy, idx, ctx.x_shape, ctx.x_dtype)


class AvgPool2d(Op):
    """Window mean with torch's divisor (count_include_pad, divisor_override)."""

    category = "pooling"
    node_name = "AvgPool2DBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, output_size, count_include_pad=True,
                divisor_override=None):
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        ctx.params = (kernel_size, stride, padding, count_include_pad, divisor_override)
        return K.avg_pool2d_forward(x, kernel_size, stride, padding, output_size,
                                    count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, gy):
        return K.avg_pool2d_backward(gy, ctx.x_shape, ctx.x_dtype, *ctx.params)


class AdaptiveAvgPool2d(Op):
    """Mean over torch's adaptive bins: rows floor(i*H/OH) .. ceil((i+1)*H/OH), likewise
    columns (neighbouring bins overlap when OH does not divide H)."""

    category = "pooling"
    node_name = "AdaptiveAvgPool2DBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, output_size):
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        return K.adaptive_avg_pool2d_forward(x, output_size)

    @staticmethod
    def backward(ctx, gy):
        return K.adaptive_avg_pool2d_backward(gy, ctx.x_shape, ctx.x_dtype)
