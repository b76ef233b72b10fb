"""Wrappers of the Winograd F(4x4, 3x3) transforms (``_winograd.pxi``).

Shapes: w (F, C, 3, 3) -> U (36, F, C); x (N, C, H, W) -> V (36, C, T) for the T tiles of
tile rows ``r0 ..``; M (36, F, T) -> y (N, F, OH, OW); and their adjoints.  TH, TW is the tile
grid per image, (pt, pl) the top/left padding.  Arrays must be C-contiguous of one float dtype.
"""
from ..._hooks import record
from . import ext, num_threads

__all__ = ["filter_transform", "filter_transform_adjoint", "input_transform",
           "input_transform_adjoint", "output_transform", "gy_transform"]

_CAT = "winograd transform"


def filter_transform(w, U):
    """U (36, F, C) = G w G^T for every 3x3 filter of w (F, C, 3, 3)."""
    with record(_CAT):
        ext.winograd_filter_transform(w, U, num_threads())


def filter_transform_adjoint(dU, gw):
    """gw (F, C, 3, 3) = G^T dU G, the adjoint of ``filter_transform``."""
    with record(_CAT):
        ext.winograd_filter_transform_adjoint(dU, gw, num_threads())


def input_transform(x, V, r0, TH, TW, pt, pl):
    """V (36, C, T) = B^T d B for the 6x6 input tiles d of tile rows r0 .. r0 + T/TW."""
    with record(_CAT):
        ext.winograd_input_transform(x, V, r0, TH, TW, pt, pl, num_threads())


def input_transform_adjoint(dV, gx, r0, TH, TW, pt, pl):
    """gx += B dV B^T over the same tiles (overlapping tiles add up)."""
    with record(_CAT):
        ext.winograd_input_transform_adjoint(dV, gx, r0, TH, TW, pt, pl, num_threads())


def output_transform(M, y, bias, r0, TH, TW):
    """y tiles = A^T M A (+ bias), cut at the output's border."""
    with record(_CAT):
        ext.winograd_output_transform(M, y, bias, r0, TH, TW, num_threads())


def gy_transform(gy, Mg, r0, TH, TW):
    """Mg (36, F, T) = A gy A^T, the adjoint of ``output_transform``."""
    with record(_CAT):
        ext.winograd_gy_transform(gy, Mg, r0, TH, TW, num_threads())
