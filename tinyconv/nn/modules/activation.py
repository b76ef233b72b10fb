"""Activation modules: ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax.

``inplace=True`` is accepted for torch compatibility; tinyconv computes out of place (the
result is identical, only memory differs).
"""
import warnings

from .. import functional as F
from ..module import Module

__all__ = ["ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """``max(0, x)`` elementwise.

    Args:
        inplace: accepted for torch compatibility; the result is a new tensor.

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` where ``x >= 0``, else ``negative_slope * x``.

    Args:
        negative_slope: the slope for negative inputs.
        inplace: accepted for torch compatibility; the result is a new tensor.

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit, ``x * Phi(x)``.

    Args:
        approximate: 'none' (exact, with erf) or 'tanh' (the tanh approximation).

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, input):
        return F.tanh(input)


def _legacy_softmax_dim(name, ndim):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        f"include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """Softmax along ``dim``: exponentials normalised to sum to 1.

    Args:
        dim: the dimension that sums to 1 (None picks torch's legacy default: 0 for
            0-, 1- and 3-D inputs, else 1, with torch's deprecation warning).

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _legacy_softmax_dim("softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Args:
        dim: the dimension to normalise over.

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _legacy_softmax_dim("log_softmax",
                                                                        input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"
