# Elementwise kernels for the exact GELU and ReLU (included by _im2col.pyx).
#
# GELU needs Phi(x) = (1 + erf(x / sqrt 2)) / 2, and NumPy has no erf.  float64 calls the C
# library's erf / exp (about an ulp).  float32 runs a
# branch-free loop that the compiler vectorises (AVX2 clone where the CPU has it):
#   Phi(-|x|) = erfc(z) / 2 = exp(-z^2) * R(z) / 2,   z = |x| / sqrt(2),
# with R(z) = erfc(z) * exp(z^2), smooth and slowly varying, evaluated as t * P(u):
# t = 1 / (1 + z/2), u = t mapped onto [-1, 1] for z in [0, GA_ZMAX], P a Chebyshev series of
# GA_NCOEF terms (Clenshaw).  The coefficients are interpolated at start-up from math.erfc in
# float64 (_kernels._phi_tail_coefficients, relative error about 1e-8) and passed in; exp is a
# degree-7 Taylor polynomial after reduction by ln 2.  Beyond GA_ZMAX (|x| > 13.3) the tail is 0.
# Every pass is parallelised over disjoint chunks.

from libc.math cimport erf as _c_erf, exp as _c_exp

cdef extern from *:
    """
    #include <string.h>
    #define GA_NCOEF 12
    #define GA_ZMAX 9.4f
    #if defined(__GNUC__) && !defined(__clang__)
    /* without it GCC keeps the selects below as branches and vectorises nothing */
    #pragma GCC push_options
    #pragma GCC optimize ("no-trapping-math")
    #endif
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    #define GA_CLONES __attribute__((target_clones("avx2,fma", "default")))
    #else
    #define GA_CLONES
    #endif

    /* exp(a) for a in [-87, 0] (a is clamped there); ~2 ulp in float32 */
    static inline float ga_exp_neg(float a) {
        a = a < -87.0f ? -87.0f : a;
        float k = (a * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  /* round(a/ln2) */
        float r = (a - k * 0.693115234375f) - k * 3.19461832987e-05f;    /* ln2 = hi + lo */
        float p = 1.0f / 5040.0f;
        p = p * r + 1.0f / 720.0f;
        p = p * r + 1.0f / 120.0f;
        p = p * r + 1.0f / 24.0f;
        p = p * r + 1.0f / 6.0f;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        int bits = ((int)k + 127) << 23;
        float scale;
        memcpy(&scale, &bits, sizeof scale);
        return p * scale;
    }

    /* Phi(-|v|) = erfc(|v|/sqrt 2) / 2 */
    static inline float ga_tail(float v, const float* c, float tmid, float thalf) {
        float z = (v < 0 ? -v : v) * 0.70710678118654752f;
        float zc = z < GA_ZMAX ? z : GA_ZMAX;
        float t = 1.0f / (1.0f + 0.5f * zc);
        float u = (t - tmid) / thalf;
        float u2 = u + u, b1 = 0.0f, b2 = 0.0f;
        #pragma GCC unroll 16
        for (int j = GA_NCOEF - 1; j >= 1; j--) {
            float b0 = c[j] + u2 * b1 - b2;
            b2 = b1;
            b1 = b0;
        }
        float r = t * (c[0] + u * b1 - b2);
        float q = 0.5f * ga_exp_neg(-zc * zc) * r;
        return z < GA_ZMAX ? q : 0.0f;
    }

    GA_CLONES static void ga_gelu_f32(const float* x, float* y, float* cdf, Py_ssize_t n,
                                      const float* c, float tmid, float thalf) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float v = x[i];
            float q = ga_tail(v, c, tmid, thalf);
            float p = v > 0 ? 1.0f - q : q;
            cdf[i] = p;
            y[i] = v * p;
        }
    }

    GA_CLONES static void ga_gelu_grad_f32(const float* x, const float* cdf, const float* gy,
                                           float* gx, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float v = x[i];
            float pdf = 0.398942280401432678f * ga_exp_neg(-0.5f * v * v);
            gx[i] = gy[i] * (cdf[i] + v * pdf);
        }
    }
    /* ReLU (slope 0): gx = 0 where y <= 0 (even for a nan gy), else gy, so a nan y passes
       gy, as torch's threshold_backward; LeakyReLU: gx = gy where y > 0, else slope * gy (a
       nan y takes slope * gy, as torch's).  Selects, which the compiler vectorises
       (np.where is ~10x slower on a random mask) */
    #define GA_THRESHOLD_BWD(NAME, T)                                                        \
    GA_CLONES static void NAME(const T* y, const T* gy, T* gx, Py_ssize_t n, T slope) {     \
        if (slope == 0) {                                                                   \
            for (Py_ssize_t i = 0; i < n; i++) gx[i] = y[i] <= 0 ? (T)0 : gy[i];            \
        } else {                                                                            \
            for (Py_ssize_t i = 0; i < n; i++) gx[i] = y[i] > 0 ? gy[i] : gy[i] * slope;    \
        }                                                                                   \
    }
    GA_THRESHOLD_BWD(ga_threshold_bwd_f32, float)
    GA_THRESHOLD_BWD(ga_threshold_bwd_f64, double)
    /* y = max(x, 0), nan kept (as torch's relu): a select; np.maximum's nan-aware loop runs
       at a quarter of np.add's speed */
    #define GA_RELU(NAME, T)                                                                 \
    GA_CLONES static void NAME(const T* x, T* y, Py_ssize_t n) {                            \
        for (Py_ssize_t i = 0; i < n; i++) y[i] = x[i] <= 0 ? (T)0 : x[i];                  \
    }
    GA_RELU(ga_relu_f32, float)
    GA_RELU(ga_relu_f64, double)
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC pop_options
    #endif
    """
    int GA_NCOEF
    float GA_ZMAX
    void ga_gelu_f32(const float* x, float* y, float* cdf, Py_ssize_t n, const float* c,
                     float tmid, float thalf) noexcept nogil
    void ga_gelu_grad_f32(const float* x, const float* cdf, const float* gy, float* gx,
                          Py_ssize_t n) noexcept nogil
    void ga_threshold_bwd_f32(const float* y, const float* gy, float* gx, Py_ssize_t n,
                              float slope) noexcept nogil
    void ga_threshold_bwd_f64(const double* y, const double* gy, double* gx, Py_ssize_t n,
                              double slope) noexcept nogil
    void ga_relu_f32(const float* x, float* y, Py_ssize_t n) noexcept nogil
    void ga_relu_f64(const double* x, double* y, Py_ssize_t n) noexcept nogil

cdef double _SQRT1_2 = 0.70710678118654752440
cdef double _INV_SQRT_2PI = 0.39894228040143267794
cdef Py_ssize_t _GA_CHUNK = 8192


def phi_tail_shape():
    """(number of Chebyshev coefficients, zmax) the float32 kernels are built for."""
    return GA_NCOEF, GA_ZMAX


def gelu_forward(const floating[::1] x, floating[::1] y, floating[::1] cdf,
                 const float[::1] coef, float tmid, float thalf, int nthreads):
    """cdf = Phi(x) = (1 + erf(x / sqrt(2))) / 2 and y = x * cdf, elementwise."""
    cdef Py_ssize_t i, n = x.shape[0], nch = (n + _GA_CHUNK - 1) // _GA_CHUNK, lo
    cdef double c
    with nogil:
        if floating is float:
            for i in prange(nch, schedule="static", num_threads=nthreads):
                lo = i * _GA_CHUNK
                ga_gelu_f32(&x[lo], &y[lo], &cdf[lo], min(_GA_CHUNK, n - lo), &coef[0], tmid,
                            thalf)
        else:
            for i in prange(n, schedule="static", num_threads=nthreads):
                c = 0.5 * (1 + _c_erf(x[i] * _SQRT1_2))
                cdf[i] = c
                y[i] = x[i] * c


def gelu_backward(const floating[::1] x, const floating[::1] cdf, const floating[::1] gy,
                  floating[::1] gx, int nthreads):
    """gx = gy * (Phi(x) + x * phi(x)), phi the standard normal density."""
    cdef Py_ssize_t i, n = x.shape[0], nch = (n + _GA_CHUNK - 1) // _GA_CHUNK, lo
    cdef double v
    with nogil:
        if floating is float:
            for i in prange(nch, schedule="static", num_threads=nthreads):
                lo = i * _GA_CHUNK
                ga_gelu_grad_f32(&x[lo], &cdf[lo], &gy[lo], &gx[lo], min(_GA_CHUNK, n - lo))
        else:
            for i in prange(n, schedule="static", num_threads=nthreads):
                v = x[i]
                gx[i] = gy[i] * (cdf[i] + v * _INV_SQRT_2PI * _c_exp(-0.5 * v * v))


def threshold_backward(const floating[::1] y, const floating[::1] gy, floating[::1] gx,
                       double slope, int nthreads):
    """ReLU (slope 0): gx = 0 where y <= 0 (whatever gy holds), else gy; LeakyReLU:
    gx = gy where y > 0, else slope * gy (torch's treatment of a nan y in each)."""
    cdef Py_ssize_t i, n = y.shape[0], nch = (n + _GA_CHUNK - 1) // _GA_CHUNK, lo
    with nogil:
        for i in prange(nch, schedule="static", num_threads=nthreads):
            lo = i * _GA_CHUNK
            if floating is float:
                ga_threshold_bwd_f32(&y[lo], &gy[lo], &gx[lo], min(_GA_CHUNK, n - lo),
                                     <float>slope)
            else:
                ga_threshold_bwd_f64(&y[lo], &gy[lo], &gx[lo], min(_GA_CHUNK, n - lo), slope)


def relu_forward(const floating[::1] x, floating[::1] y, int nthreads):
    """y = max(x, 0), nan where x is nan."""
    cdef Py_ssize_t i, n = x.shape[0], nch = (n + _GA_CHUNK - 1) // _GA_CHUNK, lo
    with nogil:
        for i in prange(nch, schedule="static", num_threads=nthreads):
            lo = i * _GA_CHUNK
            if floating is float:
                ga_relu_f32(&x[lo], &y[lo], min(_GA_CHUNK, n - lo))
            else:
                ga_relu_f64(&x[lo], &y[lo], min(_GA_CHUNK, n - lo))
