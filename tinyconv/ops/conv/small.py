"""Register-blocked direct kernels (``_small.pxi``; AVX2/FMA CPUs) for stride-1, groups-1
convolutions with few output channels (LeNet-5's first layer): the forward and the weight
gradient without a column matrix; the input gradient on the im2col path (W^T @ gy, then
col2im)."""
from .._kernels import conv as K
from .algorithm import ConvAlgorithm, add_bias
from .im2col import Im2colGemm

__all__ = ["SmallDirect"]


class SmallDirect(ConvAlgorithm):
    """Chosen for at most MAX_OUT_CHANNELS output channels.  Measured (2026-12-02, 2 cores,
    N=128 float32; forward / weight gradient in ms, im2col path with kept columns vs these
    kernels): LeNet's 3->6 5x5 on 32x32 9.2/6.1 vs 3.4/3.2; its 6->16 on 14x14 4.5/1.9 vs
    2.7/3.4, and in bench_conv's forward+backward 8.6 (im2col) vs 10.2 ms; with 32 or 64
    output channels (3->32, 3->64 3x3 on 32x32) the two are level."""

    name = "small"
    switch = "small"
    MAX_OUT_CHANNELS = 8

    @staticmethod
    def supports(x_shape, w_shape, geom, dtype):
        return K.SMALL_CONV and geom.groups == 1 and tuple(geom.stride) == (1, 1)

    @classmethod
    def worthwhile(cls, x_shape, w_shape, geom, dtype):
        return w_shape[0] <= cls.MAX_OUT_CHANNELS

    @staticmethod
    def forward(x, w, b, geom):
        return add_bias(K.conv_small(x, w, geom.pads, geom.dilation, geom.out_size), b)

    @staticmethod
    def backward_input(gy, w, x_shape, geom):
        return Im2colGemm.backward_input(gy, w, x_shape, geom)

    @staticmethod
    def backward_weight(gy, x, w_shape, geom):
        return K.conv_small_grad_weight(gy, x, w_shape, geom.pads, geom.dilation)
