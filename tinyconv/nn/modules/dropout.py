"""Dropout, and the channel (1-D, 2-D, 3-D) and alpha dropouts."""
from .. import functional as F
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1/(1-p)``.

    Draws from the package generator (``tc.manual_seed``); the identity in eval mode.

    Args:
        p: the probability of zeroing an element (torch's meaning: the drop probability).
        inplace: accepted for torch compatibility; the result is a new tensor.

    Shape:
        input of any shape; output of the same shape.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Dropout):
    _fn = None

    def forward(self, input):
        return type(self)._fn(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) inputs with probability ``p`` in training.

    Args:
        p: the drop probability.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p`` in training.

    Args:
        p: the drop probability.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) inputs with probability ``p`` in training.

    Args:
        p: the drop probability.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks (keeps the mean and variance).

    Args:
        p: the drop probability.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels.

    Args:
        p: the drop probability.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.feature_alpha_dropout)
