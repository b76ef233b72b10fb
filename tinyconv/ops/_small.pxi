# Register-blocked direct convolution for stride-1 layers with few output channels (LeNet-5's
# 3->6 5x5 layer), included into _im2col.pyx.
#
# Their im2col GEMMs are skinny (6 x 75 times 75 x N*P): BLAS streams the whole column matrix
# (30 MB for LeNet's first layer at N=128) for a handful of multiply-adds per element, and the
# weight gradient streams it again.  These kernels never build it.  Each keeps 4 output
# channels times 8 consecutive output columns in vector accumulators and walks the taps
# (c, i, j) over input rows that stay in L1.
#
# The caller pads: x arrives zero-padded for the convolution and widened so that every 8-wide
# load stays inside its row (xp: (N, C, Hp, Wp) with Wp >= (OW rounded up to 8) + (KW-1)*dw),
# gy arrives widened to a multiple of 8 columns with zeros (gyp: (N, F, OH, OWp)), weights come
# packed in blocks of 4 output channels, zero past F (wp: (ceil(F/4), C, KH, KW, 4)).  So no
# load is guarded.
#
# The vector code needs AVX2 and FMA, compiled per function (target attribute) and used only
# when the CPU reports both (sm_available); elsewhere (other CPUs, other compilers)
# sm_available() is 0 and the conv selection never picks these kernels.

cdef extern from *:
    """
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    #include <string.h>
    #define SM_TARGET __attribute__((target("avx2,fma")))
    static int sm_available(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    #define SM_DEFINE(T, S)                                                                  \\
    typedef T sm_v8##S __attribute__((vector_size(8 * sizeof(T))));                          \\
    SM_TARGET static inline sm_v8##S sm_ld_##S(const T* p) {                                 \\
        sm_v8##S v; memcpy(&v, p, sizeof v); return v;                                       \\
    }                                                                                        \\
    /* y[n, f0:f0+4 (< F), oh, :] for one output row */                                      \\
    SM_TARGET static void sm_forward_row_##S(const T* xp, const T* wp, T* y, Py_ssize_t C,   \\
            Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t OH,       \\
            Py_ssize_t OW, Py_ssize_t n, Py_ssize_t oh, Py_ssize_t F, Py_ssize_t f0,         \\
            Py_ssize_t dh, Py_ssize_t dw) {                                                  \\
        Py_ssize_t nf = F - f0 < 4 ? F - f0 : 4;                                             \\
        const T* wb = wp + (f0 / 4) * C * KH * KW * 4;                                       \\
        for (Py_ssize_t ow0 = 0; ow0 < OW; ow0 += 8) {                                       \\
            sm_v8##S a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};                                 \\
            for (Py_ssize_t c = 0; c < C; c++) {                                             \\
                for (Py_ssize_t i = 0; i < KH; i++) {                                        \\
                    const T* row = xp + ((n * C + c) * Hp + oh + i * dh) * Wp + ow0;         \\
                    const T* wt = wb + ((c * KH + i) * KW) * 4;                              \\
                    for (Py_ssize_t j = 0; j < KW; j++) {                                    \\
                        sm_v8##S v = sm_ld_##S(row + j * dw);                                \\
                        const T* wj = wt + j * 4;                                            \\
                        a0 += wj[0] * v; a1 += wj[1] * v; a2 += wj[2] * v; a3 += wj[3] * v;  \\
                    }                                                                        \\
                }                                                                            \\
            }                                                                                \\
            sm_v8##S acc[4] = {a0, a1, a2, a3};                                              \\
            Py_ssize_t nvalid = OW - ow0 < 8 ? OW - ow0 : 8;                                 \\
            for (Py_ssize_t a = 0; a < nf; a++) {                                            \\
                T lanes[8];                                                                  \\
                memcpy(lanes, &acc[a], sizeof lanes);                                        \\
                T* yo = y + ((n * F + f0 + a) * OH + oh) * OW + ow0;                         \\
                for (Py_ssize_t k = 0; k < nvalid; k++) yo[k] = lanes[k];                    \\
            }                                                                                \\
        }                                                                                    \\
    }                                                                                        \\
    /* gw (packed like wp) += the weight gradient from sample n, output channels f0:f0+4 */   \\
    SM_TARGET static void sm_grad_weight_##S(const T* xp, const T* gyp, double* gw,          \\
            Py_ssize_t C, Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,        \\
            Py_ssize_t OH, Py_ssize_t OWp, Py_ssize_t n, Py_ssize_t F, Py_ssize_t f0,        \\
            Py_ssize_t dh, Py_ssize_t dw) {                                                  \\
        Py_ssize_t nf = F - f0 < 4 ? F - f0 : 4;                                             \\
        double* gb = gw + (f0 / 4) * C * KH * KW * 4;                                        \\
        const T* g[4];                                                                       \\
        for (int a = 0; a < 4; a++)                                                          \\
            g[a] = gyp + (n * F + f0 + (a < nf ? a : 0)) * OH * OWp;                         \\
        for (Py_ssize_t c = 0; c < C; c++) {                                                 \\
            for (Py_ssize_t i = 0; i < KH; i++) {                                            \\
                for (Py_ssize_t j = 0; j < KW; j++) {                                        \\
                    sm_v8##S a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};                         \\
                    for (Py_ssize_t oh = 0; oh < OH; oh++) {                                 \\
                        const T* row = xp + ((n * C + c) * Hp + oh + i * dh) * Wp + j * dw;  \\
                        Py_ssize_t o = oh * OWp;                                             \\
                        for (Py_ssize_t ow0 = 0; ow0 < OWp; ow0 += 8) {                      \\
                            sm_v8##S v = sm_ld_##S(row + ow0);                               \\
                            a0 += sm_ld_##S(g[0] + o + ow0) * v;                             \\
                            a1 += sm_ld_##S(g[1] + o + ow0) * v;                             \\
                            a2 += sm_ld_##S(g[2] + o + ow0) * v;                             \\
                            a3 += sm_ld_##S(g[3] + o + ow0) * v;                             \\
                        }                                                                    \\
                    }                                                                        \\
                    sm_v8##S acc[4] = {a0, a1, a2, a3};                                      \\
                    double* out = gb + ((c * KH + i) * KW + j) * 4;                          \\
                    for (Py_ssize_t a = 0; a < nf; a++) {                                    \\
                        T lanes[8];                                                          \\
                        memcpy(lanes, &acc[a], sizeof lanes);                                \\
                        double s = 0;                                                        \\
                        for (int k = 0; k < 8; k++) s += (double)lanes[k];                   \\
                        out[a] += s;                                                         \\
                    }                                                                        \\
                }                                                                            \\
            }                                                                                \\
        }                                                                                    \\
    }
    #else
    static int sm_available(void) { return 0; }
    #define SM_DEFINE(T, S)                                                                  \\
    static void sm_forward_row_##S(const T* xp, const T* wp, T* y, Py_ssize_t C,             \\
            Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t OH,       \\
            Py_ssize_t OW, Py_ssize_t n, Py_ssize_t oh, Py_ssize_t F, Py_ssize_t f0,         \\
            Py_ssize_t dh, Py_ssize_t dw) {}                                                 \\
    static void sm_grad_weight_##S(const T* xp, const T* gyp, double* gw,                    \\
            Py_ssize_t C, Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,        \\
            Py_ssize_t OH, Py_ssize_t OWp, Py_ssize_t n, Py_ssize_t F, Py_ssize_t f0,        \\
            Py_ssize_t dh, Py_ssize_t dw) {}
    #endif
    SM_DEFINE(float, f)
    SM_DEFINE(double, d)
    """
    int sm_available() noexcept nogil
    void sm_forward_row_f(const float* xp, const float* wp, float* y, Py_ssize_t C,
                          Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,
                          Py_ssize_t OH, Py_ssize_t OW, Py_ssize_t n, Py_ssize_t oh,
                          Py_ssize_t F, Py_ssize_t f0, Py_ssize_t dh,
                          Py_ssize_t dw) noexcept nogil
    void sm_forward_row_d(const double* xp, const double* wp, double* y, Py_ssize_t C,
                          Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,
                          Py_ssize_t OH, Py_ssize_t OW, Py_ssize_t n, Py_ssize_t oh,
                          Py_ssize_t F, Py_ssize_t f0, Py_ssize_t dh,
                          Py_ssize_t dw) noexcept nogil
    void sm_grad_weight_f(const float* xp, const float* gyp, double* gw, Py_ssize_t C,
                          Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,
                          Py_ssize_t OH, Py_ssize_t OWp, Py_ssize_t n, Py_ssize_t F,
                          Py_ssize_t f0, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil
    void sm_grad_weight_d(const double* xp, const double* gyp, double* gw, Py_ssize_t C,
                          Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t KH, Py_ssize_t KW,
                          Py_ssize_t OH, Py_ssize_t OWp, Py_ssize_t n, Py_ssize_t F,
                          Py_ssize_t f0, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil


def small_conv_available():
    """Whether the register-blocked kernels below can run here (AVX2 and FMA, GCC-built)."""
    return bool(sm_available())


def conv_small_forward(const floating[:, :, :, ::1] xp, const floating[:, :, :, :, ::1] wp,
                       floating[:, :, :, ::1] y, Py_ssize_t dh, Py_ssize_t dw, int nthreads):
    """y (N, F, OH, OW) = stride-1 conv of the padded xp (N, C, Hp, Wp) with the packed
    weights wp (ceil(F/4), C, KH, KW, 4); y is overwritten.  Threads split (n, output row)."""
    cdef Py_ssize_t N = xp.shape[0], C = xp.shape[1], Hp = xp.shape[2], Wp = xp.shape[3]
    cdef Py_ssize_t KH = wp.shape[2], KW = wp.shape[3]
    cdef Py_ssize_t F = y.shape[1], OH = y.shape[2], OW = y.shape[3]
    cdef Py_ssize_t r, n, oh, f0
    if N * F * OH * OW == 0 or not sm_available():
        return
    with nogil:
        for r in prange(N * OH, schedule="static", num_threads=nthreads):
            n = r // OH
            oh = r % OH
            for f0 in range(0, F, 4):
                if floating is float:
                    sm_forward_row_f(&xp[0, 0, 0, 0], &wp[0, 0, 0, 0, 0], &y[0, 0, 0, 0], C, Hp,
                                     Wp, KH, KW, OH, OW, n, oh, F, f0, dh, dw)
                else:
                    sm_forward_row_d(&xp[0, 0, 0, 0], &wp[0, 0, 0, 0, 0], &y[0, 0, 0, 0], C, Hp,
                                     Wp, KH, KW, OH, OW, n, oh, F, f0, dh, dw)


def conv_small_grad_weight(const floating[:, :, :, ::1] xp, const floating[:, :, :, ::1] gyp,
                           double[:, :, :, :, :, ::1] parts, Py_ssize_t dh, Py_ssize_t dw,
                           int nthreads):
    """parts[t] += the weight gradient (packed like wp) over the samples of thread t (parts
    zeroed by the caller, one per thread; float64, summed by the caller)."""
    cdef Py_ssize_t N = xp.shape[0], C = xp.shape[1], Hp = xp.shape[2], Wp = xp.shape[3]
    cdef Py_ssize_t KH = parts.shape[3], KW = parts.shape[4]
    cdef Py_ssize_t F = gyp.shape[1], OH = gyp.shape[2], OWp = gyp.shape[3]
    cdef Py_ssize_t T = parts.shape[0]
    cdef Py_ssize_t t, n, f0, per
    if N * F * OH * OWp == 0 or not sm_available():
        return
    per = (N + T - 1) // T
    with nogil:
        for t in prange(T, schedule="static", num_threads=nthreads):
            for n in range(t * per, min(N, (t + 1) * per)):
                for f0 in range(0, F, 4):
                    if floating is float:
                        sm_grad_weight_f(&xp[0, 0, 0, 0], &gyp[0, 0, 0, 0],
                                         &parts[t, 0, 0, 0, 0, 0], C, Hp, Wp, KH, KW, OH, OWp,
                                         n, F, f0, dh, dw)
                    else:
                        sm_grad_weight_d(&xp[0, 0, 0, 0], &gyp[0, 0, 0, 0],
                                         &parts[t, 0, 0, 0, 0, 0], C, Hp, Wp, KH, KW, OH, OWp,
                                         n, F, f0, dh, dw)
