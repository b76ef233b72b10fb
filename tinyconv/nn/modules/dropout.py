"""Dropout."""
from .. import functional as F
from ..module import Module

__all__ = ["Dropout"]


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
