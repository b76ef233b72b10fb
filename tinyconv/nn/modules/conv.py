"""Conv2d and ConvTranspose2d (attributes, init and repr as torch's)."""

from ..._geometry import pair as _pair
from .. import functional as F
from ..module import Module
from ._utils import _check_device, add_weight_and_bias, reset_like_linear

__all__ = ["Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        _check_device(device)
        name = type(self).__name__
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups "
                             f"(in_channels={in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups "
                             f"(out_channels={out_channels}, groups={groups})")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad order: (left, right, top, bottom), i.e. last dimension first
        if isinstance(padding, str):
            rev = [0, 0] * len(kernel_size)
            if padding == "same":
                for i, (d, k) in enumerate(zip(reversed(dilation), reversed(kernel_size))):
                    total = d * (k - 1)
                    rev[2 * i] = total // 2
                    rev[2 * i + 1] = total - total // 2
            self._reversed_padding_repeated_twice = rev
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in (0, 1)]
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        neg = [d for d in shape if d < 0]
        if neg:  # torch fails creating the weight: RuntimeError, not ValueError
            raise RuntimeError(
                f"{name}: Trying to create tensor with negative dimension {neg[0]}: "
                f"{list(shape)} (in_channels={in_channels}, out_channels={out_channels}, "
                f"kernel_size={kernel_size})")
        add_weight_and_bias(self, shape, bias, out_channels, dtype)

    def reset_parameters(self):
        """torch's default: kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        reset_like_linear(self.weight, self.bias, draw_for_empty_fan=False)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) inputs.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output (number of filters).
        kernel_size: int or pair.
        stride: int or pair.
        padding: int, pair, 'same' or 'valid'.
        dilation: int or pair, spacing of the kernel taps.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, OH, OW) with
        ``OH = (H + 2*padding - dilation*(KH - 1) - 1) // stride + 1``, likewise OW.
        weight (out_channels, in_channels // groups, KH, KW), bias (out_channels,).

    Examples:
        >>> import tinyconv as tc
        >>> conv = tc.nn.Conv2d(3, 8, kernel_size=3, padding=1)
        >>> conv(tc.zeros(2, 3, 32, 32)).shape
        tinyconv.Size([2, 8, 32, 32])
        >>> conv.weight.shape
        tinyconv.Size([8, 3, 3, 3])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, _pair(kernel_size), _pair(stride),
                         padding if isinstance(padding, str) else _pair(padding),
                         _pair(dilation), False, _pair(0), groups, bias, padding_mode,
                         device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            pad = self._reversed_padding_repeated_twice
            return F.conv2d(F.pad(input, pad, mode=self.padding_mode),
                            weight, bias, self.stride, _pair(0), self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the gradient of Conv2d w.r.t. its input).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: int or pair.
        stride: the stride of the convolution this one transposes (int or pair).
        padding: that convolution's padding; trims the output on each side.
        output_padding: extra size added to one side of the output (less than stride or
            dilation), to pick among the input sizes a strided convolution maps alike.
        groups: blocked connections from input to output channels.
        bias: whether to learn a bias.
        dilation: int or pair.
        padding_mode: only 'zeros' (as in torch).
        device: accepted for torch compatibility ('cpu' only).
        dtype: parameter dtype.

    Shape:
        input (N, C_in, H, W); output (N, C_out, OH, OW) with
        ``OH = (H - 1)*stride - 2*padding + dilation*(KH - 1) + output_padding + 1``.
        weight (in_channels, out_channels // groups, KH, KW), bias (out_channels,).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, _pair(kernel_size), _pair(stride),
                         _pair(padding), _pair(dilation), True, _pair(output_padding), groups,
                         bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n_spatial = len(self.kernel_size)
        n_non_spatial = 2 if input.ndim == n_spatial + 2 else 1
        output_size = list(output_size)
        if len(output_size) == n_non_spatial + n_spatial:
            output_size = output_size[n_non_spatial:]
        if len(output_size) != n_spatial:
            raise ValueError(
                f"{type(self).__name__}: for {input.ndim}D input, output_size must have "
                f"{n_spatial} or {n_non_spatial + n_spatial} elements (got {len(output_size)})")
        in_sizes = input.shape[n_non_spatial:]
        lo, hi = [], []
        for d in range(n_spatial):
            m = ((in_sizes[d] - 1) * self.stride[d] - 2 * self.padding[d]
                 + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            lo.append(m)
            hi.append(m + self.stride[d] - 1)
        for d in range(n_spatial):
            if not lo[d] <= output_size[d] <= hi[d]:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{lo} to {hi} (for an input of {tuple(in_sizes)})")
        return tuple(output_size[d] - lo[d] for d in range(n_spatial))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)
