"""Utilities: data loading, serialization, summaries, graph drawing, hooks."""
from . import data
from .fc_to_conv import fc_to_conv
from .graph import draw_graph
from .summary import summary

__all__ = ["data", "draw_graph", "fc_to_conv", "summary"]
