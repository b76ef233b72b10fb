# Elementwise kernels for the exact GELU (included by _im2col.pyx).
#
# NumPy has no erf; these call the C library's erf / erff (correctly rounded to about an ulp)
# on flat arrays, parallelised over disjoint chunks.  GELU's forward keeps Phi(x) for the
# backward, which then needs only one exp per element.

from libc.math cimport erf as _c_erf, erff as _c_erff, exp as _c_exp, expf as _c_expf

cdef double _SQRT1_2 = 0.70710678118654752440
cdef double _INV_SQRT_2PI = 0.39894228040143267794


def erf_flat(const floating[::1] x, floating[::1] y, int nthreads):
    """y = erf(x), elementwise, in x's precision."""
    cdef Py_ssize_t i, n = x.shape[0]
    with nogil:
        for i in prange(n, schedule="static", num_threads=nthreads):
            if floating is float:
                y[i] = _c_erff(x[i])
            else:
                y[i] = _c_erf(x[i])


def gelu_forward(const floating[::1] x, floating[::1] y, floating[::1] cdf, int nthreads):
    """cdf = Phi(x) = (1 + erf(x / sqrt(2))) / 2 and y = x * cdf, elementwise."""
    cdef Py_ssize_t i, n = x.shape[0]
    cdef floating c, s = <floating>_SQRT1_2
    with nogil:
        for i in prange(n, schedule="static", num_threads=nthreads):
            if floating is float:
                c = 0.5 * (1 + _c_erff(x[i] * s))
            else:
                c = 0.5 * (1 + _c_erf(x[i] * s))
            cdf[i] = c
            y[i] = x[i] * c


def gelu_backward(const floating[::1] x, const floating[::1] cdf, const floating[::1] gy,
                  floating[::1] gx, int nthreads):
    """gx = gy * (Phi(x) + x * phi(x)), phi the standard normal density."""
    cdef Py_ssize_t i, n = x.shape[0]
    cdef floating v, k = <floating>_INV_SQRT_2PI
    with nogil:
        for i in prange(n, schedule="static", num_threads=nthreads):
            v = x[i]
            if floating is float:
                gx[i] = gy[i] * (cdf[i] + v * k * _c_expf(-0.5 * v * v))
            else:
                gx[i] = gy[i] * (cdf[i] + v * k * _c_exp(-0.5 * v * v))
