"""Direct Cython loops for convolutions whose per-group GEMM is tiny (depthwise: Fg = Cg = 1):
no column buffer at all.  ``Im2colForwardDirectBackward`` keeps the im2col forward and runs
only the backward directly."""
from .._kernels import conv as K
from .algorithm import ConvAlgorithm, add_bias
from .im2col import Im2colGemm

__all__ = ["Direct", "Im2colForwardDirectBackward"]


def _channel_product(w_shape, geom):
    """Cg * Fg: input times output channels per group."""
    return w_shape[1] * (w_shape[0] // geom.groups)


class Direct(ConvAlgorithm):
    """The whole convolution (forward and both gradients) on the direct kernels.

    Chosen where Cg*Fg <= MAX_CHANNEL_PRODUCT: per group a (Fg x Cg*K) @ (Cg*K x P) GEMM with
    few channels runs BLAS at a crawl, and its weight-gradient GEMM (Fg x N*P) @ (N*P x Cg*K)
    even more so.  Measured on whole LeNet-5 training steps (N=128, same process, 3 rounds):
    with limits 32/128 (direct for 3->6, im2col+direct for 6->16) a step took 151 ms
    (3x32x32) and 121 ms (1x28x28), with im2col for both layers 54 ms and 36 ms; so only
    depthwise-like convs stay direct.
    """

    name = "direct"
    switch = "direct"
    MAX_CHANNEL_PRODUCT = 4

    @classmethod
    def worthwhile(cls, x_shape, w_shape, geom, dtype):
        return _channel_product(w_shape, geom) <= cls.MAX_CHANNEL_PRODUCT

    @staticmethod
    def forward(x, w, b, geom):
        pads = (geom.pads[0], geom.pads[2])
        return add_bias(K.conv_direct(x, w, geom.stride, pads, geom.dilation, geom.groups,
                                      geom.out_size), b)

    @staticmethod
    def backward_input(gy, w, x_shape, geom):
        return K.conv_direct_grad_input(gy, w, x_shape, geom.stride,
                                        (geom.pads[0], geom.pads[2]), geom.dilation,
                                        geom.groups)

    @staticmethod
    def backward_weight(gy, x, w_shape, geom):
        return K.conv_direct_grad_weight(gy, x, w_shape, geom.stride,
                                         (geom.pads[0], geom.pads[2]), geom.dilation,
                                         geom.groups)


class Im2colForwardDirectBackward(Direct):
    """im2col + GEMM forward, direct backward: for few-channel convs whose forward GEMM is fine
    but whose weight-gradient GEMM, with a huge inner dimension N*P and a tiny Fg x Cg*K
    result, is not.  Chosen where Cg*Fg <= MAX_CHANNEL_PRODUCT (see ``Direct``)."""

    name = "im2col+direct"
    MAX_CHANNEL_PRODUCT = 4
    forward = staticmethod(Im2colGemm.forward)
