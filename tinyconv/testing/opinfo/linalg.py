"""Registry entries: tinyconv.linalg's inverses, determinants, solves and decompositions (inv,
det, slogdet, solve, cholesky, qr, eigh, eigvalsh, svd, svdvals) and the top-level inverse,
det, slogdet, logdet.

Inputs are well conditioned (a shifted identity plus noise, symmetric matrices with separated
eigenvalues, matrices with separated singular values).  Eigenvectors, singular vectors and Q
are defined up to the sign of each vector, which LAPACK builds may choose differently: their
samples compare sign-fixed vectors (each column multiplied by the sign of an entry, a constant),
which gives the same gradients.  Functions that read one triangle of a symmetric matrix
(cholesky, eigh) have torch's symmetric gradient, which finite differences of the raw call do
not see: their gradchecked samples build the symmetric input inside the call.
"""
import numpy as np

from .core import BadArg, OpInfo, Sample, custom

# float32 through a factorization: a few ulps times the condition number, and eigenvector
# gradients divide by eigenvalue gaps
TOL = {"float32": 2e-4}


def well_conditioned(*shape):
    """Square matrices near 2.5 I (condition numbers of a few units)."""
    def make(rng, dtype):
        n = shape[-1]
        return (rng.standard_normal(shape) * 0.5 + 2.5 * np.eye(n)).astype(dtype)
    return custom(make, shape)


def spd(*shape):
    """Symmetric positive-definite matrices, X X^T / n + I."""
    def make(rng, dtype):
        n = shape[-1]
        X = rng.standard_normal(shape)
        return (X @ np.swapaxes(X, -1, -2) / n + np.eye(n)).astype(dtype)
    return custom(make, shape)


def _orthogonal(rng, batch, n, k):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    return q * np.sign(np.diagonal(r, 0, -2, -1))[..., None, :]


def symmetric(*shape):
    """Symmetric matrices with eigenvalues at least 0.6 apart (n <= 6)."""
    def make(rng, dtype):
        n, batch = shape[-1], shape[:-2]
        w = np.linspace(-2.0, 2.0, n) + rng.uniform(-0.1, 0.1, batch + (n,))
        Q = _orthogonal(rng, batch, n, n)
        A = Q @ (w[..., :, None] * np.swapaxes(Q, -1, -2))
        return ((A + np.swapaxes(A, -1, -2)) / 2).astype(dtype)
    return custom(make, shape)


def separated(*shape):
    """Matrices with singular values 3.2, 2.4, 1.6, ... (about 0.8 apart)."""
    def make(rng, dtype):
        m, n, batch = shape[-2], shape[-1], shape[:-2]
        k = min(m, n)
        s = 3.2 - 0.8 * np.arange(k) * 4 / max(k, 4) + rng.uniform(-0.05, 0.05, batch + (k,))
        U, V = _orthogonal(rng, batch, m, k), _orthogonal(rng, batch, n, k)
        return (U * s[..., None, :]) @ np.swapaxes(V, -1, -2)
    return custom(lambda rng, dtype: make(rng, dtype).astype(dtype), shape)


def _A(maker, name="A", diff=True):
    return (name, maker, diff)


# ----------------------------------------------------------------------------- gauge fixing
def _signs(M, V):
    """The sign of each column's first entry, shaped (..., 1, k): a constant."""
    return M.sign(V[..., :1, :]).detach()


def _fixed_eigh(M, res):
    w, V = res
    return w, V * _signs(M, V)


def _fixed_svd(M, res, full=False):
    U, S, Vh = res
    k = S.shape[-1]
    Uk, Vhk = U[..., :, :k], Vh[..., :k, :]
    s = _signs(M, Uk)
    out = [Uk * s, S, Vhk * s.transpose(-2, -1)]
    if full:  # the extra columns: only the subspace they span is defined
        Ue, Ve = U[..., :, k:], Vh[..., k:, :]
        out += [Ue @ Ue.transpose(-2, -1), Ve.transpose(-2, -1) @ Ve]
    return out


def _fixed_qr(M, res):
    Q, R = res
    k = min(R.shape[-2], R.shape[-1])
    d = M.sign(M.diagonal(R, 0, -2, -1)).detach()  # (..., k)
    Qk = Q[..., :, :k] * d.unsqueeze(-2)
    Rk = R[..., :k, :] * d.unsqueeze(-1)
    if Q.shape[-1] > k:  # complete mode with m > n
        Qe = Q[..., :, k:]
        return Qk, Rk, Qe @ Qe.transpose(-2, -1)
    return Qk, Rk


def _sym(t):
    return t + t.transpose(-2, -1)


def _gram(t):
    return t @ t.transpose(-2, -1)


# ----------------------------------------------------------------------------- samples
def _plain(name, makers, method=None):
    """Samples calling ``M.<name>(A)`` on each maker, and a method form on the first."""
    def samples():
        for mk in makers:
            yield Sample([_A(mk)], fn=lambda M, F, A: _resolve(M, name)(A),
                         label=f"A{mk.shape}")
        if method:
            yield Sample([_A(makers[0])], label="method form",
                         fn=lambda M, F, A: getattr(A, method)())
    return samples


def _resolve(M, name):
    for part in name.split("."):
        M = getattr(M, part)
    return M


def _singular_samples(name):
    def make(rng, dtype):
        A = rng.standard_normal((3, 3))
        A[1] = 0.0  # a zero row: every LU finds an exact zero pivot, det is exactly 0
        return A.astype(dtype)

    def samples():
        yield from _plain(name, [well_conditioned(3, 3), well_conditioned(2, 4, 4),
                                 well_conditioned(1, 1)],
                          method=name if "." not in name else None)()
        # torch 2.13's first-order gradient there is zero (its LU path; with create_graph it
        # takes the SVD path and agrees with ours): gradcheck judges ours
        yield Sample([_A(custom(make, (3, 3)))], label="singular: the adjugate (torch: zero)",
                     grad=False, gradcheck=True, fn=lambda M, F, A: _resolve(M, name)(A))
    return samples


def _slogdet_samples(name):
    def negative(rng, dtype):
        A = rng.standard_normal((3, 3)) * 0.5 + 2.5 * np.eye(3)
        return A[[1, 0, 2]].astype(dtype)  # a row swap: negative determinant

    def samples():
        for mk in (well_conditioned(3, 3), well_conditioned(2, 3, 3),
                   custom(negative, (3, 3))):
            yield Sample([_A(mk)], label=f"A{mk.shape}{' det<0' if mk.fn is negative else ''}",
                         fn=lambda M, F, A: tuple(_resolve(M, name)(A)))
        yield Sample([_A(well_conditioned(3, 3))], label="named fields",
                     fn=lambda M, F, A: (_resolve(M, name)(A).logabsdet,
                                         _resolve(M, name)(A).sign))
    return samples


def _logdet_samples():
    yield Sample([_A(spd(3, 3))], label="spd", fn=lambda M, F, A: M.logdet(A))
    yield Sample([_A(spd(2, 3, 3))], label="batched spd", fn=lambda M, F, A: M.logdet(A))
    yield Sample([_A(spd(3, 3))], label="method form", fn=lambda M, F, A: A.logdet())


def _solve_samples():
    cases = [((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (2, 3), True),
             ((3, 3), (2, 3, 4), True), ((2, 3, 3), (3, 1), True), ((4, 4), (2, 4), False),
             ((2, 3, 3), (2, 2, 3), False)]
    for a_shape, b_shape, left in cases:
        yield Sample([_A(well_conditioned(*a_shape)), ("B", custom(
            lambda rng, dt, s=b_shape: rng.standard_normal(s).astype(dt), b_shape), True)],
            label=f"A{a_shape} B{b_shape} left={left}",
            fn=lambda M, F, A, B, lf=left: M.linalg.solve(A, B, left=lf))


def _cholesky_samples():
    for shape, upper in [((3, 3), False), ((2, 4, 4), False), ((3, 3), True), ((1, 1), False)]:
        yield Sample([_A(spd(*shape))], label=f"A{shape} upper={upper}", gradcheck=False,
                     fn=lambda M, F, A, u=upper: M.linalg.cholesky(A, upper=u))
    for upper in (False, True):
        yield Sample([_A(well_conditioned(3, 3))], label=f"of A A^T upper={upper}",
                     gradcheck=True,
                     fn=lambda M, F, A, u=upper: M.linalg.cholesky(_gram(A), upper=u))


def _qr_samples():
    for shape in [(4, 3), (3, 3), (3, 5), (2, 4, 3), (2, 2, 4)]:
        yield Sample([_A(separated(*shape))], label=f"A{shape} reduced",
                     fn=lambda M, F, A: _fixed_qr(M, M.linalg.qr(A)))
    yield Sample([_A(separated(3, 5))], label="A(3, 5) complete",
                 fn=lambda M, F, A: _fixed_qr(M, M.linalg.qr(A, mode="complete")))
    # not differentiable (the bad-argument cases below backpropagate through them)
    yield Sample([_A(separated(4, 2), diff=False)], label="A(4, 2) complete",
                 fn=lambda M, F, A: _fixed_qr(M, M.linalg.qr(A, mode="complete")))
    yield Sample([_A(separated(4, 3), diff=False)], label="mode r",
                 fn=lambda M, F, A: (lambda r: (r.R.abs(), r.Q))(M.linalg.qr(A, mode="r")))
    yield Sample([_A(separated(4, 3))], label="only R used",
                 fn=lambda M, F, A: M.linalg.qr(A).R.abs().sum())


def _eigh_samples(name):
    def call(M, A, **kw):
        res = _resolve(M, name)(A, **kw)
        return res if name.endswith("eigvalsh") else _fixed_eigh(M, res)

    def samples():
        for shape, uplo in [((3, 3), "L"), ((2, 4, 4), "L"), ((3, 3), "U")]:
            yield Sample([_A(symmetric(*shape))], label=f"A{shape} UPLO={uplo}",
                         gradcheck=False, fn=lambda M, F, A, u=uplo: call(M, A, UPLO=u))
        yield Sample([_A(symmetric(3, 3))], label="of A + A^T", gradcheck=True,
                     fn=lambda M, F, A: call(M, _sym(A) * 0.5))
        yield Sample([_A(symmetric(2, 2))], label="upper of A + A^T", gradcheck=True,
                     fn=lambda M, F, A: call(M, _sym(A) * 0.5, UPLO="U"))
    return samples


def _svd_samples():
    for shape in [(4, 3), (3, 4), (3, 3), (2, 4, 3)]:
        yield Sample([_A(separated(*shape))], label=f"A{shape} reduced",
                     fn=lambda M, F, A: _fixed_svd(M, M.linalg.svd(A, full_matrices=False)))
    for shape in [(4, 2), (2, 4), (3, 3)]:
        yield Sample([_A(separated(*shape))], label=f"A{shape} full_matrices",
                     fn=lambda M, F, A: _fixed_svd(M, M.linalg.svd(A), full=True))
    yield Sample([_A(separated(4, 3))], label="U only",
                 fn=lambda M, F, A: _fixed_svd(M, M.linalg.svd(A, False))[0])
    yield Sample([_A(separated(3, 4))], label="Vh only",
                 fn=lambda M, F, A: _fixed_svd(M, M.linalg.svd(A, False))[2])
    yield Sample([_A(separated(4, 3))], label="S only", fn=lambda M, F, A: M.linalg.svd(A).S)


def _svdvals_samples():
    for shape in [(4, 3), (3, 5), (2, 3, 3)]:
        yield Sample([_A(separated(*shape))], label=f"A{shape}",
                     fn=lambda M, F, A: M.linalg.svdvals(A))
    yield Sample([("A", custom(lambda rng, dt: np.eye(3, dtype=dt) * 2.0, (3, 3)), True)],
                 label="repeated singular values", gradcheck=False,
                 fn=lambda M, F, A: M.linalg.svdvals(A))


def _m(M, *shape):
    return M.randn(*shape)


def _square_bad(name, call):
    return [BadArg("not square", lambda M, F: call(M)(_m(M, 2, 3)), RuntimeError,
                   "square matrices", names_op=False),
            BadArg("1-D", lambda M, F: call(M)(_m(M, 3)), RuntimeError, "at least 2 dim",
                   names_op=False),
            BadArg("int64", lambda M, F: call(M)(M.ones(2, 2, dtype=M.int64)), RuntimeError,
                   "floating point", names_op=False)]


def _entry(name, samples, bad_args=(), **kw):
    return OpInfo(name, samples, "linalg", bad_args=bad_args, tol=TOL, **kw)


OPS = [
    _entry("linalg.inv", _plain("linalg.inv", [well_conditioned(3, 3),
                                               well_conditioned(2, 4, 4),
                                               well_conditioned(2, 1, 1)]),
           _square_bad("linalg.inv", lambda M: M.linalg.inv) + [
               BadArg("singular", lambda M, F: M.linalg.inv(M.zeros(3, 3)), RuntimeError,
                      "singular", torch="raises")]),
    _entry("inverse", _plain("inverse", [well_conditioned(3, 3)], method="inverse"),
           [BadArg("not square", lambda M, F: M.inverse(_m(M, 2, 3)), RuntimeError, "square",
                   names_op=False)]),
    _entry("linalg.det", _singular_samples("linalg.det"),
           _square_bad("linalg.det", lambda M: M.linalg.det)),
    _entry("det", _singular_samples("det"),
           [BadArg("not square", lambda M, F: M.det(_m(M, 2, 3)), RuntimeError, "square")]),
    _entry("linalg.slogdet", _slogdet_samples("linalg.slogdet"),
           _square_bad("linalg.slogdet", lambda M: M.linalg.slogdet)),
    _entry("slogdet", _slogdet_samples("slogdet"),
           [BadArg("not square", lambda M, F: M.slogdet(_m(M, 2, 3)), RuntimeError, "square")]),
    _entry("logdet", _logdet_samples,
           [BadArg("not square", lambda M, F: M.logdet(_m(M, 2, 3)), RuntimeError, "square")]),
    _entry("linalg.solve", _solve_samples, [
        BadArg("shapes", lambda M, F: M.linalg.solve(_m(M, 3, 3), _m(M, 4, 1)), RuntimeError,
               "Incompatible shapes"),
        BadArg("shapes left=False", lambda M, F: M.linalg.solve(_m(M, 3, 3), _m(M, 2, 4),
                                                                left=False),
               RuntimeError, "XA = B"),
        BadArg("vector with left=False", lambda M, F: M.linalg.solve(
            _m(M, 3, 3), _m(M, 3), left=False), RuntimeError, r"3x3 and 3x1"),
        BadArg("1x1 vector with left=False", lambda M, F: M.linalg.solve(
            _m(M, 1, 1), _m(M, 1), left=False), RuntimeError, "Vector broadcasting"),
        BadArg("dtypes", lambda M, F: M.linalg.solve(_m(M, 3, 3), M.ones(3, dtype=M.float64)),
               RuntimeError, "same dtype"),
        BadArg("singular", lambda M, F: M.linalg.solve(M.zeros(3, 3), _m(M, 3)), RuntimeError,
               "singular", torch="raises")]),
    _entry("linalg.cholesky", _cholesky_samples,
           _square_bad("linalg.cholesky", lambda M: M.linalg.cholesky) + [
               BadArg("not positive-definite",
                      lambda M, F: M.linalg.cholesky(M.tensor([[1.0, 2.0], [2.0, 1.0]])),
                      RuntimeError, "leading minor of order 2", torch="raises"),
               BadArg("batch element", lambda M, F: M.linalg.cholesky(
                   M.stack([M.eye(2), -M.eye(2)])), RuntimeError, r"Batch element 1",
                   torch="raises")]),
    _entry("linalg.qr", _qr_samples, [
        BadArg("mode", lambda M, F: M.linalg.qr(_m(M, 3, 3), mode="x"), RuntimeError,
               "unrecognized mode", names_op=False),
        BadArg("1-D", lambda M, F: M.linalg.qr(_m(M, 3)), RuntimeError, "at least 2 dim"),
        BadArg("backward of mode r", lambda M, F: M.linalg.qr(
            _m(M, 4, 3).requires_grad_(), mode="r").R.sum().backward(), RuntimeError,
            "depends on Q"),
        BadArg("backward of complete with m > n", lambda M, F: M.linalg.qr(
            _m(M, 4, 3).requires_grad_(), mode="complete").R.sum().backward(), RuntimeError,
            "not differentiable", names_op=False)]),
    _entry("linalg.eigh", _eigh_samples("linalg.eigh"),
           _square_bad("linalg.eigh", lambda M: M.linalg.eigh) + [
               BadArg("UPLO", lambda M, F: M.linalg.eigh(_m(M, 3, 3), UPLO="X"), RuntimeError,
                      "UPLO", names_op=False)]),
    _entry("linalg.eigvalsh", _eigh_samples("linalg.eigvalsh"),
           _square_bad("linalg.eigvalsh", lambda M: M.linalg.eigvalsh)),
    _entry("linalg.svd", _svd_samples, [
        BadArg("driver", lambda M, F: M.linalg.svd(_m(M, 3, 3), driver="gesvd"), RuntimeError,
               "driver"),
        BadArg("1-D", lambda M, F: M.linalg.svd(_m(M, 3)), RuntimeError, "at least 2 dim"),
        BadArg("int64", lambda M, F: M.linalg.svd(M.ones(2, 2, dtype=M.int64)), RuntimeError,
               "floating point")]),
    _entry("linalg.svdvals", _svdvals_samples, [
        BadArg("1-D", lambda M, F: M.linalg.svdvals(_m(M, 3)), RuntimeError,
               "at least 2 dim")]),
]
