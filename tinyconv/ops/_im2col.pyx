# cython: language_level=3
"""Cython kernels for convolution and pooling (private; called through tinyconv.ops._kernels).

Shape legend: N batch, C channels, H/W input height/width, KH/KW kernel, OH/OW output.
Every kernel takes C-contiguous typed memoryviews, runs without the GIL and parallelises
over disjoint outputs so that accumulations never race.
"""
from cython cimport floating
from cython.parallel cimport prange


def im2col(const floating[:, :, :, ::1] x, floating[:, ::1] cols,
           Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
           Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
           Py_ssize_t OH, Py_ssize_t OW):
    """Fill cols (C*KH*KW, N*OH*OW) from x (N, C, H, W); out-of-image taps are zero."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t row, c, i, j, n, oh, ow, h, w, col
    with nogil:
        for row in prange(C * KH * KW, schedule="static"):
            c = row // (KH * KW)
            i = (row // KW) % KH
            j = row % KW
            col = 0
            for n in range(N):
                for oh in range(OH):
                    h = oh * sh - pt + i * dh
                    for ow in range(OW):
                        w = ow * sw - pl + j * dw
                        if 0 <= h < H and 0 <= w < W:
                            cols[row, col] = x[n, c, h, w]
                        else:
                            cols[row, col] = 0
                        col = col + 1


def col2im(const floating[:, ::1] cols, floating[:, :, :, ::1] x,
           Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
           Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
           Py_ssize_t OH, Py_ssize_t OW):
    """Accumulate cols (C*KH*KW, N*OH*OW) into x (N, C, H, W), which the caller zeroed."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t nc, n, c, i, j, oh, ow, h, w, row
    with nogil:
        # one (n, c) plane per thread: every += lands in a plane no other thread touches
        for nc in prange(N * C, schedule="static"):
            n = nc // C
            c = nc % C
            for i in range(KH):
                for j in range(KW):
                    row = (c * KH + i) * KW + j
                    for oh in range(OH):
                        h = oh * sh - pt + i * dh
                        if h < 0 or h >= H:
                            continue
                        for ow in range(OW):
                            w = ow * sw - pl + j * dw
                            if 0 <= w < W:
                                x[n, c, h, w] += cols[row, (n * OH + oh) * OW + ow]


# ------------------------------------------------------------------------------- pooling
include "_pool.pxi"
