"""Utilities: data loading, serialization, summaries, hooks."""
from . import data  # noqa: F401
from .summary import summary  # noqa: F401
from .fc_to_conv import fc_to_conv  # noqa: F401,E402  (issue 11)
