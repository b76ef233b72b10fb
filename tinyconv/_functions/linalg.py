"""torch.linalg's inverses, determinants, solves and decompositions with torch's signatures,
named results and errors (``tinyconv.linalg.inv, det, slogdet, solve, cholesky, qr, eigh,
eigvalsh, svd, svdvals``), and the top-level ``inverse``, ``det``, ``slogdet``, ``logdet``
(also Tensor methods).

Each checks its input (a float32/float64 batch of matrices ``(*, m, n)``) and runs one op of
``tinyconv.ops.lapack``; a matrix LAPACK cannot handle (singular, not positive-definite, no
convergence) raises ``tinyconv.linalg.LinAlgError`` (a RuntimeError) with torch's message.
Gradients are torch's and differentiate again.
"""
import numpy as np

from .._checks import FLOATS, DtypeError, LinAlgError, check_tensor
from ..ops import elementwise as E
from ..ops import lapack as K
from ..ops.linalg import _swap
from ..ops.shape import Reshape
from ._methods import method
from ._results import EighResult, QRResult, SlogdetResult, SVDResult

__all__ = ["inv", "linalg_det", "linalg_slogdet", "solve", "cholesky", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "inverse", "det", "slogdet", "logdet"]

QR_MODES = ("reduced", "complete", "r")


def _matrices(op, A, square=True, name="A"):
    """Refuse what is not a float32/float64 batch of (square) matrices, with torch's words."""
    check_tensor(op, name, A)
    if A._data.dtype not in FLOATS:
        raise DtypeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                         f"{A.dtype}")
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    m, n = A._data.shape[-2:]
    if square and m != n:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{m} by {n} matrices")


def _lapack(op, problem, fn, *args, **params):
    """``fn.apply(*args, **params)``, numpy's LinAlgError raised as torch's."""
    try:
        return fn.apply(*args, **params)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: {problem}") from None


SINGULAR = "the input matrix is singular, the inversion could not be completed."
NO_CONVERGENCE = ("The algorithm failed to converge because the input matrix is "
                  "ill-conditioned or has non-finite values.")


def inv(A):
    """The inverse of each square matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64, invertible.

    Returns:
        Tensor: (*, n, n); its gradient is ``-inv(A)^T @ grad @ inv(A)^T``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.linalg.inv(tc.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    _matrices("linalg.inv", A)
    return _lapack("linalg.inv", SINGULAR, K.Inv, A)


def linalg_det(A):
    """The determinant of each square matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64.

    Returns:
        Tensor: (*); torch's gradient ``grad * det(A) * inv(A)^T`` (through the SVD where a
        matrix is singular).
    """
    _matrices("linalg.det", A)
    return K.Det.apply(A)


linalg_det.__name__ = linalg_det.__qualname__ = "det"


def linalg_slogdet(A):
    """The sign and the log of the absolute value of the determinant of each matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64.

    Returns:
        SlogdetResult: ``(sign, logabsdet)``, each (*); ``logabsdet`` is -inf for a singular
        matrix.  The sign has a zero gradient.
    """
    _matrices("linalg.slogdet", A)
    return SlogdetResult(*K.Slogdet.apply(A))


linalg_slogdet.__name__ = linalg_slogdet.__qualname__ = "slogdet"


def _vector_rhs(A, B):
    """torch's rule: B is a (batch of) vector(s) when 1-D or shaped like A without its last
    dimension."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True):
    """The solution X of ``A @ X = B`` (``X @ A = B`` with ``left=False``).

    Args:
        A: (*, n, n), float32 or float64, invertible.
        B: (*, n, k), or a batch of vectors (*, n); batch dimensions broadcast.
        left: solve ``A X = B`` (True) or ``X A = B`` (False; B is then (*, k, n)).

    Returns:
        Tensor: X, B's shape (batch dimensions broadcast).

    Examples:
        >>> import tinyconv as tc
        >>> tc.linalg.solve(tc.tensor([[2.0, 0.0], [0.0, 4.0]]), tc.tensor([1.0, 1.0])).tolist()
        [0.5, 0.25]
    """
    op = "linalg.solve"
    _matrices(op, A)
    check_tensor(op, "B", B)
    if A._data.dtype != B._data.dtype:
        raise DtypeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                         f"{A.dtype} and B of type {B.dtype} instead")
    vector = _vector_rhs(A, B)
    if B.ndim < 1 or (not vector and B.ndim < 2):
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if vector and not left and n == 1:
        raise RuntimeError(f"{op}: Vector broadcasting of the left hand side is not supported "
                           f"for left=False. In this case linalg.solve is equivalent to "
                           f"B / A.squeeze(-1)")
    # a vector is a column (n, 1), with left=False too (where it does not fit)
    b_rows, b_cols = (B.shape[-1], 1) if vector else tuple(B.shape[-2:])
    if (b_rows if left else b_cols) != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b_rows}x{b_cols})")
    b_batch = tuple(B.shape[:-1] if vector else B.shape[:-2])
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), b_batch)
    except ValueError:
        raise RuntimeError(f"{op}: the batch dimensions of A {tuple(A.shape[:-2])} and B "
                           f"{b_batch} do not broadcast") from None
    singular = "The solver failed because the input matrix is singular."
    if vector:
        x = _lapack(op, singular, K.Solve, A, Reshape.apply(B, shape=tuple(B.shape) + (1,)))
        return Reshape.apply(x, shape=x.shape[:-1])
    if left:
        return _lapack(op, singular, K.Solve, A, B)
    return _swap(_lapack(op, singular, K.Solve, _swap(A), _swap(B)))  # A^T X^T = B^T


def _not_positive_definite(op, a):
    """torch's message for the first matrix of ``a`` (its lower triangle read) that is not
    positive-definite: its batch element and the order of its first bad leading minor."""
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    for b, m in enumerate(flat):
        order = next((k for k in range(1, n + 1) if not _cholesky_ok(m[:k, :k])), None)
        if order is not None:
            where = f"(Batch element {b}): " if a.ndim > 2 else ""
            return (f"{op}: {where}The factorization could not be completed because the input "
                    f"is not positive-definite (the leading minor of order {order} is not "
                    f"positive-definite).")
    return f"{op}: The factorization could not be completed."


def _cholesky_ok(m):
    try:
        return bool(np.isfinite(np.linalg.cholesky(m)).all())
    except np.linalg.LinAlgError:
        return False


def cholesky(A, *, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64; its lower triangle is read (its upper one with
            ``upper=True``).
        upper: return the upper factor ``U`` (``A = U^T U``) instead of the lower ``L``
            (``A = L L^T``).

    Returns:
        Tensor: (*, n, n), triangular; torch's symmetric gradient.
    """
    op = "linalg.cholesky"
    _matrices(op, A)
    a = _swap(A) if upper else A
    try:
        L = K.Cholesky.apply(a)
    except np.linalg.LinAlgError:
        L = None
    if L is None or not np.isfinite(L._data).all():  # NaN in the input: no pivot is positive
        raise LinAlgError(_not_positive_definite(op, a._data))
    return _swap(L) if upper else L


def qr(A, mode="reduced"):
    """The QR decomposition ``A = Q R`` of each matrix of ``A`` (Householder, as LAPACK).

    Args:
        A: (*, m, n), float32 or float64.
        mode: 'reduced' (Q (*, m, k), R (*, k, n), k = min(m, n)), 'complete' (Q (*, m, m),
            R (*, m, n)) or 'r' (R only; Q is empty).

    Returns:
        QRResult: ``(Q, R)``.  Differentiable as in torch: not with mode 'r', nor with mode
        'complete' when m > n.
    """
    op = "linalg.qr"
    if mode not in QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    _matrices(op, A, square=False)
    return QRResult(*_lapack(op, NO_CONVERGENCE, K.Qr, A, mode=mode))


def _uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L"):
    """The eigenvalues (ascending) and eigenvectors of each symmetric matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64; only the triangle ``UPLO`` is read.
        UPLO: 'L' (lower triangle) or 'U' (upper).

    Returns:
        EighResult: ``(eigenvalues (*, n), eigenvectors (*, n, n))``, the vectors as columns
        with LAPACK's signs; torch's gradients (defined for distinct eigenvalues and for losses
        that do not depend on the vectors' signs).
    """
    op = "linalg.eigh"
    _uplo(UPLO)
    _matrices(op, A)
    return EighResult(*_lapack(op, NO_CONVERGENCE, K.Eigh, A, UPLO=UPLO))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (ascending) of each symmetric matrix of ``A``.

    Args:
        A: (*, n, n), float32 or float64; only the triangle ``UPLO`` is read.
        UPLO: 'L' (lower triangle) or 'U' (upper).

    Returns:
        Tensor: (*, n); gradient ``V diag(grad) V^T``.
    """
    op = "linalg.eigvalsh"
    _uplo(UPLO)
    _matrices(op, A)
    return _lapack(op, NO_CONVERGENCE, K.Eigh, A, UPLO=UPLO)[0]


def _no_driver(op, driver):
    if driver is not None:
        raise RuntimeError(f"{op}: keyword argument `driver=` is only supported on CUDA "
                           f"inputs with cuSOLVER backend.")


def svd(A, full_matrices=True, *, driver=None):
    """The singular value decomposition ``A = U diag(S) Vh`` of each matrix of ``A``.

    Args:
        A: (*, m, n), float32 or float64.
        full_matrices: U (*, m, m) and Vh (*, n, n) (True), or the reduced
            U (*, m, k) and Vh (*, k, n), k = min(m, n) (False).
        driver: only None (torch's drivers are CUDA ones).

    Returns:
        SVDResult: ``(U, S, Vh)``, S (*, k) descending, the vectors with LAPACK's signs;
        torch's gradients (defined for distinct nonzero singular values and for losses that do
        not depend on the vectors' signs; with ``full_matrices`` the extra columns get none).
    """
    op = "linalg.svd"
    _no_driver(op, driver)
    _matrices(op, A, square=False)
    return SVDResult(*_lapack(op, NO_CONVERGENCE, K.Svd, A, full_matrices=bool(full_matrices)))


def svdvals(A, *, driver=None):
    """The singular values of each matrix of ``A``, in descending order.

    Args:
        A: (*, m, n), float32 or float64.
        driver: only None.

    Returns:
        Tensor: (*, min(m, n)); gradient ``U diag(grad) Vh``.
    """
    op = "linalg.svdvals"
    _no_driver(op, driver)
    _matrices(op, A, square=False)
    return _lapack(op, NO_CONVERGENCE, K.Svd, A, full_matrices=False)[1]


@method
def inverse(input):
    """The inverse of each square matrix of ``input`` (``tinyconv.linalg.inv``).

    Args:
        input: (*, n, n), float32 or float64, invertible.

    Returns:
        Tensor: (*, n, n).
    """
    return inv(input)


@method
def det(input):
    """The determinant of each square matrix of ``input`` (``tinyconv.linalg.det``).

    Args:
        input: (*, n, n), float32 or float64.

    Returns:
        Tensor: (*).

    Examples:
        >>> import tinyconv as tc
        >>> tc.tensor([[1.0, 2.0], [3.0, 4.0]]).det()
        tensor(-2.)
    """
    return linalg_det(input)


@method
def slogdet(input):
    """The sign and log absolute value of the determinant (``tinyconv.linalg.slogdet``).

    Args:
        input: (*, n, n), float32 or float64.

    Returns:
        SlogdetResult: ``(sign, logabsdet)``.
    """
    return linalg_slogdet(input)


@method
def logdet(input):
    """The log of the determinant of each square matrix: NaN where it is negative, -inf where
    it is zero.

    Args:
        input: (*, n, n), float32 or float64.

    Returns:
        Tensor: (*); gradient ``grad * inv(input)^T``.
    """
    _matrices("logdet", input)
    sign, logabs = K.Slogdet.apply(input)
    negative = sign._data < 0
    if not negative.any():
        return logabs
    return E.Where.apply(E.const(logabs, np.nan), logabs, cond=negative)
