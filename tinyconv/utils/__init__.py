"""Utilities: data loading, serialization, summaries, hooks, image grids."""
from . import data
from .fc_to_conv import fc_to_conv
from .image import make_grid, save_image
from .summary import summary

__all__ = ["data", "fc_to_conv", "summary", "make_grid", "save_image"]
