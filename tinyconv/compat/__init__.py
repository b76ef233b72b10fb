"""Compatibility layers: APIs of other teaching code backed by tinyconv's ops.

``tinyconv.compat.cs231n``: the CS231n assignment layer API (``conv_forward_fast``,
``batchnorm_forward``, ``Solver``, ...) with its conventions documented and translated.
"""
from . import cs231n

__all__ = ["cs231n"]
