"""LazyLinear and LazyConv2d: the input size is read from the first input.

Until then ``in_features`` / ``in_channels`` is 0 and the weight has a zero-size dimension;
the first forward fills it in place (the same Parameter objects, so an optimizer built
before keeps working), initialises it as ``Linear``/``Conv2d`` do, and turns the module into
a ``Linear``/``Conv2d``, as torch's lazy modules become their ``cls_to_become``.  Run one
forward before ``load_state_dict`` (torch also materialises from a state dict; tinyconv
does not).
"""
import numpy as np

from .conv import Conv2d
from .linear import Linear

__all__ = ["LazyLinear", "LazyConv2d"]


def _materialize(param, shape):
    param._data = np.empty(shape, dtype=param._data.dtype)
    param._bump()


class LazyLinear(Linear):
    """A Linear layer whose ``in_features`` is the last size of its first input.

    Args:
        out_features: size of each output sample.
        bias: whether to learn an additive bias.
        device: accepted for torch compatibility.
        dtype: parameter dtype.
    """

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, bias, device, dtype)

    def reset_parameters(self):
        """Nothing until the input size is known (then Linear's initialisation)."""
        if self.in_features != 0:
            super().reset_parameters()

    def forward(self, input):
        self.in_features = input.shape[-1]
        _materialize(self.weight, (self.out_features, self.in_features))
        self.__class__ = Linear
        self.reset_parameters()
        return self.forward(input)


class LazyConv2d(Conv2d):
    """A Conv2d layer whose ``in_channels`` is the channel count of its first input.

    Args:
        out_channels: channels of the output.
        kernel_size: int or pair.
        stride: int or pair.
        padding: int, pair, 'same' or 'valid'.
        dilation: int or pair.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for torch compatibility.
        dtype: parameter dtype.
    """

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def reset_parameters(self):
        """Nothing until the input size is known (then Conv2d's initialisation)."""
        if self.in_channels != 0:
            super().reset_parameters()

    def forward(self, input):
        self.in_channels = input.shape[-3]
        if self.in_channels % self.groups:
            raise ValueError(f"LazyConv2d: in_channels must be divisible by groups "
                             f"(in_channels={self.in_channels}, groups={self.groups})")
        _materialize(self.weight, (self.out_channels, self.in_channels // self.groups,
                                   *self.kernel_size))
        self.__class__ = Conv2d
        self.reset_parameters()
        return self.forward(input)
