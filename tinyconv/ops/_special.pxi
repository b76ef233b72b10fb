# Special functions NumPy lacks (included by _im2col.pyx): erf, erfc and erfinv, elementwise.
#
# erf/erfc call the C library (erff/erfcf in float32, erf/erfc in float64: about an ulp).
# erfinv has no libm function: a starting value from M. Giles' single-precision approximation
# ("Approximating the erfinv function", GPU Computing Gems, 2011) is refined by Halley steps on
# erf(x) = y in double precision, written for |y| >= 1/2 as erfc(x) = 1 - |y| (1 - |y| is exact
# there, so the tail keeps its relative accuracy, and in logarithms, log erfc(x) = log(1 - |y|),
# nearly linear in x where the starting value is poor); one or two steps reach float64
# rounding, one float32's.
# erfinv(+-1) = +-inf and |y| > 1 or NaN gives NaN.  Every pass is parallelised over elements.

from libc.math cimport erf as _erf64, erfc as _erfc64, exp as _exp64, log as _log, \
    sqrt as _sqrt, fabs as _fabs, isnan as _isnan, INFINITY as _INF, NAN as _NAN

cdef extern from "math.h" nogil:
    float erff(float)
    float erfcf(float)

cdef double _TWO_OVER_SQRT_PI = 1.12837916709551257390


cdef inline double _erfinv(double y, double tol) noexcept nogil:
    """erfinv(y), refined until a step is below ``tol`` relative (Halley steps converge
    cubically: 1e-6 leaves float64 rounding, 1e-3 float32's)."""
    cdef double a = _fabs(y), w, p, x, e, d, h, g, step
    cdef int k
    if _isnan(y) or a > 1.0:
        return _NAN
    if a == 1.0:
        return _INF if y > 0 else -_INF
    w = -_log((1.0 - a) * (1.0 + a))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = _sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * a
    for k in range(12):
        d = _TWO_OVER_SQRT_PI * _exp64(-x * x)  # erf'(x)
        if d == 0:
            break
        if a < 0.5:
            # Halley on f(x) = erf(x) - a: f'' = -2 x f'
            g = (_erf64(x) - a) / d
            step = g / (1.0 + x * g)
        else:
            # Halley on g(x) = log erfc(x) - log(1 - a): g' = -h, g'' = h (2x - h), h = d/erfc
            e = _erfc64(x)
            h = d / e
            g = _log(e) - _log(1.0 - a)
            step = -g / (h - g * (x - 0.5 * h))
        x = x - step
        if _fabs(step) <= tol * _fabs(x):
            break
    return x if y >= 0 else -x


def special_unary(const floating[::1] x, floating[::1] y, int which, int nthreads):
    """y = erf(x) (which 0), erfc(x) (1) or erfinv(x) (2), elementwise."""
    cdef Py_ssize_t i, n = x.shape[0]
    with nogil:
        if which == 0:
            for i in prange(n, schedule="static", num_threads=nthreads):
                if floating is float:
                    y[i] = erff(x[i])
                else:
                    y[i] = _erf64(x[i])
        elif which == 1:
            for i in prange(n, schedule="static", num_threads=nthreads):
                if floating is float:
                    y[i] = erfcf(x[i])
                else:
                    y[i] = _erfc64(x[i])
        else:
            for i in prange(n, schedule="static", num_threads=nthreads):
                if floating is float:
                    y[i] = <float>_erfinv(x[i], 1e-3)
                else:
                    y[i] = _erfinv(x[i], 1e-6)
