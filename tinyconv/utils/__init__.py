"""Utilities: data loading, serialization, summaries, hooks."""
from . import data  # noqa: F401
