"""Flatten."""
from ..._functions.shape import flatten
from ..module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Flatten dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim: first dimension to merge (default 1: keep the batch dimension).
        end_dim: last dimension to merge.

    Shape:
        (N, C, H, W) -> (N, C*H*W) with the defaults.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
