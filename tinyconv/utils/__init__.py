"""Utilities: data loading, serialization, summaries, hooks."""
