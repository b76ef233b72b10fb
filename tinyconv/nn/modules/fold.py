"""Unfold and Fold (im2col / col2im as layers)."""
from .. import functional as F
from ..module import Module

__all__ = ["Unfold", "Fold"]


class Unfold(Module):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*KH*KW, L); see ``F.unfold``.

    Args:
        kernel_size: int or pair.
        dilation: int or pair.
        padding: int or pair (zero padding).
        stride: int or pair.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sum sliding local blocks into an image: (N, C*KH*KW, L) -> (N, C, H, W); see ``F.fold``.

    Args:
        output_size: (H, W) of the image.
        kernel_size: int or pair.
        dilation: int or pair.
        padding: int or pair (zero padding).
        stride: int or pair.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
