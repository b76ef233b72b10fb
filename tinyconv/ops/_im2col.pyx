# cython: language_level=3
"""Cython kernels for convolution, pooling, normalization and GELU (private; via ops._kernels).

Shape legend: N batch, C channels, H/W input height/width, KH/KW kernel, OH/OW output.
Every kernel takes C-contiguous typed memoryviews, runs without the GIL and parallelises
over disjoint outputs so that accumulations never race.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.string cimport memcpy, memset


cdef inline Py_ssize_t _first_valid(Py_ssize_t off, Py_ssize_t s, Py_ssize_t n) noexcept nogil:
    """Smallest o in [0, n] with o*s + off >= 0."""
    cdef Py_ssize_t o
    if off >= 0:
        return 0
    o = (-off + s - 1) // s
    return o if o < n else n


cdef inline Py_ssize_t _end_valid(Py_ssize_t off, Py_ssize_t s, Py_ssize_t size,
                                  Py_ssize_t n) noexcept nogil:
    """Smallest o in [0, n] with o*s + off >= size (taps at o*s + off inside [0, size) end there)."""
    cdef Py_ssize_t o
    if size - off <= 0:
        return 0
    o = (size - off + s - 1) // s
    return o if o < n else n




def im2col(const floating[:, :, :, ::1] x, floating[:, ::1] cols,
           Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
           Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
           Py_ssize_t OH, Py_ssize_t OW, int nthreads):
    """Fill cols (C*KH*KW, N*OH*OW) from x (N, C, H, W); out-of-image taps are zero.

    Row (c, i, j) of cols holds, for every output position (n, oh, ow), the input value at
    (n, c, oh*sh - pt + i*dh, ow*sw - pl + j*dw).  That layout lets the forward GEMM run as
    w (F, C*KH*KW) @ cols with no transpose.  Threads split the (c, n) planes; each writes
    the disjoint column block n of the rows of channel c.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t KK = KH * KW, P = OH * OW
    cdef Py_ssize_t cn, row, c, i, j, n, oh, ow, h, lo, hi, off
    cdef floating* dst
    cdef const floating* src
    if C * KK == 0 or N * P == 0:
        return
    with nogil:
        # one (c, n) input plane per step: it stays in L1 while its KH*KW row segments
        # (each P contiguous values) are written
        for cn in prange(C * N, schedule="static", num_threads=nthreads):
            c = cn // N
            n = cn % N
            for i in range(KH):
                for j in range(KW):
                    row = (c * KH + i) * KW + j
                    off = j * dw - pl
                    lo = _first_valid(off, sw, OW)
                    hi = _end_valid(off, sw, W, OW)
                    if hi < lo:
                        hi = lo
                    dst = &cols[row, 0] + n * P
                    for oh in range(OH):
                        h = oh * sh - pt + i * dh
                        if h < 0 or h >= H or hi == lo:
                            for ow in range(OW):
                                dst[ow] = 0
                        else:
                            src = &x[n, c, h, 0] + off
                            for ow in range(lo):
                                dst[ow] = 0
                            if sw == 1:
                                for ow in range(lo, hi):
                                    dst[ow] = src[ow]
                            else:
                                for ow in range(lo, hi):
                                    dst[ow] = src[ow * sw]
                            for ow in range(hi, OW):
                                dst[ow] = 0
                        dst = dst + OW


def col2im(const floating[:, ::1] cols, floating[:, :, :, ::1] x,
           Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
           Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
           Py_ssize_t OH, Py_ssize_t OW, int nthreads):
    """Overwrite x (N, C, H, W) with the sum of cols (C*KH*KW, N*OH*OW) over overlapping taps.

    The adjoint of im2col: every tap that im2col copies out, col2im adds back; taps in the
    padding are dropped.  One (n, c) plane per thread, so every += lands in memory no other
    thread touches.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t KK = KH * KW, NP = N * OH * OW
    cdef Py_ssize_t nc, n, c, i, j, oh, ow, h, row, lo, hi, off
    cdef floating* plane
    cdef floating* dst
    cdef const floating* src
    if N * C == 0:
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=nthreads):
            n = nc // C
            c = nc % C
            plane = &x[n, c, 0, 0]
            memset(plane, 0, H * W * sizeof(floating))
            if NP == 0:
                continue
            for i in range(KH):
                for j in range(KW):
                    row = (c * KH + i) * KW + j
                    off = j * dw - pl
                    lo = _first_valid(off, sw, OW)
                    hi = _end_valid(off, sw, W, OW)
                    if hi <= lo:
                        continue
                    for oh in range(OH):
                        h = oh * sh - pt + i * dh
                        if h < 0 or h >= H:
                            continue
                        src = &cols[row, 0] + (n * OH + oh) * OW
                        dst = plane + h * W + off
                        if sw == 1:
                            for ow in range(lo, hi):
                                dst[ow] += src[ow]
                        else:
                            for ow in range(lo, hi):
                                dst[ow * sw] += src[ow]


# ------------------------------------------------------------------------------- direct conv
# For convolutions whose per-group GEMM would be tiny (depthwise: one input and one output
# channel per group), a direct loop beats im2col + GEMM: no 9x column buffer, and the inner
# loop runs along a contiguous output row.  G groups, Cg = C/G, Fg = F/G.

def conv_direct(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] w,
                floating[:, :, :, ::1] y, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt,
                Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t G, int nthreads):
    """y (N, F, OH, OW) = conv(x (N, C, H, W), w (F, C/G, KH, KW)); y is overwritten."""
    cdef Py_ssize_t N = x.shape[0], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t F = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t OH = y.shape[2], OW = y.shape[3], Fg = F // G
    cdef Py_ssize_t nf, n, f, c, cg, i, j, oh, ow, h, lo, hi, off
    cdef floating wv
    cdef floating* yp
    cdef floating* yrow
    cdef const floating* xp
    cdef const floating* xrow
    if N * F * OH * OW == 0:
        return
    with nogil:
        for nf in prange(N * F, schedule="static", num_threads=nthreads):
            n = nf // F
            f = nf % F
            yp = &y[n, f, 0, 0]
            for ow in range(OH * OW):
                yp[ow] = 0
            for cg in range(Cg):
                c = (f // Fg) * Cg + cg
                xp = &x[n, c, 0, 0]
                for i in range(KH):
                    for j in range(KW):
                        wv = w[f, cg, i, j]
                        off = j * dw - pl
                        lo = _first_valid(off, sw, OW)
                        hi = _end_valid(off, sw, W, OW)
                        if hi <= lo:
                            continue
                        for oh in range(OH):
                            h = oh * sh - pt + i * dh
                            if h < 0 or h >= H:
                                continue
                            yrow = yp + oh * OW
                            xrow = xp + h * W + off
                            if sw == 1:
                                for ow in range(lo, hi):
                                    yrow[ow] = yrow[ow] + wv * xrow[ow]
                            else:
                                for ow in range(lo, hi):
                                    yrow[ow] = yrow[ow] + wv * xrow[ow * sw]


def conv_direct_grad_input(const floating[:, :, :, ::1] gy, const floating[:, :, :, ::1] w,
                           floating[:, :, :, ::1] gx, Py_ssize_t sh, Py_ssize_t sw,
                           Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                           Py_ssize_t G, int nthreads):
    """gx (N, C, H, W) = the input gradient of conv_direct for gy (N, F, OH, OW); overwritten.

    One (n, c) input plane per thread, so every += stays in that thread's plane.
    """
    cdef Py_ssize_t N = gx.shape[0], C = gx.shape[1], H = gx.shape[2], W = gx.shape[3]
    cdef Py_ssize_t F = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t OH = gy.shape[2], OW = gy.shape[3], Fg = F // G
    cdef Py_ssize_t nc, n, f, c, cg, fg, i, j, oh, ow, h, lo, hi, off
    cdef floating wv
    cdef floating* gxp
    cdef floating* gxrow
    cdef const floating* gyp
    cdef const floating* gyrow
    if N * C * H * W == 0:
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=nthreads):
            n = nc // C
            c = nc % C
            cg = c % Cg
            gxp = &gx[n, c, 0, 0]
            for ow in range(H * W):
                gxp[ow] = 0
            if OH * OW == 0:
                continue
            for fg in range(Fg):
                f = (c // Cg) * Fg + fg
                gyp = &gy[n, f, 0, 0]
                for i in range(KH):
                    for j in range(KW):
                        wv = w[f, cg, i, j]
                        off = j * dw - pl
                        lo = _first_valid(off, sw, OW)
                        hi = _end_valid(off, sw, W, OW)
                        if hi <= lo:
                            continue
                        for oh in range(OH):
                            h = oh * sh - pt + i * dh
                            if h < 0 or h >= H:
                                continue
                            gxrow = gxp + h * W + off
                            gyrow = gyp + oh * OW
                            if sw == 1:
                                for ow in range(lo, hi):
                                    gxrow[ow] = gxrow[ow] + wv * gyrow[ow]
                            else:
                                for ow in range(lo, hi):
                                    gxrow[ow * sw] = gxrow[ow * sw] + wv * gyrow[ow]


def conv_direct_grad_weight(const floating[:, :, :, ::1] gy, const floating[:, :, :, ::1] x,
                            floating[:, :, :, ::1] gw, floating[:, ::1] acc, Py_ssize_t sh,
                            Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh,
                            Py_ssize_t dw, Py_ssize_t G, int nthreads):
    """gw (F, C/G, KH, KW) = the weight gradient of conv_direct; overwritten.

    One output channel f per thread; each tap's products are summed lane-wise into the
    scratch row acc[f] (OW long, so the inner loop vectorises) and reduced once at the end.
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t F = gw.shape[0], Cg = gw.shape[1], KH = gw.shape[2], KW = gw.shape[3]
    cdef Py_ssize_t OH = gy.shape[2], OW = gy.shape[3], Fg = F // G
    cdef Py_ssize_t f, n, c, cg, i, j, oh, ow, h, lo, hi, off
    cdef floating total
    cdef floating* a
    cdef const floating* xrow
    cdef const floating* gyrow
    if F * Cg * KH * KW == 0:
        return
    with nogil:
        for f in prange(F, schedule="static", num_threads=nthreads):
            a = &acc[f, 0]
            for cg in range(Cg):
                c = (f // Fg) * Cg + cg
                for i in range(KH):
                    for j in range(KW):
                        off = j * dw - pl
                        lo = _first_valid(off, sw, OW)
                        hi = _end_valid(off, sw, W, OW)
                        for ow in range(OW):
                            a[ow] = 0
                        if hi > lo:
                            for n in range(N):
                                for oh in range(OH):
                                    h = oh * sh - pt + i * dh
                                    if h < 0 or h >= H:
                                        continue
                                    xrow = &x[n, c, h, 0] + off
                                    gyrow = &gy[n, f, oh, 0]
                                    if sw == 1:
                                        for ow in range(lo, hi):
                                            a[ow] = a[ow] + gyrow[ow] * xrow[ow]
                                    else:
                                        for ow in range(lo, hi):
                                            a[ow] = a[ow] + gyrow[ow] * xrow[ow * sw]
                        total = 0
                        for ow in range(OW):
                            total = total + a[ow]
                        gw[f, cg, i, j] = total


# ------------------------------------------------------------------------------- small direct
include "_small.pxi"

# ------------------------------------------------------------------------------- pooling
include "_pool.pxi"

# ------------------------------------------------------------------------------- winograd
include "_winograd.pxi"

# ------------------------------------------------------------------------------- normalization
include "_norm.pxi"

# ------------------------------------------------------------------------------- activations
include "_act.pxi"

# ------------------------------------------------------------------------------- BLAS threads
include "_blas.pxi"

# ------------------------------------------------------------------------------- special functions
include "_special.pxi"
