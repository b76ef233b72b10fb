"""Convolution: the ops (``Conv2d``, ``ConvTranspose2d``, and ``ConvBackward``, Conv2d's
backward as an op so that it differentiates again) and the algorithms behind them.

Modules: ``functions`` (the ops), ``algorithm`` (the interface and ``ConvGeometry``),
``registry`` (the ordered algorithms and the per-shape choice), one module per algorithm
(``im2col``, ``pointwise``, ``direct``, ``small``, ``winograd``) and ``workspace`` (chunking
and scratch buffers).
"""
from .algorithm import ConvAlgorithm, ConvGeometry
from .functions import Conv2d, ConvBackward, ConvTranspose2d
from .registry import ALGORITHMS, algorithm_named, select_algorithm
from .workspace import release_scratch

__all__ = ["ALGORITHMS", "ConvAlgorithm", "ConvGeometry", "Conv2d", "ConvBackward",
           "ConvTranspose2d",
           "algorithm_named", "release_scratch", "select_algorithm"]
