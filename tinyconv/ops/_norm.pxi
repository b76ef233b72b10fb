# Normalization kernels (included by _im2col.pyx).
#
# Batch, group and instance norm see x as rows: an (A, S, L) array whose coefficients are
# constant along L, per row (a, s).  A coefficient array is (A2, S) with A2 = A (one value per
# row) or A2 = 1 (one per s, shared by every a).  Each kernel is one streaming pass over its
# rows, parallelised over rows: every thread writes only its own rows' outputs.
#
# Row sums use independent partial sums (_row_sum from _pool.pxi, and eight in
# _row_centered_dot) so the adds do not wait on each other; the statistics pass is two-pass
# inside the row (sum, then centered squares), the row still in cache, so variances do not
# suffer from cancellation when |mean| >> std.


cdef inline floating _row_centered_dot(const floating* p, const floating* q, floating m,
                                       Py_ssize_t L) noexcept nogil:
    """sum over the row of (p - m) * q (q = p - m for the sum of squares: pass q = NULL)."""
    cdef floating a0, a1, a2, a3, a4, a5, a6, a7
    cdef floating d0, d1, d2, d3, d4, d5, d6, d7
    cdef Py_ssize_t j = 0
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0
    if q == NULL:
        while j + 8 <= L:
            d0 = p[j] - m
            d1 = p[j + 1] - m
            d2 = p[j + 2] - m
            d3 = p[j + 3] - m
            d4 = p[j + 4] - m
            d5 = p[j + 5] - m
            d6 = p[j + 6] - m
            d7 = p[j + 7] - m
            a0 += d0 * d0
            a1 += d1 * d1
            a2 += d2 * d2
            a3 += d3 * d3
            a4 += d4 * d4
            a5 += d5 * d5
            a6 += d6 * d6
            a7 += d7 * d7
            j += 8
        while j < L:
            d0 = p[j] - m
            a0 += d0 * d0
            j += 1
    else:
        while j + 8 <= L:
            a0 += (p[j] - m) * q[j]
            a1 += (p[j + 1] - m) * q[j + 1]
            a2 += (p[j + 2] - m) * q[j + 2]
            a3 += (p[j + 3] - m) * q[j + 3]
            a4 += (p[j + 4] - m) * q[j + 4]
            a5 += (p[j + 5] - m) * q[j + 5]
            a6 += (p[j + 6] - m) * q[j + 6]
            a7 += (p[j + 7] - m) * q[j + 7]
            j += 8
        while j < L:
            a0 += (p[j] - m) * q[j]
            j += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


def norm_row_stats(const floating[:, :, ::1] x, floating[:, ::1] sums, floating[:, ::1] m2,
                   int nthreads):
    """Per row (a, s) of x (A, S, L): sums[a, s] = sum(x), m2[a, s] = sum((x - mean)^2)."""
    cdef Py_ssize_t A = x.shape[0], S = x.shape[1], L = x.shape[2]
    cdef Py_ssize_t r, a, s
    cdef const floating* p
    cdef floating t
    if A * S == 0:
        return
    with nogil:
        for r in prange(A * S, schedule="static", num_threads=nthreads):
            a = r // S
            s = r % S
            p = &x[a, s, 0]
            t = _row_sum(p, L) if L > 0 else 0
            sums[a, s] = t
            m2[a, s] = _row_centered_dot(p, NULL, t / L, L) if L > 0 else 0


def norm_affine(const floating[:, :, ::1] x, const floating[:, ::1] scale,
                const floating[:, ::1] shift, floating[:, :, ::1] y, int nthreads):
    """y = x * scale + shift, the (A2, S) coefficients broadcast along each row's L."""
    cdef Py_ssize_t A = x.shape[0], S = x.shape[1], L = x.shape[2]
    cdef bint per_row = scale.shape[0] > 1
    cdef Py_ssize_t r, a, s, j, ca
    cdef const floating* p
    cdef floating* o
    cdef floating k, t
    if A * S == 0 or L == 0:
        return
    with nogil:
        for r in prange(A * S, schedule="static", num_threads=nthreads):
            a = r // S
            s = r % S
            ca = a if per_row else 0
            k = scale[ca, s]
            t = shift[ca, s]
            p = &x[a, s, 0]
            o = &y[a, s, 0]
            for j in range(L):
                o[j] = p[j] * k + t


def norm_grad_sums(const floating[:, :, ::1] gy, const floating[:, :, ::1] x,
                   const floating[:, ::1] mean, floating[:, ::1] sgy, floating[:, ::1] sgxc,
                   int nthreads):
    """Per row (a, s): sgy = sum(gy), sgxc = sum(gy * (x - mean)), mean (A2, S) per row."""
    cdef Py_ssize_t A = x.shape[0], S = x.shape[1], L = x.shape[2]
    cdef bint per_row = mean.shape[0] > 1
    cdef Py_ssize_t r, a, s, ca
    if A * S == 0:
        return
    with nogil:
        for r in prange(A * S, schedule="static", num_threads=nthreads):
            a = r // S
            s = r % S
            ca = a if per_row else 0
            sgy[a, s] = _row_sum(&gy[a, s, 0], L) if L > 0 else 0
            sgxc[a, s] = (_row_centered_dot(&x[a, s, 0], &gy[a, s, 0], mean[ca, s], L)
                          if L > 0 else 0)


def norm_grad_affine(const floating[:, :, ::1] gy, const floating[:, :, ::1] x,
                     const floating[:, ::1] k, const floating[:, ::1] d,
                     const floating[:, ::1] c, floating[:, :, ::1] gx, int nthreads):
    """gx = gy * k - x * d + c, the (A2, S) coefficients broadcast along each row's L."""
    cdef Py_ssize_t A = x.shape[0], S = x.shape[1], L = x.shape[2]
    cdef bint per_row = k.shape[0] > 1
    cdef Py_ssize_t r, a, s, j, ca
    cdef const floating* g
    cdef const floating* p
    cdef floating* o
    cdef floating kk, dd, cc
    if A * S == 0 or L == 0:
        return
    with nogil:
        for r in prange(A * S, schedule="static", num_threads=nthreads):
            a = r // S
            s = r % S
            ca = a if per_row else 0
            kk = k[ca, s]
            dd = d[ca, s]
            cc = c[ca, s]
            g = &gy[a, s, 0]
            p = &x[a, s, 0]
            o = &gx[a, s, 0]
            for j in range(L):
                o[j] = g[j] * kk - p[j] * dd + cc
