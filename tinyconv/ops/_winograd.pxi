# Winograd F(4x4, 3x3) kernels, included into _im2col.pyx (one compiled module).
#
# Lavin and Gray's minimal filtering: a 3x3 stride-1 convolution over 4x4 output tiles is
#     y_tile = A^T [ (G g G^T) * (B^T d B) ] A
# with d the 6x6 input tile (overlapping its neighbours by 2), g the 3x3 filter and "*" the
# element-wise product, which summed over input channels becomes 36 independent GEMMs
# (done by NumPy's BLAS in tinyconv/ops/winograd.py).  The transforms live here.
#
# Layout: tiles are numbered t = (n*TH + th)*TW + tw over the (N, TH, TW) grid; a chunk is a
# run of whole tile rows r0 .. r0+R-1 (r = n*TH + th), so T = R*TW tiles.  Transformed arrays
# are (36, C, T): component k = 6*i + j of every tile of channel c is contiguous in t, which is
# what the batched GEMM (36, F, C) @ (36, C, T) wants and what lets the kernels below run
# their inner loops over contiguous tiles.  Each kernel parallelises over (channel, tile row)
# or (channel, image) pairs, so writes never overlap between threads.
#
# The backward pass uses the adjoint of the same algorithm (gradients of a linear map):
#     Mg = A gy_tile A^T      (gy_transform; 4x4 gy tile -> 6x6)
#     dU = sum_t Mg . V       (GEMM)  and  gw = G^T dU G  (filter_transform_adjoint)
#     dV = U^T Mg             (GEMM)  and  gx += B dV B^T over the overlapping 6x6 tiles
#                                          (input_transform_adjoint)
from cython cimport floating
from cython.parallel cimport parallel, prange

# The tensors (x, y, gy, gx, w, gw, bias) are ``io_float``; the transformed domain (U, V, M and
# the kernels' row buffers) is ``floating``.  They differ in one case: float32 tensors with the
# transformed domain in float64 (tinyconv.backends.conv.winograd_precision, the default), where
# F(4x4, 3x3)'s float32 GEMMs would round 7-8x more than a direct convolution.
ctypedef fused io_float:
    float
    double
from libc.stdlib cimport malloc, free
from libc.string cimport memset


# The innermost loops, in C so that ``restrict`` tells the compiler the streams never alias
# (Cython cannot say it, and without it gcc gives up vectorizing loops with this many
# pointers).  One macro body, instantiated for float (_f) and double (_d).
cdef extern from *:
    """
    #define WG_DEFINE(T, S)                                                                  \\
    /* ct[i][u] = (B^T d)[i][u] for the 6 rows d[i] of length Wb */                          \\
    static void wg_in_cols_##S(const T* restrict d, T* restrict c0, T* restrict c1,          \\
                               T* restrict c2, T* restrict c3, T* restrict c4,               \\
                               T* restrict c5, Py_ssize_t Wb) {                              \\
        const T* d0 = d; const T* d1 = d + Wb; const T* d2 = d + 2 * Wb;                     \\
        const T* d3 = d + 3 * Wb; const T* d4 = d + 4 * Wb; const T* d5 = d + 5 * Wb;        \\
        for (Py_ssize_t u = 0; u < Wb; u++) {                                                \\
            c0[u] = 4 * d0[u] - 5 * d2[u] + d4[u];                                           \\
            c1[u] = d4[u] + d3[u] - 4 * (d1[u] + d2[u]);                                     \\
            c2[u] = d4[u] - d3[u] + 4 * (d1[u] - d2[u]);                                     \\
            c3[u] = d4[u] - d2[u] + 2 * (d3[u] - d1[u]);                                     \\
            c4[u] = d4[u] - d2[u] - 2 * (d3[u] - d1[u]);                                     \\
            c5[u] = 4 * d1[u] - 5 * d3[u] + d5[u];                                           \\
        }                                                                                    \\
    }                                                                                        \\
    /* o_l[tw] = (e B)[l] for the 6-wide windows e = r[4tw : 4tw+6] */                       \\
    static void wg_in_row_##S(const T* restrict r, T* restrict o0, T* restrict o1,           \\
                              T* restrict o2, T* restrict o3, T* restrict o4,                \\
                              T* restrict o5, Py_ssize_t TW) {                               \\
        for (Py_ssize_t tw = 0; tw < TW; tw++) {                                             \\
            const T* e = r + 4 * tw;                                                         \\
            T e0 = e[0], e1 = e[1], e2 = e[2], e3 = e[3], e4 = e[4], e5 = e[5];              \\
            o0[tw] = 4 * e0 - 5 * e2 + e4;                                                   \\
            o1[tw] = e4 + e3 - 4 * (e1 + e2);                                                \\
            o2[tw] = e4 - e3 + 4 * (e1 - e2);                                                \\
            o3[tw] = e4 - e2 + 2 * (e3 - e1);                                                \\
            o4[tw] = e4 - e2 - 2 * (e3 - e1);                                                \\
            o5[tw] = 4 * e1 - 5 * e3 + e5;                                                   \\
        }                                                                                    \\
    }                                                                                        \\
    /* s_l[tw] = (m A)[l] for the 6 streams m_j[tw] (one row of 6x6 tiles) */                \\
    static void wg_out_row_##S(const T* restrict m0, const T* restrict m1,                   \\
                               const T* restrict m2, const T* restrict m3,                   \\
                               const T* restrict m4, const T* restrict m5,                   \\
                               T* restrict s0, T* restrict s1, T* restrict s2,               \\
                               T* restrict s3, Py_ssize_t TW) {                              \\
        for (Py_ssize_t tw = 0; tw < TW; tw++) {                                             \\
            T a1 = m1[tw], a2 = m2[tw], a3 = m3[tw], a4 = m4[tw];                            \\
            s0[tw] = m0[tw] + a1 + a2 + a3 + a4;                                             \\
            s1[tw] = a1 - a2 + 2 * (a3 - a4);                                                \\
            s2[tw] = a1 + a2 + 4 * (a3 + a4);                                                \\
            s3[tw] = a1 - a2 + 8 * (a3 - a4) + m5[tw];                                       \\
        }                                                                                    \\
    }                                                                                        \\
    /* y rows: o[k][4tw + a] = (A^T s[., a])[k] for s (6, 4, TW) */                          \\
    static void wg_out_cols_##S(const T* restrict s, T* restrict o0, T* restrict o1,         \\
                                T* restrict o2, T* restrict o3, Py_ssize_t TW) {             \\
        for (Py_ssize_t tw = 0; tw < TW; tw++) {                                             \\
            for (int a = 0; a < 4; a++) {                                                    \\
                T a0 = s[a * TW + tw], a1 = s[(4 + a) * TW + tw];                            \\
                T a2 = s[(8 + a) * TW + tw], a3 = s[(12 + a) * TW + tw];                     \\
                T a4 = s[(16 + a) * TW + tw], a5 = s[(20 + a) * TW + tw];                    \\
                o0[4 * tw + a] = a0 + a1 + a2 + a3 + a4;                                     \\
                o1[4 * tw + a] = a1 - a2 + 2 * (a3 - a4);                                    \\
                o2[4 * tw + a] = a1 + a2 + 4 * (a3 + a4);                                    \\
                o3[4 * tw + a] = a1 - a2 + 8 * (a3 - a4) + a5;                               \\
            }                                                                                \\
        }                                                                                    \\
    }                                                                                    \\
    /* ct[i][u] = (A g)[i][u] for the 4 rows g[i] of length Wb (gy_transform) */            \\
    static void wg_gy_cols_##S(const T* restrict g, T* restrict c0, T* restrict c1,          \\
                               T* restrict c2, T* restrict c3, T* restrict c4,               \\
                               T* restrict c5, Py_ssize_t Wb) {                              \\
        const T* g0 = g; const T* g1 = g + Wb; const T* g2 = g + 2 * Wb;                     \\
        const T* g3 = g + 3 * Wb;                                                            \\
        for (Py_ssize_t u = 0; u < Wb; u++) {                                                \\
            T a = g0[u] + g2[u], b = g1[u] + g3[u];                                          \\
            T c = g0[u] + 4 * g2[u], d = 2 * (g1[u] + 4 * g3[u]);                            \\
            c0[u] = g0[u];                                                                   \\
            c1[u] = a + b;                                                                   \\
            c2[u] = a - b;                                                                   \\
            c3[u] = c + d;                                                                   \\
            c4[u] = c - d;                                                                   \\
            c5[u] = g3[u];                                                                   \\
        }                                                                                    \\
    }                                                                                        \\
    /* o_l[tw] = (e A^T)[l] for the 4-wide windows e = r[4tw : 4tw+4] */                     \\
    static void wg_gy_row_##S(const T* restrict r, T* restrict o0, T* restrict o1,           \\
                              T* restrict o2, T* restrict o3, T* restrict o4,                \\
                              T* restrict o5, Py_ssize_t TW) {                               \\
        for (Py_ssize_t tw = 0; tw < TW; tw++) {                                             \\
            const T* e = r + 4 * tw;                                                         \\
            T a = e[0] + e[2], b = e[1] + e[3];                                              \\
            T c = e[0] + 4 * e[2], d = 2 * (e[1] + 4 * e[3]);                                \\
            o0[tw] = e[0];                                                                   \\
            o1[tw] = a + b;                                                                  \\
            o2[tw] = a - b;                                                                  \\
            o3[tw] = c + d;                                                                  \\
            o4[tw] = c - d;                                                                  \\
            o5[tw] = e[3];                                                                   \\
        }                                                                                    \\
    }                                                                                        \\
    /* row[4tw + m] = (v B^T)[m] for the 6 streams v_l[tw], overlapping tiles summed         \\
       (input_transform_adjoint; row has 4 TW + 2 entries) */                                \\
    static void wg_adj_row_##S(const T* restrict v0, const T* restrict v1,                   \\
                               const T* restrict v2, const T* restrict v3,                   \\
                               const T* restrict v4, const T* restrict v5,                   \\
                               T* restrict row, Py_ssize_t TW) {                             \\
        T c4 = 0, c5 = 0; /* the 2 columns shared with the previous tile */                  \\
        for (Py_ssize_t tw = 0; tw < TW; tw++) {                                             \\
            T a0 = v0[tw], a1 = v1[tw], a2 = v2[tw], a3 = v3[tw], a4 = v4[tw], a5 = v5[tw];  \\
            row[4 * tw] = 4 * a0 + c4;                                                       \\
            row[4 * tw + 1] = 4 * (a2 - a1) + 2 * (a4 - a3) + 4 * a5 + c5;                   \\
            row[4 * tw + 2] = -5 * a0 - 4 * (a1 + a2) - (a3 + a4);                           \\
            row[4 * tw + 3] = (a1 - a2) + 2 * (a3 - a4) - 5 * a5;                            \\
            c4 = a0 + a1 + a2 + a3 + a4;                                                     \\
            c5 = a5;                                                                         \\
        }                                                                                    \\
        row[4 * TW] = c4;                                                                    \\
        row[4 * TW + 1] = c5;                                                                \\
    }                                                                                        \\
    /* o_i[u] = (B q)[i][u] for the 6 rows q[j] of length Wb (input_transform_adjoint) */   \\
    static void wg_adj_cols_##S(const T* restrict q, T* restrict o0, T* restrict o1,         \\
                                T* restrict o2, T* restrict o3, T* restrict o4,              \\
                                T* restrict o5, Py_ssize_t Wb) {                             \\
        const T* q0 = q; const T* q1 = q + Wb; const T* q2 = q + 2 * Wb;                     \\
        const T* q3 = q + 3 * Wb; const T* q4 = q + 4 * Wb; const T* q5 = q + 5 * Wb;        \\
        for (Py_ssize_t u = 0; u < Wb; u++) {                                                \\
            o0[u] = 4 * q0[u];                                                               \\
            o1[u] = 4 * (q2[u] - q1[u]) + 2 * (q4[u] - q3[u]) + 4 * q5[u];                   \\
            o2[u] = -5 * q0[u] - 4 * (q1[u] + q2[u]) - (q3[u] + q4[u]);                      \\
            o3[u] = (q1[u] - q2[u]) + 2 * (q3[u] - q4[u]) - 5 * q5[u];                       \\
            o4[u] = q0[u] + q1[u] + q2[u] + q3[u] + q4[u];                                   \\
            o5[u] = q5[u];                                                                   \\
        }                                                                                    \\
    }
    WG_DEFINE(float, f)
    WG_DEFINE(double, d)
    """
    void wg_in_cols_f(const float* d, float* c0, float* c1, float* c2, float* c3, float* c4,
                      float* c5, Py_ssize_t Wb) noexcept nogil
    void wg_in_cols_d(const double* d, double* c0, double* c1, double* c2, double* c3,
                      double* c4, double* c5, Py_ssize_t Wb) noexcept nogil
    void wg_in_row_f(const float* r, float* o0, float* o1, float* o2, float* o3, float* o4,
                     float* o5, Py_ssize_t TW) noexcept nogil
    void wg_in_row_d(const double* r, double* o0, double* o1, double* o2, double* o3,
                     double* o4, double* o5, Py_ssize_t TW) noexcept nogil
    void wg_out_row_f(const float* m0, const float* m1, const float* m2, const float* m3,
                      const float* m4, const float* m5, float* s0, float* s1, float* s2,
                      float* s3, Py_ssize_t TW) noexcept nogil
    void wg_out_row_d(const double* m0, const double* m1, const double* m2, const double* m3,
                      const double* m4, const double* m5, double* s0, double* s1, double* s2,
                      double* s3, Py_ssize_t TW) noexcept nogil
    void wg_out_cols_f(const float* s, float* o0, float* o1, float* o2, float* o3,
                       Py_ssize_t TW) noexcept nogil
    void wg_out_cols_d(const double* s, double* o0, double* o1, double* o2, double* o3,
                       Py_ssize_t TW) noexcept nogil
    void wg_gy_cols_f(const float* g, float* c0, float* c1, float* c2, float* c3, float* c4,
                     float* c5, Py_ssize_t Wb) noexcept nogil
    void wg_gy_row_f(const float* r, float* o0, float* o1, float* o2, float* o3, float* o4,
                    float* o5, Py_ssize_t TW) noexcept nogil
    void wg_adj_row_f(const float* v0, const float* v1, const float* v2, const float* v3,
                     const float* v4, const float* v5, float* row, Py_ssize_t TW) noexcept nogil
    void wg_adj_cols_f(const float* q, float* o0, float* o1, float* o2, float* o3, float* o4,
                      float* o5, Py_ssize_t Wb) noexcept nogil
    void wg_gy_cols_d(const double* g, double* c0, double* c1, double* c2, double* c3, double* c4,
                     double* c5, Py_ssize_t Wb) noexcept nogil
    void wg_gy_row_d(const double* r, double* o0, double* o1, double* o2, double* o3, double* o4,
                    double* o5, Py_ssize_t TW) noexcept nogil
    void wg_adj_row_d(const double* v0, const double* v1, const double* v2, const double* v3,
                     const double* v4, const double* v5, double* row, Py_ssize_t TW) noexcept nogil
    void wg_adj_cols_d(const double* q, double* o0, double* o1, double* o2, double* o3, double* o4,
                      double* o5, Py_ssize_t Wb) noexcept nogil


cdef inline void _wg_load_rows(const io_float* x, Py_ssize_t H, Py_ssize_t W, Py_ssize_t h0,
                               Py_ssize_t w0, Py_ssize_t nrows, floating* buf,
                               Py_ssize_t Wb) noexcept nogil:
    """buf[i, u] = x[h0 + i, w0 + u] inside the (H, W) plane, else 0, for i < nrows, u < Wb."""
    cdef Py_ssize_t i, u, h, lo, hi
    lo = -w0 if w0 < 0 else 0
    hi = W - w0 if W - w0 < Wb else Wb
    if hi < lo:
        hi = lo
    for i in range(nrows):
        h = h0 + i
        if h < 0 or h >= H or hi == lo:
            memset(buf + i * Wb, 0, Wb * sizeof(floating))
            continue
        for u in range(lo):
            buf[i * Wb + u] = 0
        for u in range(lo, hi):
            buf[i * Wb + u] = x[h * W + w0 + u]
        for u in range(hi, Wb):
            buf[i * Wb + u] = 0


def winograd_input_transform(const io_float[:, :, :, ::1] x, floating[:, :, ::1] V,
                             Py_ssize_t r0, Py_ssize_t TH, Py_ssize_t TW,
                             Py_ssize_t pt, Py_ssize_t pl, int nthreads):
    """V[6i+j, c, t] = (B^T d B)[i, j] for the 6x6 input tile d of tile t, channel c.

    Tile (n, th, tw) reads x[n, c, 4th - pt : 4th - pt + 6, 4tw - pl : 4tw - pl + 6]; taps
    outside the image are zero (so any padding, even negative, is handled here).  V is
    (36, C, R*TW) for the tile rows r0 .. r0+R-1.
    """
    cdef Py_ssize_t C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t T = V.shape[2], R = T // TW, Wb = 4 * TW + 2
    cdef Py_ssize_t KS = C * T  # stride between components k in V
    cdef Py_ssize_t cr, c, rr, r, n, th, u, tw, j
    cdef floating* buf
    cdef floating* ct
    cdef floating* e
    cdef floating* out
    cdef floating d0, d1, d2, d3, d4, d5
    if C == 0 or T == 0:
        return
    buf = ct = NULL
    with nogil, parallel(num_threads=nthreads):
        buf = <floating*>malloc(12 * Wb * sizeof(floating))
        ct = buf + 6 * Wb
        for cr in prange(C * R, schedule="static"):
            c = cr // R
            rr = cr % R
            r = r0 + rr
            n = r // TH
            th = r % TH
            _wg_load_rows(&x[n, c, 0, 0], H, W, 4 * th - pt, -pl, 6, buf, Wb)
            # columns: ct[i, u] = (B^T d)[i, u]; rows: V[6i + j] = (ct B)[i, j] per tile
            if floating is float:
                wg_in_cols_f(buf, ct, ct + Wb, ct + 2 * Wb, ct + 3 * Wb, ct + 4 * Wb,
                             ct + 5 * Wb, Wb)
            else:
                wg_in_cols_d(buf, ct, ct + Wb, ct + 2 * Wb, ct + 3 * Wb, ct + 4 * Wb,
                             ct + 5 * Wb, Wb)
            for j in range(6):
                e = ct + j * Wb
                out = &V[6 * j, c, rr * TW]
                if floating is float:
                    wg_in_row_f(e, out, out + KS, out + 2 * KS, out + 3 * KS, out + 4 * KS,
                                out + 5 * KS, TW)
                else:
                    wg_in_row_d(e, out, out + KS, out + 2 * KS, out + 3 * KS, out + 4 * KS,
                                out + 5 * KS, TW)
        free(buf)


def winograd_output_transform(const floating[:, :, ::1] M, io_float[:, :, :, ::1] y,
                              const io_float[::1] bias, Py_ssize_t r0, Py_ssize_t TH,
                              Py_ssize_t TW, int nthreads):
    """y[n, f, 4th + a, 4tw + b] = (A^T m A)[a, b] (+ bias[f]) for the 6x6 tile m of M.

    M is (36, F, R*TW) for the tile rows r0 .. r0+R-1; tiles cut by the border of y
    (OH, OW not multiples of 4) write only their inside part.  bias may be None.
    """
    cdef Py_ssize_t F = y.shape[1], OH = y.shape[2], OW = y.shape[3]
    cdef Py_ssize_t T = M.shape[2], R = T // TW, Wb = 4 * TW
    cdef Py_ssize_t KS = F * T
    cdef Py_ssize_t fr, f, rr, r, n, th, tw, i, a, u, h, wmax
    cdef floating* buf
    cdef floating* s
    cdef floating* dst
    cdef const floating* mp
    cdef floating m0, m1, m2, m3, m4, m5, bf
    cdef bint has_bias = bias is not None
    if F == 0 or T == 0:
        return
    wmax = OW if OW < Wb else Wb
    buf = s = dst = NULL
    with nogil, parallel(num_threads=nthreads):
        # s: (6, 4, TW) row-transformed tiles; then the 4 output rows (4, 4*TW)
        buf = <floating*>malloc((24 * TW + 4 * Wb) * sizeof(floating))
        for fr in prange(F * R, schedule="static"):
            f = fr // R
            rr = fr % R
            r = r0 + rr
            n = r // TH
            th = r % TH
            s = buf
            for i in range(6):
                mp = &M[6 * i, f, rr * TW]
                if floating is float:
                    wg_out_row_f(mp, mp + KS, mp + 2 * KS, mp + 3 * KS, mp + 4 * KS,
                                 mp + 5 * KS, s + 4 * i * TW, s + (4 * i + 1) * TW,
                                 s + (4 * i + 2) * TW, s + (4 * i + 3) * TW, TW)
                else:
                    wg_out_row_d(mp, mp + KS, mp + 2 * KS, mp + 3 * KS, mp + 4 * KS,
                                 mp + 5 * KS, s + 4 * i * TW, s + (4 * i + 1) * TW,
                                 s + (4 * i + 2) * TW, s + (4 * i + 3) * TW, TW)
            dst = buf + 24 * TW
            if floating is float:
                wg_out_cols_f(s, dst, dst + Wb, dst + 2 * Wb, dst + 3 * Wb, TW)
            else:
                wg_out_cols_d(s, dst, dst + Wb, dst + 2 * Wb, dst + 3 * Wb, TW)
            bf = bias[f] if has_bias else 0
            for a in range(4):
                h = 4 * th + a
                if h >= OH:
                    break
                if has_bias:
                    for u in range(wmax):
                        y[n, f, h, u] = dst[a * Wb + u] + bf
                else:
                    for u in range(wmax):
                        y[n, f, h, u] = dst[a * Wb + u]
        free(buf)


def winograd_gy_transform(const io_float[:, :, :, ::1] gy, floating[:, :, ::1] Mg,
                          Py_ssize_t r0, Py_ssize_t TH, Py_ssize_t TW, int nthreads):
    """Mg[6i+j, f, t] = (A g A^T)[i, j] for the 4x4 tile g of gy (zero outside (OH, OW)).

    The adjoint of winograd_output_transform (without bias): Mg is (36, F, R*TW).
    """
    cdef Py_ssize_t F = gy.shape[1], OH = gy.shape[2], OW = gy.shape[3]
    cdef Py_ssize_t T = Mg.shape[2], R = T // TW, Wb = 4 * TW
    cdef Py_ssize_t KS = F * T
    cdef Py_ssize_t fr, f, rr, r, n, th, j
    cdef floating* buf
    cdef floating* ct
    cdef floating* e
    cdef floating* out
    if F == 0 or T == 0:
        return
    buf = ct = NULL
    with nogil, parallel(num_threads=nthreads):
        buf = <floating*>malloc(10 * Wb * sizeof(floating))
        ct = buf + 4 * Wb
        for fr in prange(F * R, schedule="static"):
            f = fr // R
            rr = fr % R
            r = r0 + rr
            n = r // TH
            th = r % TH
            _wg_load_rows(&gy[n, f, 0, 0], OH, OW, 4 * th, 0, 4, buf, Wb)
            # columns: ct[i, u] = (A g)[i, u]; rows: Mg[6i + j] = (ct A^T)[i, j] per tile
            if floating is float:
                wg_gy_cols_f(buf, ct, ct + Wb, ct + 2 * Wb, ct + 3 * Wb, ct + 4 * Wb,
                             ct + 5 * Wb, Wb)
            else:
                wg_gy_cols_d(buf, ct, ct + Wb, ct + 2 * Wb, ct + 3 * Wb, ct + 4 * Wb,
                             ct + 5 * Wb, Wb)
            for j in range(6):
                e = ct + j * Wb
                out = &Mg[6 * j, f, rr * TW]
                if floating is float:
                    wg_gy_row_f(e, out, out + KS, out + 2 * KS, out + 3 * KS, out + 4 * KS,
                                out + 5 * KS, TW)
                else:
                    wg_gy_row_d(e, out, out + KS, out + 2 * KS, out + 3 * KS, out + 4 * KS,
                                out + 5 * KS, TW)
        free(buf)


def winograd_input_transform_adjoint(const floating[:, :, ::1] dV, io_float[:, :, :, ::1] gx,
                                     Py_ssize_t r0, Py_ssize_t TH, Py_ssize_t TW,
                                     Py_ssize_t pt, Py_ssize_t pl, int nthreads):
    """gx[n, c] += B dV_t B^T placed at (4th - pt, 4tw - pl) for every tile t of the chunk.

    The adjoint of winograd_input_transform: overlapping tiles add, taps in the padding are
    dropped.  dV is (36, C, R*TW) for tile rows r0 .. r0+R-1; gx (N, C, H, W) must hold the
    sum so far (zeros before the first chunk).  One (image, channel) plane per thread.
    """
    cdef Py_ssize_t C = gx.shape[1], H = gx.shape[2], W = gx.shape[3]
    cdef Py_ssize_t T = dV.shape[2], R = T // TW, Wb = 4 * TW + 2
    cdef Py_ssize_t KS = C * T
    cdef Py_ssize_t nfirst = r0 // TH, nlast = (r0 + R - 1) // TH, nimg = nlast - nfirst + 1
    cdef Py_ssize_t cn, c, n, r, rlo, rhi, rr, th, j, u, i, h, lo, hi
    cdef floating* q
    cdef floating* o
    cdef io_float* grow
    cdef const floating* vp
    if C == 0 or T == 0:
        return
    lo = pl if pl > 0 else 0
    hi = W + pl if W + pl < Wb else Wb
    q = o = NULL
    with nogil, parallel(num_threads=nthreads):
        q = <floating*>malloc(12 * Wb * sizeof(floating))  # q, then the 6 rows of B q
        o = q + 6 * Wb
        for cn in prange(C * nimg, schedule="static"):
            c = cn // nimg
            n = nfirst + cn % nimg
            rlo = n * TH if n * TH > r0 else r0
            rhi = (n + 1) * TH if (n + 1) * TH < r0 + R else r0 + R
            for r in range(rlo, rhi):
                rr = r - r0
                th = r % TH
                # rows of the tile: q[j, 4tw + m] = sum_l dV[6j + l] B^T[l, m]
                for j in range(6):
                    vp = &dV[6 * j, c, rr * TW]
                    if floating is float:
                        wg_adj_row_f(vp, vp + KS, vp + 2 * KS, vp + 3 * KS, vp + 4 * KS,
                                     vp + 5 * KS, q + j * Wb, TW)
                    else:
                        wg_adj_row_d(vp, vp + KS, vp + 2 * KS, vp + 3 * KS, vp + 4 * KS,
                                     vp + 5 * KS, q + j * Wb, TW)
                # columns: gx[4th - pt + i, u - pl] += sum_j B^T[j, i] q[j, u]
                if floating is float:
                    wg_adj_cols_f(q, o, o + Wb, o + 2 * Wb, o + 3 * Wb, o + 4 * Wb, o + 5 * Wb,
                                  Wb)
                else:
                    wg_adj_cols_d(q, o, o + Wb, o + 2 * Wb, o + 3 * Wb, o + 4 * Wb, o + 5 * Wb,
                                  Wb)
                for i in range(6):
                    h = 4 * th - pt + i
                    if h < 0 or h >= H:
                        continue
                    grow = &gx[n, c, h, 0] - pl
                    for u in range(lo, hi):
                        grow[u] += o[i * Wb + u]
        free(q)


def winograd_filter_transform(const io_float[:, :, :, ::1] w, floating[:, :, ::1] U,
                              int nthreads):
    """U[6i+j, f, c] = (G g G^T)[i, j] for the 3x3 filter g = w[f, c]; U is (36, F, C)."""
    cdef Py_ssize_t F = w.shape[0], C = w.shape[1]
    cdef Py_ssize_t fc, f, c, i, j
    cdef floating* t
    cdef floating g0, g1, g2
    cdef floating h = <floating>1 / <floating>6
    cdef floating q = <floating>1 / <floating>24
    cdef floating e = <floating>1 / <floating>12
    if F * C == 0:
        return
    t = NULL
    with nogil, parallel(num_threads=nthreads):
        t = <floating*>malloc(18 * sizeof(floating))  # G g (6x3), per thread
        for fc in prange(F * C, schedule="static"):
            f = fc // C
            c = fc % C
            for j in range(3):  # t = G g (6x3), column by column
                g0 = w[f, c, 0, j]
                g1 = w[f, c, 1, j]
                g2 = w[f, c, 2, j]
                t[j] = g0 * <floating>0.25
                t[3 + j] = -(g0 + g1 + g2) * h
                t[6 + j] = -(g0 - g1 + g2) * h
                t[9 + j] = g0 * q + g1 * e + g2 * h
                t[12 + j] = g0 * q - g1 * e + g2 * h
                t[15 + j] = g2
            for i in range(6):  # U = t G^T
                g0 = t[3 * i]
                g1 = t[3 * i + 1]
                g2 = t[3 * i + 2]
                U[6 * i, f, c] = g0 * <floating>0.25
                U[6 * i + 1, f, c] = -(g0 + g1 + g2) * h
                U[6 * i + 2, f, c] = -(g0 - g1 + g2) * h
                U[6 * i + 3, f, c] = g0 * q + g1 * e + g2 * h
                U[6 * i + 4, f, c] = g0 * q - g1 * e + g2 * h
                U[6 * i + 5, f, c] = g2
        free(t)


def winograd_filter_transform_adjoint(const floating[:, :, ::1] dU, io_float[:, :, :, ::1] gw,
                                      int nthreads):
    """gw[f, c] = G^T dU_fc G (3x3) for dU (36, F, C): the adjoint of the filter transform."""
    cdef Py_ssize_t F = gw.shape[0], C = gw.shape[1]
    cdef Py_ssize_t fc, f, c, i, j
    cdef floating* t
    cdef floating m0, m1, m2, m3, m4, m5
    cdef floating h = <floating>1 / <floating>6
    cdef floating q = <floating>1 / <floating>24
    cdef floating e = <floating>1 / <floating>12
    if F * C == 0:
        return
    t = NULL
    with nogil, parallel(num_threads=nthreads):
        t = <floating*>malloc(18 * sizeof(floating))  # G^T m (3x6), per thread
        for fc in prange(F * C, schedule="static"):
            f = fc // C
            c = fc % C
            for j in range(6):  # t = G^T m (3x6), column by column
                m0 = dU[j, f, c]
                m1 = dU[6 + j, f, c]
                m2 = dU[12 + j, f, c]
                m3 = dU[18 + j, f, c]
                m4 = dU[24 + j, f, c]
                m5 = dU[30 + j, f, c]
                t[j] = m0 * <floating>0.25 - (m1 + m2) * h + (m3 + m4) * q
                t[6 + j] = (m2 - m1) * h + (m3 - m4) * e
                t[12 + j] = -(m1 + m2) * h + (m3 + m4) * h + m5
            for i in range(3):  # gw = t G
                m0 = t[6 * i]
                m1 = t[6 * i + 1]
                m2 = t[6 * i + 2]
                m3 = t[6 * i + 3]
                m4 = t[6 * i + 4]
                m5 = t[6 * i + 5]
                gw[f, c, i, 0] = m0 * <floating>0.25 - (m1 + m2) * h + (m3 + m4) * q
                gw[f, c, i, 1] = (m2 - m1) * h + (m3 - m4) * e
                gw[f, c, i, 2] = -(m1 + m2) * h + (m3 + m4) * h + m5
        free(t)
