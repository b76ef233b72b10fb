"""Utilities: data loading, serialization, summaries, graph drawing, image grids, hooks."""
from . import data
from .fc_to_conv import fc_to_conv
from .graph import draw_graph
from .image import make_grid, save_image
from .summary import summary

__all__ = ["data", "draw_graph", "fc_to_conv", "summary", "make_grid", "save_image"]
