"""Utilities: data loading, serialization, summaries, hooks."""
from . import data  # noqa: F401
from .summary import summary  # noqa: F401
