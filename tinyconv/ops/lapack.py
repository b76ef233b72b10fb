"""Inverses, determinants, solves and the matrix decompositions (LAPACK through numpy.linalg).

Legend: a (..., m, n) a batch of matrices (square, n x n, where the op needs it); b (..., n, k)
right-hand sides; x the solution; L the Cholesky factor; Q, R the QR factors; w, V the
eigenvalues (ascending) and eigenvectors of a symmetric matrix; U, S, Vh the SVD; ``g*`` the
gradient of the output ``*``.  The backward rules are torch's (``FunctionsManual.cpp``), written
with ops on the saved outputs, so they differentiate again.  Gauge-dependent outputs
(eigenvectors, singular vectors, Q) have torch's well-defined gradients for losses that do not
depend on the sign of each vector; their signs follow LAPACK's, as torch's do.

The ops do not validate: ``tinyconv._functions.linalg`` checks shapes and dtypes first and turns
numpy's ``LinAlgError`` (a singular matrix, a matrix that is not positive-definite) into
torch's message.
"""
import numpy as np

from .._engine import Op
from .elementwise import Add, Div, Mul, Neg, Sub, const
from .index import DiagonalScatter, Tril
from .linalg import MatMul, _swap
from .reduce import _others_product
from .shape import Cat, GetItem, Reshape

__all__ = ["Inv", "Det", "Slogdet", "Solve", "Cholesky", "Qr", "Eigh", "Svd"]


def _mm(*ts):
    """The matrix product of two or more tensors, left to right."""
    y = ts[0]
    for t in ts[1:]:
        y = MatMul.apply(y, t)
    return y


def _row(v):
    """(..., k) -> (..., 1, k): a vector that scales the columns of a matrix."""
    return Reshape.apply(v, shape=v._data.shape[:-1] + (1,) + v._data.shape[-1:])


def _col(v):
    """(..., k) -> (..., k, 1): a vector that scales the rows of a matrix."""
    return Reshape.apply(v, shape=v._data.shape + (1,))


def _diag_embed(v):
    """(..., k) -> (..., k, k) with v on the diagonal."""
    k = v._data.shape[-1]
    return DiagonalScatter.apply(v, shape=v._data.shape + (k,), offset=0, dim1=-2, dim2=-1)


def _eye_like(t):
    """The identity with t's trailing (k, k) shape, as a constant."""
    return const(t, np.eye(t._data.shape[-1], dtype=t._data.dtype))


def _scale(g, s):
    """g[..., None, None] * s: a per-matrix scalar gradient times a matrix."""
    return Mul.apply(_col(_col(g)), s)


def _cols(t, stop):
    """t[..., :, :stop]."""
    return GetItem.apply(t, index=(Ellipsis, slice(None), slice(0, stop)))


def _rows(t, stop):
    """t[..., :stop, :]."""
    return GetItem.apply(t, index=(Ellipsis, slice(0, stop), slice(None)))


def _solve_right_t(x, r):
    """x r^{-T} for a square r: the transpose of r \\ x^T."""
    return _swap(Solve.apply(r, _swap(x)))


class Inv(Op):
    """y = a^{-1}; ga = -y^T gy y^T."""

    category = "linalg"
    node_name = "LinalgInvExBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, a):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            if np.isfinite(a).all():
                raise
            # LAPACK reports NaN as a zero pivot; torch's inverse of such a matrix is NaN
            bad = ~np.isfinite(a).all(axis=(-2, -1))
            y = np.linalg.inv(np.where(bad[..., None, None], np.eye(a.shape[-1], dtype=a.dtype),
                                       a))
            y[bad] = np.nan
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        yt = _swap(y)
        return Neg.apply(_mm(yt, gy, yt))


class Det(Op):
    """d = det(a); ga = gd * d * a^{-T}, and where a matrix is singular torch's SVD form
    gd * det(U Vh) * U diag(prod_{j != i} s_j) Vh (the adjugate, which needs no inverse)."""

    category = "linalg"
    node_name = "LinalgDetBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, a):
        d = np.asarray(np.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, gd):
        a, d = ctx.saved_tensors
        if a._data.shape[-1] == 0:
            return None
        if np.all(d._data != 0):
            try:
                return _scale(Mul.apply(gd, d), _swap(Inv.apply(a)))
            except np.linalg.LinAlgError:  # det underflowed to nonzero but a is singular
                pass
        U, S, Vh = Svd.apply(a, full_matrices=False)
        sign = const(d, np.linalg.det(U._data) * np.linalg.det(Vh._data))
        others = _others_product(S, (S._data.ndim - 1,))  # prod_{j != i} s_j
        return _scale(Mul.apply(gd, sign), _mm(Mul.apply(U, _row(others)), Vh))


class Slogdet(Op):
    """(sign, logabsdet) of det(a); the sign has a zero gradient, g_logabsdet * a^{-T} the
    other."""

    category = "linalg"
    node_name = "LinalgSlogdetBackward0"  # torch's name for this node
    n_differentiable = 2
    tensor_backward = True

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(a)
        return np.asarray(sign, dtype=a.dtype), np.asarray(logabs, dtype=a.dtype)

    @staticmethod
    def backward(ctx, gsign, glogabs):
        (a,) = ctx.saved_tensors
        if glogabs is None or a._data.shape[-1] == 0:
            return None
        return _scale(glogabs, _swap(Inv.apply(a)))


class Solve(Op):
    """x = a^{-1} b for b (..., n, k), batch dimensions broadcast; gb = a^{-T} gx,
    ga = -gb x^T (the engine sums the broadcast dimensions back)."""

    category = "linalg"
    node_name = "LinalgSolveExBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, b):
        x = np.linalg.solve(a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        a, x = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        gb = Solve.apply(_swap(a), gx)
        ga = Neg.apply(MatMul.apply(gb, _swap(x))) if na else None
        return ga, (gb if nb else None)


class Cholesky(Op):
    """L = cholesky(a), lower, reading a's lower triangle; torch's symmetric gradient
    ga = L^{-T} phi(L^T gL) L^{-1}, phi(P) = (tril(P) + tril(P, -1)^T) / 2."""

    category = "linalg"
    node_name = "LinalgCholeskyExBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, a):
        L = np.linalg.cholesky(a)
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, gL):
        (L,) = ctx.saved_tensors
        P = Tril.apply(MatMul.apply(_swap(L), gL), k=0, upper=False)
        phi = Mul.apply(Add.apply(P, _swap(Tril.apply(P, k=-1, upper=False))), const(P, 0.5))
        Linv = Inv.apply(L)
        return _mm(_swap(Linv), phi, Linv)


def _qr_square_backward(gQ, gR, Q, R):
    """ga for a = QR with Q (..., m, n) orthonormal columns and R (..., n, n), m >= n:
    (gQ + Q copyltu(N)) R^{-T}, N = gR R^T - Q^T gQ, copyltu(N) = triu(N) + triu(N, 1)^T."""
    N = None
    if gR is not None:
        N = MatMul.apply(gR, _swap(R))
    if gQ is not None:
        qg = MatMul.apply(_swap(Q), gQ)
        N = Neg.apply(qg) if N is None else Sub.apply(N, qg)
    G = Add.apply(Tril.apply(N, k=0, upper=True), _swap(Tril.apply(N, k=1, upper=True)))
    top = MatMul.apply(Q, G)
    if gQ is not None:
        top = Add.apply(gQ, top)
    return _solve_right_t(top, R)


class Qr(Op):
    """Q, R = qr(a) in ``mode`` 'reduced', 'complete' or 'r' (Q then empty).  Differentiable as
    in torch: not in mode 'r', nor in mode 'complete' with more rows than columns."""

    category = "linalg"
    node_name = "LinalgQrBackward0"  # torch's name for this node
    n_differentiable = 2
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, mode):
        ctx.mode, ctx.shape = mode, a.shape
        ctx.set_materialize_grads(False)
        if mode == "r":
            R = np.linalg.qr(a, mode="r")
            return np.zeros((0,), dtype=a.dtype), R
        Q, R = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        m, n = ctx.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        Q, R = ctx.saved_tensors
        if gQ is None and gR is None:
            return None
        if m >= n:
            return _qr_square_backward(gQ, gR, Q, R)
        # a = [X | Y] with X (m, m): (Q, U) = qr(X), Y = Q V for R = [U | V]
        U = _cols(R, m)
        V = GetItem.apply(R, index=(Ellipsis, slice(None), slice(m, n)))
        gU = gV = None
        if gR is not None:
            gU = _cols(gR, m)
            gV = GetItem.apply(gR, index=(Ellipsis, slice(None), slice(m, n)))
        if gV is not None:
            extra = MatMul.apply(MatMul.apply(Q, V), _swap(gV))  # Y gV^T
            gQ = extra if gQ is None else Add.apply(gQ, extra)
            gY = MatMul.apply(Q, gV)
        else:
            gY = const(Q, np.zeros(ctx.shape[:-1] + (n - m,), dtype=Q._data.dtype))
        gX = _qr_square_backward(gQ, gU, Q, U)
        return Cat.apply(gX, gY, dim=len(ctx.shape) - 1)


class Eigh(Op):
    """w, V = eigh(a) reading the ``UPLO`` triangle; torch's symmetric gradient
    ga = V (skew(V^T gV) / E + diag(gw)) V^T, skew(X) = (X - X^T) / 2, E_ij = w_j - w_i."""

    category = "linalg"
    node_name = "LinalgEighBackward0"  # torch's name for this node
    n_differentiable = 2
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, UPLO):
        w, V = np.linalg.eigh(a, UPLO=UPLO)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        w, V = ctx.saved_tensors
        if gV is None:
            if gw is None:
                return None
            return MatMul.apply(Mul.apply(V, _row(gw)), _swap(V))
        VgV = MatMul.apply(_swap(V), gV)
        skew = Mul.apply(Sub.apply(VgV, _swap(VgV)), const(VgV, 0.5))
        E = Add.apply(Sub.apply(_row(w), _col(w)), _eye_like(VgV))
        inner = Div.apply(skew, E)  # its diagonal is zero
        if gw is not None:
            inner = Add.apply(inner, _diag_embed(gw))
        return _mm(V, inner, _swap(V))


def _skew(X):
    return Sub.apply(X, _swap(X))


class Svd(Op):
    """U, S, Vh = svd(a); torch's gradient (``svd_backward``).  With ``full_matrices`` the
    columns of U and rows of Vh past min(m, n) get no gradient, as in torch."""

    category = "linalg"
    node_name = "LinalgSvdBackward0"  # torch's name for this node
    n_differentiable = 3
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, full_matrices):
        U, S, Vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        m, n = U._data.shape[-2], Vh._data.shape[-1]
        k = S._data.shape[-1]
        if ctx.full and m != n:
            U, Vh = _cols(U, k), _rows(Vh, k)
            gU = None if gU is None else _cols(gU, k)
            gVh = None if gVh is None else _rows(gVh, k)
        if gU is None and gVh is None:
            if gS is None:
                return None
            return MatMul.apply(Mul.apply(U, _row(gS)), Vh)
        S2 = Mul.apply(S, S)
        E = Add.apply(Sub.apply(_row(S2), _col(S2)), const(S, np.eye(k, dtype=S._data.dtype)))
        UgU = _skew(MatMul.apply(_swap(U), gU)) if gU is not None else None
        VgV = _skew(MatMul.apply(Vh, _swap(gVh))) if gVh is not None else None
        if UgU is not None and VgV is not None:
            inner = Div.apply(Add.apply(Mul.apply(UgU, _row(S)), Mul.apply(_col(S), VgV)), E)
        elif UgU is not None:
            inner = Mul.apply(Div.apply(UgU, E), _row(S))
        else:
            inner = Mul.apply(_col(S), Div.apply(VgV, E))
        if gS is not None:
            inner = Add.apply(inner, _diag_embed(gS))
        if m > n and gU is not None:
            gUSinv = Div.apply(gU, _row(S))
            proj = Sub.apply(gUSinv, _mm(U, _swap(U), gUSinv))  # (I - U U^T) gU S^{-1}
            return MatMul.apply(Add.apply(MatMul.apply(U, inner), proj), Vh)
        if m < n and gVh is not None:
            SinvgVh = Div.apply(gVh, _col(S))
            proj = Sub.apply(SinvgVh, _mm(SinvgVh, _swap(Vh), Vh))  # S^{-1} gVh (I - V V^T)
            return MatMul.apply(U, Add.apply(MatMul.apply(inner, Vh), proj))
        return _mm(U, inner, Vh)
