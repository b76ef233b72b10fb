"""Switches for the algorithms behind ops, as ``torch.backends``: ``tc.backends.conv.winograd``.

    import tinyconv as tc
    tc.backends.conv.winograd = False   # every convolution on the im2col path
"""


class _ConvBackend:
    """Convolution algorithm switches.

    Attributes:
        winograd: use Winograd F(4x4, 3x3) for 3x3 stride-1 dilation-1 groups-1 convolutions
            where it is faster than im2col (default True).
    """

    __slots__ = ("winograd",)

    def __init__(self):
        self.winograd = True

    def __repr__(self):
        return f"tinyconv.backends.conv(winograd={self.winograd})"


conv = _ConvBackend()
