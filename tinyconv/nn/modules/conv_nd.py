"""Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d (attributes, init and repr as torch's;
the functions are ``nn.functional.conv_nd``'s, built on the 2-D kernels)."""
from ..._geometry import ntuple
from .. import functional as F
from .conv import ConvTranspose2d, _ConvNd

__all__ = ["Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose3d"]

class _Conv(_ConvNd):
    """A convolution of ``_n`` spatial dims computed by ``_fn``."""

    _n, _fn = None, None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        t = ntuple(self._n)
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride),
                         padding if isinstance(padding, str) else t(padding), t(dilation),
                         False, t(0), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            pad = self._reversed_padding_repeated_twice
            return fn(F.pad(input, pad, mode=self.padding_mode), weight, bias, self.stride,
                      ntuple(self._n)(0), self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) inputs (the 2-D kernels over a height-1 image).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: int or 1-tuple.
        stride: int or 1-tuple.
        padding: int, 1-tuple, 'same' or 'valid'.
        dilation: int or 1-tuple.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, L) or (C_in, L); output (N, C_out, OL).
        weight (out_channels, in_channels // groups, K), bias (out_channels,).
    """

    _n, _fn = 1, staticmethod(F.conv1d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) inputs (KD 2-D convolutions summed).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: int or triple.
        stride: int or triple.
        padding: int, triple, 'same' or 'valid'.
        dilation: int or triple.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W); output (N, C_out, OD, OH, OW).
        weight (out_channels, in_channels // groups, KD, KH, KW), bias (out_channels,).
    """

    _n, _fn = 3, staticmethod(F.conv3d)


class _ConvTranspose(ConvTranspose2d):
    _n, _fn = None, None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}')
        t = ntuple(self._n)
        _ConvNd.__init__(self, in_channels, out_channels, t(kernel_size), t(stride),
                         t(padding), t(dilation), True, t(output_padding), groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding,
                              output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution (the gradient of Conv1d w.r.t. its input).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: int or 1-tuple.
        stride: the stride of the convolution this one transposes.
        padding: that convolution's padding; trims the output at both ends.
        output_padding: extra size added to one end of the output.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        dilation: int or 1-tuple.
        padding_mode: only 'zeros' (as in torch).
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, L); output (N, C_out, OL).
        weight (in_channels, out_channels // groups, K), bias (out_channels,).
    """

    _n, _fn = 1, staticmethod(F.conv_transpose1d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (the gradient of Conv3d w.r.t. its input).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: int or triple.
        stride: the stride of the convolution this one transposes.
        padding: that convolution's padding; trims the output on each side.
        output_padding: extra size added to one side of each output dim.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        dilation: int or triple.
        padding_mode: only 'zeros' (as in torch).
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, D, H, W); output (N, C_out, OD, OH, OW).
        weight (in_channels, out_channels // groups, KD, KH, KW), bias (out_channels,).
    """

    _n, _fn = 3, staticmethod(F.conv_transpose3d)

