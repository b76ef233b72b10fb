"""MaxPool1d/3d, AvgPool1d/3d, AdaptiveMaxPool1d/2d/3d, AdaptiveAvgPool1d/3d, LPPool1d/2d
(torch's arguments and repr; the functions are ``nn.functional.pooling_nd``'s)."""
from ..._geometry import ntuple
from .. import functional as F
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool3d", "AvgPool1d", "AvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool3d",
           "LPPool1d", "LPPool2d"]


class _MaxPool(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.dilation, ceil_mode=self.ceil_mode,
                              return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPool):
    """1-D max pooling over (N, C, L) inputs.

    Args:
        kernel_size: the window length.
        stride: the window step (default: kernel_size).
        padding: implicit -inf padding on both ends.
        dilation: spacing of the window taps.
        return_indices: also return the argmax positions.
        ceil_mode: round the output length up.
    """

    _fn = staticmethod(F.max_pool1d)


class MaxPool3d(_MaxPool):
    """3-D max pooling over (N, C, D, H, W) inputs.

    Args:
        kernel_size: int or triple.
        stride: int or triple (default: kernel_size).
        padding: implicit -inf padding.
        dilation: spacing of the window taps.
        return_indices: also return the argmax positions.
        ceil_mode: round the output sizes up.
    """

    _fn = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L) inputs.

    Args:
        kernel_size: the window length.
        stride: the window step (default: kernel_size).
        padding: implicit zero padding on both ends.
        ceil_mode: round the output length up.
        count_include_pad: count the padding in the divisor.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        one = ntuple(1)
        self.kernel_size = one(kernel_size)
        self.stride = one(stride if stride is not None else kernel_size)
        self.padding = one(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(Module):
    """3-D average pooling over (N, C, D, H, W) inputs.

    Args:
        kernel_size: int or triple.
        stride: int or triple (default: kernel_size).
        padding: implicit zero padding.
        ceil_mode: round the output sizes up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide every window sum by this instead.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveMax(Module):
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMax):
    """Max pooling to a fixed output length.

    Args:
        output_size: the output length.
        return_indices: also return the argmax positions.
    """

    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMax):
    """Max pooling to a fixed output size.

    Args:
        output_size: an int or a pair (None keeps that input size).
        return_indices: also return the argmax positions.
    """

    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMax):
    """Max pooling to a fixed output size.

    Args:
        output_size: an int or a triple (None keeps that input size).
        return_indices: also return the argmax positions.
    """

    _fn = staticmethod(F.adaptive_max_pool3d)


class _AdaptiveAvg(Module):
    _fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return type(self)._fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvg):
    """Average pooling to a fixed output length.

    Args:
        output_size: the output length.
    """

    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool3d(_AdaptiveAvg):
    """Average pooling to a fixed output size.

    Args:
        output_size: an int or a triple (None keeps that input size).
    """

    _fn = staticmethod(F.adaptive_avg_pool3d)


class _LPPool(Module):
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """Power-average pooling over (N, C, L) inputs.

    Args:
        norm_type: p.
        kernel_size: the window length.
        stride: the window step (default: kernel_size).
        ceil_mode: round the output length up.
    """

    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPool):
    """Power-average pooling over (N, C, H, W) inputs.

    Args:
        norm_type: p.
        kernel_size: int or pair.
        stride: int or pair (default: kernel_size).
        ceil_mode: round the output sizes up.
    """

    _fn = staticmethod(F.lp_pool2d)
