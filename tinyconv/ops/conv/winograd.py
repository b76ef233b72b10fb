"""Winograd F(4x4, 3x3) convolution for 3x3, stride-1, dilation-1, groups-1 layers.

Legend: x input (N, C, H, W); w weight (F, C, 3, 3); b bias (F,); y output (N, F, OH, OW);
gradients gy, gx, gw.  Output tiles are 4x4 over a (TH, TW) grid per image (TH = ceil(OH/4)),
each read from a 6x6 input tile; the transforms (Cython, tinyconv/ops/_winograd.pxi) turn
the convolution into 36 GEMMs over channels, which NumPy's BLAS runs as one batched matmul:

    U = G w G^T        (36, F, C)    filter transform
    V = B^T x B        (36, C, T)    input transform of T tiles
    M = U @ V          (36, F, T)    36 GEMMs, 2.25 multiplications per output instead of 9
    y = A^T M A                      output transform (tiles cut by the border write less)

The backward pass is the adjoint of the same linear maps, sharing one transform of gy:

    Mg = A gy A^T      (36, F, T)
    gw = G^T (sum over chunks of Mg @ V^T) G
    gx = B (U^T @ Mg) B^T            overlapping tiles add up

Memory stays bounded as for im2col: the transformed tiles are built for a chunk of tile rows
at a time, under ``get_conv_workspace_limit()`` bytes.  ``tinyconv.backends.conv.winograd``
switches the path off; ``Winograd.worthwhile`` decides per layer shape.

Precision.  The 36 GEMMs are where F(4x4, 3x3) loses float32 accuracy: each M component sums C
products in float32, and the output transform A^T M A (coefficients up to 8 per axis, with
cancellation) amplifies those roundings.  Measured on 3x3 layers (64-256 channels, N=8,
benchmarks/accuracy.py), rms error against float64: float32 Winograd 1.7-3.4e-6 on y, gx and
gw, torch 2.2e-7, im2col 1.6-3.4e-7.  Doing the transforms in float64 alone changes nothing (the
GEMM's rounding dominates); better-conditioned points (0, +-1, 1/2, -2) gain 1.5x; F(2x2, 3x3)
reaches im2col's error with 1.8x F(4x4)'s GEMM work.  So float32 tensors run the transformed
domain (U, V, M, the GEMMs) in float64 by default (``tinyconv.backends.conv.winograd_precision
= "float64"``): the kernels read float32 and write float64 and back, and the error falls below
torch's.  It costs 1.4-1.8x the float32 Winograd's time (one thread); ``worthwhile`` keeps the
layers where it still beats im2col.  ``winograd_precision = "float32"`` gives the faster,
7-8x less accurate path.
"""
import numpy as np

from ... import backends
from ..._hooks import record
from .._kernels import winograd as KW
from .algorithm import JointBackward
from .workspace import scratch

__all__ = ["Winograd", "winograd_conv2d_3x3", "winograd_conv2d_3x3_backward",
           "filter_transform", "work_dtype"]

# Largest transformed-tile chunk in bytes (the workspace limit caps it further).  Every chunk
# costs 36 BLAS calls, each a fork/join of BLAS's threads next to the OpenMP transforms; on a
# busy machine those joins dominate (measured on vgg_c2, N=128: 8 MB chunks 13x torch's
# forward time, one 151 MB chunk 2.7x), so chunks are as large as the limit allows rather
# than cache-sized.
_MAX_CHUNK_BYTES = 1 << 40
# ... except on one thread for few channels (C + F <= SMALL_CHANNELS), where the 36 GEMMs are
# so shallow that they and the transforms stream V and M through memory: there a chunk whose V
# and M stay in the cache (CACHE_CHUNK_BYTES) pays for its extra calls.  Measured (2026-12-07,
# AMD EPYC, N=32, float32 tensors, float64 domain, medians in one process on a loaded
# machine), one thread: 16->16 32x32 forward + backward 37.8 ms in one chunk, 22.6 in 2 MB
# chunks, 21.0 in 4 MB, 34.3 in 8 MB; 32->32 16x16 13.4 / 11.2 / 12.1 / 13.7 ms; ResNet20's
# train step 314 -> 227 ms (torch 148).  On two threads the step gained nothing (2.47x torch's
# time in one chunk, 3.34x in 4 MB chunks, 2.65x in 16 MB ones), probably because a
# cache-sized chunk's GEMMs are too small for OpenBLAS to split (they run on one core while
# the team waits) and each chunk adds joins.
SMALL_CHANNELS = 64
CACHE_CHUNK_BYTES = 4 << 20


def _grid(OH, OW):
    """(TH, TW): 4x4 output tiles per image, along each axis."""
    return -(-OH // 4), -(-OW // 4)


def _rows_per_chunk(rows, TW, C, F, itemsize):
    """Tile rows per chunk: 36 * (C + F) values per tile (V and M), under the workspace
    limit (as few chunks as it allows; cache-sized for few channels on one thread); at least
    one tile row."""
    budget = min(backends.conv.workspace_limit, _MAX_CHUNK_BYTES)
    if C + F <= SMALL_CHANNELS and backends.get_num_threads() == 1:
        budget = min(budget, CACHE_CHUNK_BYTES)
    per_row = 36 * (C + F) * TW * itemsize
    return int(max(1, min(rows, budget // max(per_row, 1))))


def work_dtype(dtype):
    """The dtype of the transformed domain (U, V, M and the GEMMs) for tensors of ``dtype``:
    float64 for float32 tensors unless ``tinyconv.backends.conv.winograd_precision`` is
    "float32" (see the module docstring), else ``dtype`` itself."""
    dtype = np.dtype(dtype)
    if dtype == np.float32 and backends.conv.winograd_precision == "float64":
        return np.dtype(np.float64)
    return dtype


def filter_transform(w, dtype=None):
    """U (36, F, C) = G w G^T per 3x3 filter of w (F, C, 3, 3), in ``dtype`` (default:
    ``work_dtype(w.dtype)``)."""
    w = np.ascontiguousarray(w)
    U = np.empty((36,) + w.shape[:2], dtype=dtype or work_dtype(w.dtype))
    KW.filter_transform(w, U)
    return U


def winograd_conv2d_3x3(x, w, pads, b=None, chunk_rows=None):
    """Cross-correlation of x with the 3x3 filters w, stride 1, by Winograd F(4x4, 3x3).

    Args:
        x: (N, C, H, W) float32 or float64.
        w: (F, C, 3, 3), same dtype.
        pads: (top, bottom, left, right) zero padding; negative values crop.
        b: optional bias (F,).
        chunk_rows: tile rows per chunk (default: from the workspace limit).

    Returns:
        y (N, F, OH, OW) with OH = H + top + bottom - 2, OW = W + left + right - 2.
    """
    N, C, H, W = x.shape
    F = w.shape[0]
    pt, pb, pl, pr = pads
    OH, OW = H + pt + pb - 2, W + pl + pr - 2
    y = np.empty((N, F, OH, OW), dtype=x.dtype)
    if y.size == 0:
        return y
    if C == 0:
        y[...] = 0 if b is None else b.reshape(1, F, 1, 1)
        return y
    x = np.ascontiguousarray(x)
    bias = None if b is None else np.ascontiguousarray(b, dtype=x.dtype)
    TH, TW = _grid(OH, OW)
    rows = N * TH
    wd = work_dtype(x.dtype)
    R = chunk_rows or _rows_per_chunk(rows, TW, C, F, wd.itemsize)
    U = filter_transform(w, wd)
    vbuf = scratch("a", 36 * C * R * TW, wd)
    mbuf = scratch("b", 36 * F * R * TW, wd)
    for r0 in range(0, rows, R):
        T = min(R, rows - r0) * TW
        V = vbuf[:36 * C * T].reshape(36, C, T)
        M = mbuf[:36 * F * T].reshape(36, F, T)
        KW.input_transform(x, V, r0, TH, TW, pt, pl)
        with record("GEMM"):
            np.matmul(U, V, out=M)  # (36, F, T)
        KW.output_transform(M, y, bias, r0, TH, TW)
    return y


def winograd_conv2d_3x3_backward(gy, x, w, x_shape, pads, need_x=True, need_w=True,
                                 chunk_rows=None):
    """(gx, gw) of y = winograd_conv2d_3x3(x, w, pads), each None unless asked for.

    Args:
        gy: (N, F, OH, OW) gradient of the output.
        x: the input (N, C, H, W), needed only for gw (may be None otherwise).
        w: the weight (F, C, 3, 3).
        x_shape: (N, C, H, W).
        pads: (top, bottom, left, right) as in the forward call.
        need_x, need_w: which gradients to compute.
        chunk_rows: tile rows per chunk (default: from the workspace limit).

    Returns:
        gx (N, C, H, W) or None, gw (F, C, 3, 3) or None; the dtype of gy (the transformed
        domain in ``work_dtype(gy.dtype)``).
    """
    N, C, H, W = x_shape
    F = w.shape[0]
    _, _, OH, OW = gy.shape
    pt, pb, pl, pr = pads
    dt = gy.dtype
    gx = np.zeros(x_shape, dtype=dt) if need_x else None
    gw = np.zeros(w.shape, dtype=dt) if need_w else None
    if not (need_x or need_w) or gy.size == 0 or C == 0:
        return gx, gw
    gy = np.ascontiguousarray(gy)
    if need_w:
        x = np.ascontiguousarray(x)
    TH, TW = _grid(OH, OW)
    rows = N * TH
    wd = work_dtype(dt)
    R = chunk_rows or _rows_per_chunk(rows, TW, C, F, wd.itemsize)
    Ut = filter_transform(w, wd).transpose(0, 2, 1) if need_x else None  # (36, C, F)
    gbuf = scratch("b", 36 * F * R * TW, wd)
    vbuf = scratch("a", 36 * C * R * TW, wd)  # V for gw, then dV for gx
    dU = np.zeros((36, F, C), dtype=wd) if need_w else None
    tmp = np.empty((36, F, C), dtype=wd) if need_w and R < rows else None
    for r0 in range(0, rows, R):
        T = min(R, rows - r0) * TW
        Mg = gbuf[:36 * F * T].reshape(36, F, T)
        V = vbuf[:36 * C * T].reshape(36, C, T)
        KW.gy_transform(gy, Mg, r0, TH, TW)
        if need_w:
            KW.input_transform(x, V, r0, TH, TW, pt, pl)
            with record("GEMM"):
                np.matmul(Mg, V.transpose(0, 2, 1), out=dU if r0 == 0 else tmp)  # (36, F, C)
            if r0:
                dU += tmp
        if need_x:
            with record("GEMM"):
                np.matmul(Ut, Mg, out=V)  # dV (36, C, T)
            KW.input_transform_adjoint(V, gx, r0, TH, TW, pt, pl)
    if need_x and (pb < 0 or pr < 0):
        # cropped rows/columns feed only the discarded part of the border tiles: their
        # gradient is zero (the adjoint leaves rounding residue there)
        gx[:, :, max(H + pb, 0) if pb < 0 else H:] = 0
        gx[:, :, :, max(W + pr, 0) if pr < 0 else W:] = 0
    if need_w:
        KW.filter_transform_adjoint(dU, gw)
    return gx, gw


# ------------------------------------------------------------------------------- selection
# Winograd pays when the GEMMs are deep enough to hide the transforms (C and F channels) and
# the 4x4 tiles are not mostly border waste.  From the benchmark (benchmarks/bench_winograd.py):
# with few input channels (an RGB first layer) the GEMMs are so shallow that the transforms
# dominate, and im2col's single GEMM wins; on 8x8 outputs (2 tiles per row: short transform
# loops, small GEMMs) im2col was about 2x faster too (vgg_c5, vgg_c6).  That last figure was
# taken with OpenBLAS's idle workers spinning against the transforms (see
# tinyconv/__init__.py); without them (2026-12-02, N=128, f+b) Winograd is the faster one on
# such grids with deep GEMMs (256->256 8x8 188 vs 402 ms, 128->256 7x7 119 vs 145 ms), but
# those layers stay on im2col: there im2col is already within 1.2x of torch, and moving them
# to F(4x4, 3x3) put MiniVGG's float32 first-layer weight gradient (28x28 input, batch 4,
# train mode) 1.2e-3 off the float64 result instead of under 1e-4.
#
# With the transformed domain in float64 for float32 tensors (the default since issue 21) the
# rule still holds: one thread, CPU time of forward + backward, float32, N=16/32 (2026-12-07,
# AMD EPYC with AVX-512; CPU time because the shared machine was loaded 5-9): Winograd /
# im2col 0.74/0.76 on 64->64 32x32, 0.86/0.93 on 64->128 16x16, 0.71/0.78 on 128->128 16x16,
# 0.88/1.12 on 128->128 14x14, but 1.07-1.41 on the 8x8 layers this rule leaves to im2col;
# the float32 domain would be 0.46-0.78.
MIN_CHANNELS = 16
MIN_TILE_COLS = 4  # 4x4 tiles per output row (OW >= 13)
MIN_TILE_USE = 0.5  # useful outputs / computed outputs of the 4x4 tile grid


class Winograd(JointBackward):
    """The Winograd F(4x4, 3x3) path as a conv algorithm."""

    name = "winograd"
    switch = "winograd"

    @staticmethod
    def supports(x_shape, w_shape, geom, dtype):
        """3x3 kernel, stride 1, dilation 1, groups 1 (any padding)."""
        return (tuple(w_shape[2:]) == (3, 3) and tuple(geom.stride) == (1, 1)
                and tuple(geom.dilation) == (1, 1) and geom.groups == 1)

    @staticmethod
    def worthwhile(x_shape, w_shape, geom, dtype):
        """Deep enough GEMMs (channels) and few border-wasted tiles (see above)."""
        C, F = w_shape[1], w_shape[0]
        OH, OW = geom.out_size
        TH, TW = _grid(OH, OW)
        if min(C, F) < MIN_CHANNELS or OH * OW == 0 or TW < MIN_TILE_COLS:
            return False
        return OH * OW >= MIN_TILE_USE * 16 * TH * TW

    @staticmethod
    def forward(x, w, b, geom):
        return winograd_conv2d_3x3(x, w, geom.pads, b)

    @staticmethod
    def backward(gy, x, w, x_shape, geom, need_x, need_w):
        return winograd_conv2d_3x3_backward(gy, x, w, x_shape, geom.pads, need_x, need_w)
