"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""
from .. import functional as F
from ..module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]


class MaxPool2d(Module):
    """2-D max pooling over (N, C, H, W) inputs.

    Args:
        kernel_size: window size (int or pair).
        stride: window step (default: kernel_size).
        padding: implicit -inf padding on both sides.
        dilation: spacing between window elements.
        return_indices: also return the argmax indices (for MaxUnpool).
        ceil_mode: use ceil instead of floor for the output size.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2-D average pooling over (N, C, H, W) inputs.

    Args:
        kernel_size: the window, int or pair.
        stride: int or pair (default ``kernel_size``).
        padding: implicit zero padding on both sides.
        ceil_mode: use ceil for the output size.
        count_include_pad: include the zero padding in the average.
        divisor_override: divide by this instead of the window size.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        if self.divisor_override is not None:
            return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                                self.ceil_mode, self.count_include_pad, self.divisor_override)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """2-D average pooling to a fixed output size, whatever the input size.

    Args:
        output_size: (OH, OW), or an int for both; a None entry keeps that input size.

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C, OH, OW). Window ``i`` covers rows
        ``floor(i * H / OH)`` to ``ceil((i + 1) * H / OH)`` (torch's rule).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
