"""Norms with torch's signatures: ``norm`` (torch.norm) and ``tinyconv.linalg``'s
``vector_norm``, ``matrix_norm`` and ``norm``.

Vector norms run one op (``tinyconv.ops.reduce.VectorNorm``, torch's gradients); matrix norms
are written as torch writes them: 'fro' is the 2-norm of the two dimensions, 1/-1 and
inf/-inf the largest/smallest absolute column/row sum, and 'nuc', 2 and -2 the sum, largest
and smallest of the singular values (``tinyconv.linalg.svdvals``).
"""
import numbers

import numpy as np

from .. import _dtypes as D
from .._checks import DtypeError, check_keepdim, check_tensor, normalize_dims
from ..ops import reduce as R
from ..ops.shape import Permute, Reshape
from ._methods import method
from .arith import abs, cast
from .linalg import svdvals
from .reduction import amax, amin, sum

__all__ = ["norm", "vector_norm", "matrix_norm", "linalg_norm"]

INF = float("inf")
SVD_ORDS = ("nuc", 2, -2)


def _float(op, input, dtype):
    check_tensor(op, "input", input)
    if dtype is not None:
        dtype = D.canonical_dtype(dtype)
        if not D.is_float(dtype):
            raise DtypeError(f"{op}: dtype should be floating point, got {dtype}")
    if not D.is_float(input._data.dtype):
        raise DtypeError(f"{op}: Expected a floating point tensor as input. Got "
                         f"{input.dtype}")
    return input if dtype is None else cast(input, dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ``ord``-norm of the elements (over ``dim``, or all of them): ``sum(|x|^ord)^(1/ord)``;
    inf is the largest ``|x|``, -inf the smallest, 0 the number of nonzeros.

    Args:
        x: a floating-point Tensor.
        ord: a number or +-inf.
        dim: an int or a tuple of ints; None flattens.
        keepdim: keep the reduced dimensions with size 1.
        dtype: compute in this floating dtype.

    Returns:
        Tensor: the norms; torch's gradients (zero where a norm is zero).

    Examples:
        >>> import tinyconv as tc
        >>> tc.linalg.vector_norm(tc.tensor([3.0, 4.0]))
        tensor(5.)
    """
    x = _float("linalg.vector_norm", x, dtype)
    if not isinstance(ord, numbers.Real) or isinstance(ord, bool):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    keepdim = check_keepdim(keepdim, "linalg.vector_norm")
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    axes = normalize_dims(dim, x.ndim, "linalg.vector_norm")
    if ord < 0 and x._data.size == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                           f"tensor because the operation does not have an identity")
    return R.VectorNorm.apply(x, ord=float(ord), axes=axes, keepdim=keepdim)


def _two_dims(op, x, dim):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim!r}")
    d = [normalize_dims(int(v), x.ndim, op)[0] for v in dim]
    if d[0] == d[1]:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A matrix norm of the matrices in the dimensions ``dim`` of ``A``.

    Args:
        A: a floating-point Tensor with at least 2 dimensions (a batch of matrices).
        ord: 'fro' (Frobenius), 'nuc' (nuclear: the sum of the singular values), inf/-inf
            (largest/smallest absolute row sum), 1/-1 (largest/smallest absolute column sum),
            2/-2 (largest/smallest singular value).
        dim: the two dimensions holding the matrices.
        keepdim: keep the reduced dimensions with size 1.
        dtype: compute in this floating dtype.

    Returns:
        Tensor: the norms, one per matrix.
    """
    op = "linalg.matrix_norm"
    A = _float(op, A, dtype)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    keepdim = check_keepdim(keepdim, op)
    d0, d1 = _two_dims(op, A, dim)
    if ord in SVD_ORDS and not isinstance(ord, bool):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        s = svdvals(Permute.apply(A, dims=tuple(rest + [d0, d1])))  # (*rest, k)
        out = (sum if ord == "nuc" else amax if ord == 2 else amin)(s, -1)
        if not keepdim:
            return out
        shape = list(out.shape)
        for d in sorted((d0, d1)):
            shape.insert(d, 1)
        return Reshape.apply(out, shape=tuple(shape))
    if ord == "fro":
        return R.VectorNorm.apply(A, ord=2.0, axes=tuple(sorted((d0, d1))), keepdim=keepdim)
    if ord not in (1, -1, INF, -INF) or isinstance(ord, bool):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    # 1: columns summed over the rows (d0), then the extreme over d1; inf: the other way
    first, second = (d0, d1) if _abs_ord(ord) == 1 else (d1, d0)
    sums = sum(abs(A), first, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, second, keepdim=True)
    if keepdim:
        return out
    shape = tuple(n for i, n in enumerate(out.shape) if i not in (d0, d1))
    return Reshape.apply(out, shape=shape)


def _abs_ord(ord):
    """|ord| for a numeric order."""
    return ord if ord >= 0 else -ord


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector or matrix norm, chosen as torch's ``linalg.norm`` chooses: with ``dim`` an int
    or ``A`` 1-D a vector norm, with ``dim`` a 2-tuple or ``A`` 2-D a matrix norm; with
    neither ``ord`` nor ``dim``, the 2-norm of all elements.

    Args:
        A: a floating-point Tensor.
        ord: the order (see ``vector_norm`` and ``matrix_norm``); None is 2 / 'fro'.
        dim: None, an int, or a 2-tuple.
        keepdim: keep the reduced dimensions with size 1.
        dtype: compute in this floating dtype.

    Returns:
        Tensor: the norms.
    """
    op = "linalg.norm"
    check_tensor(op, "A", A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims[0], keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        if isinstance(ord, str):
            raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                               "dimensions.")
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or "
                       f"2D. Got {A.ndim}D.")


linalg_norm.__name__ = linalg_norm.__qualname__ = "norm"


@method
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch's ``norm``: the ``p``-norm of the elements over ``dim`` (all when None); 'fro' is
    the 2-norm; 'nuc' is the nuclear matrix norm (the sum of the singular values).

    Args:
        input: a floating-point Tensor.
        p: 'fro', 'nuc', a number or +-inf.
        dim: None, an int, or a tuple of ints.
        keepdim: keep the reduced dimensions with size 1.
        dtype: compute in this floating dtype.

    Returns:
        Tensor: the norms (``tinyconv.linalg.vector_norm``'s gradients).

    Examples:
        >>> import tinyconv as tc
        >>> tc.tensor([[3.0, 4.0], [0.0, 0.0]]).norm(dim=1)
        tensor([5., 0.])
    """
    check_tensor("norm", "input", input)
    if p == "nuc":
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim!r}")
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
    if p is None:
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype)
