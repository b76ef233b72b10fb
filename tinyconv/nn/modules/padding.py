"""Padding layers (torch's names, ``padding`` stored as torch's tuple, and repr): ZeroPad,
ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1-D, 2-D and 3-D; each calls
``F.pad``."""
from .. import functional as F
from ..module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _padding(padding, n):
    """torch's padding tuple: an int repeated 2n times, or a 2n-tuple as given."""
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"padding must be an int or a {2 * n}-tuple, got {padding}")
    return padding


class _Pad(Module):
    _n, _mode = None, None

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    _mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_ConstantPad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad):
    """Pad the last 1 dimension with zeros.

    Args:
        padding: an int for every side, or a 2-tuple (left, right).

    Shape:
        input (N, C, L) or (C, L); each padded dimension grows by its two pads.
    """

    _n, _mode = 1, "constant"


class ZeroPad2d(_ZeroPad):
    """Pad the last 2 dimensions with zeros.

    Args:
        padding: an int for every side, or a 4-tuple (left, right, top, bottom).

    Shape:
        input (N, C, H, W) or (C, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 2, "constant"


class ZeroPad3d(_ZeroPad):
    """Pad the last 3 dimensions with zeros.

    Args:
        padding: an int for every side, or a 6-tuple (left, right, top, bottom, front, back).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 3, "constant"


class ConstantPad1d(_ConstantPad):
    """Pad the last 1 dimension with a constant ``value``.

    Args:
        padding: an int for every side, or a 2-tuple (left, right).
        value: the fill value.

    Shape:
        input (N, C, L) or (C, L); each padded dimension grows by its two pads.
    """

    _n, _mode = 1, "constant"


class ConstantPad2d(_ConstantPad):
    """Pad the last 2 dimensions with a constant ``value``.

    Args:
        padding: an int for every side, or a 4-tuple (left, right, top, bottom).
        value: the fill value.

    Shape:
        input (N, C, H, W) or (C, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 2, "constant"


class ConstantPad3d(_ConstantPad):
    """Pad the last 3 dimensions with a constant ``value``.

    Args:
        padding: an int for every side, or a 6-tuple (left, right, top, bottom, front, back).
        value: the fill value.

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 3, "constant"


class ReflectionPad1d(_Pad):
    """Pad the last 1 dimension with the input's reflection (the edge not repeated).

    Args:
        padding: an int for every side, or a 2-tuple (left, right).

    Shape:
        input (N, C, L) or (C, L); each padded dimension grows by its two pads.
    """

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_Pad):
    """Pad the last 2 dimensions with the input's reflection (the edge not repeated).

    Args:
        padding: an int for every side, or a 4-tuple (left, right, top, bottom).

    Shape:
        input (N, C, H, W) or (C, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 2, "reflect"


class ReflectionPad3d(_Pad):
    """Pad the last 3 dimensions with the input's reflection (the edge not repeated).

    Args:
        padding: an int for every side, or a 6-tuple (left, right, top, bottom, front, back).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 3, "reflect"


class ReplicationPad1d(_Pad):
    """Pad the last 1 dimension with copies of the edge.

    Args:
        padding: an int for every side, or a 2-tuple (left, right).

    Shape:
        input (N, C, L) or (C, L); each padded dimension grows by its two pads.
    """

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_Pad):
    """Pad the last 2 dimensions with copies of the edge.

    Args:
        padding: an int for every side, or a 4-tuple (left, right, top, bottom).

    Shape:
        input (N, C, H, W) or (C, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 2, "replicate"


class ReplicationPad3d(_Pad):
    """Pad the last 3 dimensions with copies of the edge.

    Args:
        padding: an int for every side, or a 6-tuple (left, right, top, bottom, front, back).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 3, "replicate"


class CircularPad1d(_Pad):
    """Pad the last 1 dimension with the input wrapped around.

    Args:
        padding: an int for every side, or a 2-tuple (left, right).

    Shape:
        input (N, C, L) or (C, L); each padded dimension grows by its two pads.
    """

    _n, _mode = 1, "circular"


class CircularPad2d(_Pad):
    """Pad the last 2 dimensions with the input wrapped around.

    Args:
        padding: an int for every side, or a 4-tuple (left, right, top, bottom).

    Shape:
        input (N, C, H, W) or (C, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 2, "circular"


class CircularPad3d(_Pad):
    """Pad the last 3 dimensions with the input wrapped around.

    Args:
        padding: an int for every side, or a 6-tuple (left, right, top, bottom, front, back).

    Shape:
        input (N, C, D, H, W) or (C, D, H, W); each padded dimension grows by its two pads.
    """

    _n, _mode = 3, "circular"
