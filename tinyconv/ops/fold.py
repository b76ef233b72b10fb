"""Unfold (im2col) and Fold (col2im) as differentiable ops; each is the other's adjoint, so
each one's gradient is the other op (and gradients of any order exist).

Legend: x image (N, C, H, W); cols in torch's layout (N, C*KH*KW, L) with L = OH*OW sliding
blocks in row-major order; row (c, i, j) of a block holds x[n, c, oh*sh - ph + i*dh,
ow*sw - pw + j*dw] (zero in the padding).  The Cython kernels (``_kernels.conv.im2col`` and
``col2im``) use the layout (C*KH*KW, N*L), so the batch axis is moved in Python.
Hyper-parameters arrive validated and normalised to pairs by ``nn.functional``:
kernel (KH, KW), dilation, padding (ph, pw), stride, blocks (OH, OW).
"""
import numpy as np

from .._engine import Op
from ._kernels import conv as K


def _im2col_nlc(x, kernel, dilation, padding, stride, blocks):
    """cols (N, C*KH*KW, L) of x (N, C, H, W)."""
    N = x.shape[0]
    cols = K.im2col(x, kernel[0], kernel[1], stride, padding, dilation, blocks)
    CK = cols.shape[0]
    # (CK, N*L) -> (CK, N, L) -> (N, CK, L)
    return np.ascontiguousarray(cols.reshape(CK, N, -1).transpose(1, 0, 2))


def _col2im_nlc(cols, x_shape, kernel, dilation, padding, stride, blocks):
    """x (N, C, H, W) = sum over the overlapping blocks of cols (N, C*KH*KW, L)."""
    N, CK, L = cols.shape
    # (N, CK, L) -> (CK, N, L) -> (CK, N*L)
    c = np.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(CK, N * L)
    return K.col2im(c, x_shape, kernel[0], kernel[1], stride, padding, dilation, blocks)


class Unfold(Op):
    """Sliding local blocks of x as columns: (N, C, H, W) -> (N, C*KH*KW, L)."""

    category = "layout"
    node_name = "Im2ColBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, kernel=None, dilation=None, padding=None, stride=None, blocks=None):
        ctx.x_shape = x.shape
        ctx.geom = dict(kernel=kernel, dilation=dilation, padding=padding, stride=stride,
                        blocks=blocks)
        return _im2col_nlc(x, kernel, dilation, padding, stride, blocks)

    @staticmethod
    def backward(ctx, gy):
        return Fold.apply(gy, x_shape=ctx.x_shape, **ctx.geom)


class Fold(Op):
    """Sum columns back into an image: (N, C*KH*KW, L) -> (N, C, H, W) (overlaps add)."""

    category = "layout"
    node_name = "Col2ImBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, cols, x_shape=None, kernel=None, dilation=None, padding=None, stride=None,
                blocks=None):
        ctx.geom = dict(kernel=kernel, dilation=dilation, padding=padding, stride=stride,
                        blocks=blocks)
        return _col2im_nlc(cols, x_shape, kernel, dilation, padding, stride, blocks)

    @staticmethod
    def backward(ctx, gy):
        return Unfold.apply(gy, **ctx.geom)
