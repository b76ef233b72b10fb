# Pooling kernels, included into _im2col.pyx (one compiled module for conv and pool).
# Shape legend as in _im2col.pyx; P = N*C planes.  Every kernel works on C-contiguous
# (P, H, W) arrays and runs one plane per OpenMP iteration: planes are disjoint, so the
# scatter-adds of the backward kernels never race.  Backward kernels zero their own plane of
# gx first (the caller passes np.empty), so the gradient is written once, while in cache.
# ``nthreads`` is the OpenMP team size (the wrappers pass 1 for small work, where waking a
# team costs more than it saves).  The Python wrappers in _kernels.py validate shapes and
# parameters before calling in here.
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY
from libc.stdint cimport int32_t
from libc.string cimport memset


# ------------------------------------------------------------------ max pool, one plane
cdef void _max_pool_plane(const floating* x, floating* y, int32_t* idx,
                          Py_ssize_t H, Py_ssize_t W, Py_ssize_t OH, Py_ssize_t OW,
                          Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                          Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh,
                          Py_ssize_t dw) noexcept nogil:
    # torch's rule: scan the window row-major, take a value when it is strictly greater than
    # the best so far or NaN; so the first of tied maxima wins.  A window with no tap inside
    # the image gives -inf and an index outside the plane (the backward kernel skips it).
    cdef Py_ssize_t oh, ow, h0, h1, w0, w1, h, w, i, best_i
    cdef floating best, v
    cdef bint nan
    for oh in range(OH):
        h0 = oh * sh - ph
        h1 = min(h0 + (KH - 1) * dh + 1, H)
        while h0 < 0:
            h0 = h0 + dh
        for ow in range(OW):
            w0 = ow * sw - pw
            w1 = min(w0 + (KW - 1) * dw + 1, W)
            while w0 < 0:
                w0 = w0 + dw
            best = -INFINITY
            best_i = h0 * W + w0
            nan = False
            h = h0
            while h < h1:
                w = w0
                while w < w1:
                    # selects, not branches: a random window's running max is unpredictable
                    i = h * W + w
                    v = x[i]
                    nan = nan | (v != v)
                    best_i = i if v > best else best_i
                    best = v if v > best else best
                    w = w + dw
                h = h + dh
            if nan:  # rare: redo with the NaN rule
                best = -INFINITY
                h = h0
                while h < h1:
                    w = w0
                    while w < w1:
                        i = h * W + w
                        v = x[i]
                        if v > best or v != v:
                            best = v
                            best_i = i
                        w = w + dw
                    h = h + dh
            y[oh * OW + ow] = best
            if idx != NULL:
                idx[oh * OW + ow] = <int32_t>best_i


cdef void _max_pool_2x2_plane(const floating* x, floating* y, int32_t* idx,
                              Py_ssize_t W, Py_ssize_t OH, Py_ssize_t OW) noexcept nogil:
    # kernel 2, stride 2, no padding, every window inside the image (checked by the caller).
    # A tournament, a vs b and c vs d then the two winners, each won by the later value only
    # when strictly greater: the first of tied maxima wins, as in torch's row-major scan.
    # Written as selects so that the compiler vectorises it; a row holding a NaN (where the
    # scan's rule "NaN always wins" differs) is redone by the exact scan.
    cdef Py_ssize_t oh, ow, k
    cdef const floating* r0
    cdef const floating* r1
    cdef floating* yo
    cdef int32_t* io
    cdef floating a, b, c, d, ab, cd, v
    cdef int32_t pos, iab, icd, best_i
    cdef bint nan
    for oh in range(OH):
        r0 = x + 2 * oh * W
        r1 = r0 + W
        yo = y + oh * OW
        io = idx + oh * OW if idx != NULL else NULL
        nan = False
        if idx == NULL:
            for ow in range(OW):
                a = r0[2 * ow]
                b = r0[2 * ow + 1]
                c = r1[2 * ow]
                d = r1[2 * ow + 1]
                nan = nan | (a != a) | (b != b) | (c != c) | (d != d)
                ab = b if b > a else a
                cd = d if d > c else c
                yo[ow] = cd if cd > ab else ab
        else:
            for ow in range(OW):
                a = r0[2 * ow]
                b = r0[2 * ow + 1]
                c = r1[2 * ow]
                d = r1[2 * ow + 1]
                nan = nan | (a != a) | (b != b) | (c != c) | (d != d)
                pos = <int32_t>(2 * oh * W + 2 * ow)
                iab = pos + 1 if b > a else pos
                icd = pos + <int32_t>W + 1 if d > c else pos + <int32_t>W
                ab = b if b > a else a
                cd = d if d > c else c
                io[ow] = icd if cd > ab else iab
                yo[ow] = cd if cd > ab else ab
        if nan:
            for ow in range(OW):
                best_i = <int32_t>(2 * oh * W + 2 * ow)
                a = r0[2 * ow]
                for k in range(1, 4):
                    v = r0[2 * ow + k] if k == 1 else r1[2 * ow + k - 2]
                    if v > a or v != v:
                        a = v
                        best_i = <int32_t>((2 * oh + k // 2) * W + 2 * ow + k % 2)
                yo[ow] = a
                if idx != NULL:
                    io[ow] = best_i


def max_pool2d_forward(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                       int32_t[:, :, ::1] idx, Py_ssize_t KH, Py_ssize_t KW,
                       Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                       Py_ssize_t dh, Py_ssize_t dw, int nthreads):
    """Max pool x (P, H, W) into y (P, OH, OW); the argmax (flat h*W+w, int32) into idx
    unless it is None.  The caller guarantees H*W < 2**31."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = y.shape[1], OW = y.shape[2]
    cdef Py_ssize_t p
    cdef bint save = idx is not None
    cdef bint fast2 = (KH == 2 and KW == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0
                       and dh == 1 and dw == 1 and 2 * OH <= H and 2 * OW <= W)
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            if fast2:
                _max_pool_2x2_plane(&x[p, 0, 0], &y[p, 0, 0],
                                    &idx[p, 0, 0] if save else NULL, W, OH, OW)
            else:
                _max_pool_plane(&x[p, 0, 0], &y[p, 0, 0], &idx[p, 0, 0] if save else NULL,
                                H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw)


def max_pool2d_backward(const floating[:, :, ::1] gy, const int32_t[:, :, ::1] idx,
                        floating[:, :, ::1] gx, int nthreads):
    """Route gy (P, OH, OW) to the saved argmax positions of gx (P, H, W); gx is overwritten."""
    cdef Py_ssize_t P = gx.shape[0], HW = gx.shape[1] * gx.shape[2]
    cdef Py_ssize_t K = gy.shape[1] * gy.shape[2]
    cdef Py_ssize_t p, k, i
    cdef floating* g
    cdef const floating* go
    cdef const int32_t* ix
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            g = &gx[p, 0, 0]
            go = &gy[p, 0, 0]
            ix = &idx[p, 0, 0]
            memset(g, 0, HW * sizeof(floating))
            for k in range(K):
                i = ix[k]
                if 0 <= i < HW:
                    g[i] = g[i] + go[k]


# ------------------------------------------------------------------ average pool
cdef void _avg_pool_plane(const floating* x, floating* y, floating* gx, const floating* gy,
                          Py_ssize_t H, Py_ssize_t W, Py_ssize_t OH, Py_ssize_t OW,
                          Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                          Py_ssize_t ph, Py_ssize_t pw, bint count_include_pad,
                          Py_ssize_t divisor) noexcept nogil:
    # Forward when x != NULL (y = window sum / divisor), else backward (gx += gy / divisor).
    # torch's divisor: divisor_override if given; else the window clipped to the padded
    # input (count_include_pad) or to the input itself.
    cdef Py_ssize_t oh, ow, h0, h1, w0, w1, h, w, n
    cdef floating s, d
    for oh in range(OH):
        for ow in range(OW):
            h0 = oh * sh - ph
            w0 = ow * sw - pw
            h1 = min(h0 + KH, H + ph)
            w1 = min(w0 + KW, W + pw)
            n = (h1 - h0) * (w1 - w0)
            h0 = max(h0, 0)
            w0 = max(w0, 0)
            h1 = min(h1, H)
            w1 = min(w1, W)
            if h0 >= h1 or w0 >= w1:
                if x != NULL:
                    y[oh * OW + ow] = 0
                continue
            if divisor != 0:
                n = divisor
            elif not count_include_pad:
                n = (h1 - h0) * (w1 - w0)
            if x != NULL:
                s = 0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        s = s + x[h * W + w]
                y[oh * OW + ow] = s / <floating>n
            else:
                d = gy[oh * OW + ow] / <floating>n
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[h * W + w] = gx[h * W + w] + d


cdef void _avg_pool_2x2_plane(const floating* x, floating* y, floating* gx, const floating* gy,
                              Py_ssize_t H, Py_ssize_t W, Py_ssize_t OH,
                              Py_ssize_t OW) noexcept nogil:
    # kernel 2, stride 2, no padding, every window inside: divisor 4 (unless overridden,
    # which the caller routes to the generic kernel).  Backward writes all of gx itself.
    cdef Py_ssize_t oh, ow, h, w
    cdef const floating* r0
    cdef const floating* r1
    cdef floating* g0
    cdef floating* g1
    cdef floating d
    if x != NULL:
        for oh in range(OH):
            r0 = x + 2 * oh * W
            r1 = r0 + W
            for ow in range(OW):
                y[oh * OW + ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow])
                                   + r1[2 * ow + 1]) / <floating>4
        return
    for oh in range(OH):
        g0 = gx + 2 * oh * W
        g1 = g0 + W
        for ow in range(OW):
            d = gy[oh * OW + ow] / <floating>4
            g0[2 * ow] = d
            g0[2 * ow + 1] = d
            g1[2 * ow] = d
            g1[2 * ow + 1] = d
        for w in range(2 * OW, W):  # odd width: the last column is in no window
            g0[w] = 0
            g1[w] = 0
    for h in range(2 * OH * W, H * W):  # odd height: the last row likewise
        gx[h] = 0


def avg_pool2d_forward(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                       Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t ph, Py_ssize_t pw, bint count_include_pad,
                       Py_ssize_t divisor, int nthreads):
    """Average pool x (P, H, W) into y (P, OH, OW); divisor 0 means no divisor_override."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = y.shape[1], OW = y.shape[2]
    cdef Py_ssize_t p
    cdef bint fast2 = (KH == 2 and KW == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0
                       and divisor == 0 and 2 * OH <= H and 2 * OW <= W)
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            if fast2:
                _avg_pool_2x2_plane(&x[p, 0, 0], &y[p, 0, 0], NULL, NULL, H, W, OH, OW)
            else:
                _avg_pool_plane(&x[p, 0, 0], &y[p, 0, 0], NULL, NULL, H, W, OH, OW,
                                KH, KW, sh, sw, ph, pw, count_include_pad, divisor)


def avg_pool2d_backward(const floating[:, :, ::1] gy, floating[:, :, ::1] gx,
                        Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t ph, Py_ssize_t pw, bint count_include_pad,
                        Py_ssize_t divisor, int nthreads):
    """Spread gy (P, OH, OW) over the windows of gx (P, H, W); gx is overwritten."""
    cdef Py_ssize_t P = gx.shape[0], H = gx.shape[1], W = gx.shape[2]
    cdef Py_ssize_t OH = gy.shape[1], OW = gy.shape[2]
    cdef Py_ssize_t p
    cdef bint fast2 = (KH == 2 and KW == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0
                       and divisor == 0 and 2 * OH <= H and 2 * OW <= W)
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            if fast2:
                _avg_pool_2x2_plane(NULL, NULL, &gx[p, 0, 0], &gy[p, 0, 0], H, W, OH, OW)
            else:
                memset(&gx[p, 0, 0], 0, H * W * sizeof(floating))
                _avg_pool_plane(NULL, NULL, &gx[p, 0, 0], &gy[p, 0, 0], H, W, OH, OW,
                                KH, KW, sh, sw, ph, pw, count_include_pad, divisor)


# ------------------------------------------------------------------ adaptive average pool
cdef inline floating _row_sum(const floating* r, Py_ssize_t n) noexcept nogil:
    # four interleaved partial sums: independent adds the compiler can pipeline and
    # vectorise (a single running sum is one long dependency chain)
    cdef floating s0 = 0, s1 = 0, s2 = 0, s3 = 0
    cdef Py_ssize_t i = 0
    while i + 4 <= n:
        s0 = s0 + r[i]
        s1 = s1 + r[i + 1]
        s2 = s2 + r[i + 2]
        s3 = s3 + r[i + 3]
        i = i + 4
    while i < n:
        s0 = s0 + r[i]
        i = i + 1
    return (s0 + s1) + (s2 + s3)


cdef void _adaptive_avg_plane(const floating* x, floating* y, floating* gx, const floating* gy,
                              Py_ssize_t H, Py_ssize_t W, Py_ssize_t OH, Py_ssize_t OW,
                              bint assign) noexcept nogil:
    # torch's bins: rows floor(oh*H/OH) .. ceil((oh+1)*H/OH), likewise columns; the mean is
    # taken as sum / kh / kw, as torch does.  Forward when x != NULL, else backward: which
    # adds into a zeroed gx, or with ``assign`` (bins tile the plane exactly) writes it.
    cdef Py_ssize_t oh, ow, h0, h1, w0, w1, h, w
    cdef floating s, d
    for oh in range(OH):
        h0 = (oh * H) // OH
        h1 = ((oh + 1) * H + OH - 1) // OH
        for ow in range(OW):
            w0 = (ow * W) // OW
            w1 = ((ow + 1) * W + OW - 1) // OW
            if x != NULL:
                if w0 == 0 and w1 == W:  # whole rows: one contiguous run
                    s = _row_sum(x + h0 * W, (h1 - h0) * W)
                else:
                    s = 0
                    for h in range(h0, h1):
                        s = s + _row_sum(x + h * W + w0, w1 - w0)
                y[oh * OW + ow] = s / <floating>(h1 - h0) / <floating>(w1 - w0)
            elif assign:
                d = gy[oh * OW + ow] / <floating>(h1 - h0) / <floating>(w1 - w0)
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[h * W + w] = d
            else:
                d = gy[oh * OW + ow] / <floating>(h1 - h0) / <floating>(w1 - w0)
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        gx[h * W + w] = gx[h * W + w] + d


def adaptive_avg_pool2d_forward(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                                int nthreads):
    """Adaptive average pool x (P, H, W) into y (P, OH, OW)."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = y.shape[1], OW = y.shape[2]
    cdef Py_ssize_t p
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            _adaptive_avg_plane(&x[p, 0, 0], &y[p, 0, 0], NULL, NULL, H, W, OH, OW, False)


def adaptive_avg_pool2d_backward(const floating[:, :, ::1] gy, floating[:, :, ::1] gx,
                                 int nthreads):
    """Spread gy (P, OH, OW) over the bins of gx (P, H, W); gx is overwritten."""
    cdef Py_ssize_t P = gx.shape[0], H = gx.shape[1], W = gx.shape[2]
    cdef Py_ssize_t OH = gy.shape[1], OW = gy.shape[2]
    cdef Py_ssize_t p
    cdef bint tiled = H % OH == 0 and W % OW == 0  # disjoint bins covering every element
    with nogil:
        for p in prange(P, schedule="static", num_threads=nthreads):
            if not tiled:
                memset(&gx[p, 0, 0], 0, H * W * sizeof(floating))
            _adaptive_avg_plane(NULL, NULL, &gx[p, 0, 0], &gy[p, 0, 0], H, W, OH, OW, tiled)
