"""The convolution ops: Conv2d, ConvTranspose2d, and ConvBackward (Conv2d's backward as an op).

Legend: x input (N, C, H, W); w weight (F, C/G, KH, KW) (transposed: (Cin, Cout/G, KH, KW));
b bias or None; y output; gradients gy, gx, gw, gb; second-order gradients (the gradients
flowing into gx, gw, gb) ggx, ggw, ggb.

Differentiating again without giving up the fast kernels: ``Conv2d.backward`` is one call of
``ConvBackward``, whose *forward* runs the algorithm's own backward on arrays (the same work
as before, with the im2col columns the forward kept), and whose *backward* is written with
these same ops, so gradients of any order exist.  With A_w the linear map x -> conv(x, w):

    gx = A_w^T gy             (ConvBackward asked for gx: a transposed convolution)
    gw = weight-grad(gy, x)   (bilinear in gy and x)
    gb = sum of gy over (N, OH, OW)

and therefore, for incoming ggx, ggw, ggb:

    d gy = conv(ggx, w) + conv(x, ggw) + ggb    (Conv2d, twice)
    d x  = A_ggw^T gy                            (ConvBackward asked for gx, weight ggw)
    d w  = weight-grad(gy, ggx)                  (ConvBackward asked for gw, input ggx)

A transposed convolution is the adjoint of a convolution, so its backward is the same two ops.
"""
from ..._engine import Op
from ..elementwise import Add
from ..reduce import Sum
from ..shape import Expand, Reshape
from .algorithm import add_bias
from .im2col import Im2colGemm
from .registry import select_algorithm

__all__ = ["Conv2d", "ConvTranspose2d", "ConvBackward"]


class Conv2d(Op):
    """y = conv(x, w) + b (b may be None).  Params: geom (ConvGeometry), already validated."""

    category = "conv"
    node_name = "ConvolutionBackward0"  # torch's name for this node
    tensor_backward = True

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
        grads = iter(ConvBackward.apply(
            gy, x, w, geom=ctx.geom, x_shape=x._data.shape, w_shape=w._data.shape,
            outputs=needs, algo=ctx.algo, cols=None if cols is None else cols._data))
        return tuple(next(grads) if n else None for n in needs)


class ConvBackward(Op):
    """The gradients (gx, gw, gb) of y = conv(x, w) + b for the output gradient gy.

    Inputs: gy (N, F, OH, OW); x, None when gw is not asked for; w, None when gx is not.
    Params: geom (the convolution's ConvGeometry); x_shape, w_shape; outputs, three flags
    saying which of gx, gw, gb to compute; algo, the convolution algorithm (default: the one
    ``select_algorithm`` picks for x_shape); cols, the forward's im2col columns (im2col only).

    Returns the asked-for gradients in the order gx, gw, gb (always a tuple).
    """

    category = "conv"
    node_name = "ConvolutionBackwardBackward0"  # torch's name for this node
    tensor_backward = True
    n_differentiable = 3

    @staticmethod
    def forward(ctx, gy, x, w, geom, x_shape, w_shape, outputs, algo=None, cols=None):
        need_x, need_w, need_b = outputs
        if algo is None:
            algo = select_algorithm(x_shape, w_shape, geom, gy.dtype)
        gx = gw = None
        if x is not None and w is not None and (need_x or need_w):
            extra = () if cols is None else (cols,)
            gx, gw = algo.backward(gy, x, w, x_shape, geom, need_x, need_w, *extra)
        elif need_x:
            gx = algo.backward_input(gy, w, x_shape, geom)
        elif need_w:
            gw = algo.backward_weight(gy, x, w_shape, geom)
        gb = gy.sum(axis=(0, 2, 3)) if need_b else None
        ctx.geom, ctx.x_shape, ctx.w_shape, ctx.outputs = geom, x_shape, w_shape, outputs
        ctx.set_materialize_grads(False)  # an output nobody used costs no convolution
        ctx.save_for_backward(gy, x, w)
        return tuple(g for g, n in zip((gx, gw, gb), outputs) if n)

    @staticmethod
    def backward(ctx, *ggs):
        gy, x, w = ctx.saved_tensors
        it = iter(ggs)
        ggx, ggw, ggb = (next(it) if n else None for n in ctx.outputs)
        n_gy, n_x, n_w = ctx.needs_input_grad
        geom, x_shape, w_shape = ctx.geom, ctx.x_shape, ctx.w_shape
        d_gy = d_x = d_w = None
        if n_gy:
            if ggx is not None:
                d_gy = Conv2d.apply(ggx, w, None, geom=geom)
            if ggw is not None:
                t = Conv2d.apply(x, ggw, None, geom=geom)
                d_gy = t if d_gy is None else Add.apply(d_gy, t)
            if ggb is not None:
                t = Reshape.apply(ggb, shape=(1, -1, 1, 1))
                d_gy = (Expand.apply(t, shape=gy._data.shape) if d_gy is None
                        else Add.apply(d_gy, t))
        if n_x and ggw is not None:
            (d_x,) = ConvBackward.apply(gy, None, ggw, geom=geom, x_shape=x_shape,
                                        w_shape=w_shape, outputs=(True, False, False))
        if n_w and ggx is not None:
            (d_w,) = ConvBackward.apply(gy, ggx, None, geom=geom, x_shape=x_shape,
                                        w_shape=w_shape, outputs=(False, True, False))
        return d_gy, d_x, d_w


class ConvTranspose2d(Op):
    """y = conv_transpose(x, w) + b, the adjoint of conv2d with weight w (Cin, Cout/G, KH, KW).

    Params: geom describes the forward convolution y -> x (its out_size is x's H, W);
    out_shape is y's shape.  The backward is that convolution: gx = conv(gy, w), and gw is
    its weight gradient for input gy and output gradient x.
    """

    category = "conv"
    node_name = "ConvolutionBackward0"  # torch's name for this node
    tensor_backward = True

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
        n_x, n_w, n_b = ctx.needs_input_grad
        geom = ctx.geom
        gx = Conv2d.apply(gy, w, None, geom=geom) if n_x else None
        gw = None
        if n_w:
            (gw,) = ConvBackward.apply(x, gy, None, geom=geom, x_shape=gy._data.shape,
                                       w_shape=w._data.shape, outputs=(False, True, False),
                                       algo=ctx.algo)
        gb = Sum.apply(gy, axes=(0, 2, 3), keepdim=False) if n_b else None
        return gx, gw, gb
