"""The convolution ops: Conv2d and ConvTranspose2d, on the algorithm the registry picks.

Legend: x input (N, C, H, W); w weight (F, C/G, KH, KW) (transposed: (Cin, Cout/G, KH, KW));
b bias or None; y output; gradients gy, gx, gw, gb.
"""
from ..._engine import Op
from .algorithm import add_bias
from .im2col import Im2colGemm
from .registry import select_algorithm

__all__ = ["Conv2d", "ConvTranspose2d"]


class Conv2d(Op):
    """y = conv(x, w) + b (b may be None).  Params: geom (ConvGeometry), already validated."""

    category = "conv"
    node_name = "ConvolutionBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, w, b, geom):
        algo = select_algorithm(x.shape, w.shape, geom, x.dtype)
        cols = None
        if algo is Im2colGemm and ctx.needs_input_grad[1]:
            # keep the im2col columns for the weight gradient instead of building them twice
            y, cols = algo.forward(x, w, b, geom, keep_cols=True)
        else:
            y = algo.forward(x, w, b, geom)
        ctx.geom, ctx.algo = geom, algo
        ctx.save_for_backward(x, w, cols)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, cols = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if cols is None:
            gx, gw = ctx.algo.backward(gy, x, w, x.shape, ctx.geom, needs[0], needs[1])
        else:
            gx, gw = ctx.algo.backward(gy, x, w, x.shape, ctx.geom, needs[0], needs[1], cols)
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb


class ConvTranspose2d(Op):
    """y = conv_transpose(x, w) + b, the adjoint of conv2d with weight w (Cin, Cout/G, KH, KW).

    Params: geom describes the forward convolution y -> x (its out_size is x's H, W).
    """

    category = "conv"
    node_name = "ConvolutionBackward0"  # torch's name for this node

    @staticmethod
    def forward(ctx, x, w, b, geom, out_shape):
        algo = select_algorithm(out_shape, w.shape, geom, x.dtype)
        y = add_bias(algo.backward_input(x, w, out_shape, geom), b)
        ctx.geom, ctx.algo = geom, algo
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        algo, geom = ctx.algo, ctx.geom
        gx = algo.forward(gy, w, None, geom) if needs[0] else None
        gw = algo.backward_weight(x, gy, w.shape, geom) if needs[1] else None
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb
