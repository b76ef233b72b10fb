"""Utilities: data loading, serialization, summaries, hooks."""
from . import data
from .fc_to_conv import fc_to_conv
from .summary import summary

__all__ = ["data", "fc_to_conv", "summary"]
