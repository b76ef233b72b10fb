"""Matrix products with torch's signatures: mm, bmm, mv, dot, vdot, outer, addmm, baddbmm,
addmv, einsum, tensordot, kron, trace, cdist.

Each checks shapes with torch's messages and computes with the matmul/einsum ops (their
gradients are products again, so they differentiate twice).
"""
import math
import numbers
import string

import numpy as np

from .._engine import TensorBase
from ..ops import distance as Dst
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import matrix as Mx
from ..ops import reduce as R
from ..ops import shape as S
from ._methods import method
from .arith import add, mul, operands

__all__ = ["mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "baddbmm", "addmv",
           "einsum", "tensordot", "kron", "trace", "cdist"]


def _dims(op, name, t, n, what=None):
    """``t`` must be an ``n``-D Tensor; ``what`` words the error as torch does, if it differs."""
    if not isinstance(t, TensorBase):
        raise TypeError(f"{op}: {name} must be a Tensor, not {type(t).__name__}")
    if t.ndim != n:
        raise RuntimeError(f"{op}: {what or f'{name} must be a {n}-D tensor'}, got {name} of "
                           f"shape {tuple(t.shape)}")


def _same_dtype(op, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both arguments to have the same dtype, but got "
                           f"{a.dtype} != {b.dtype}")


@method
def mm(input, mat2):
    """Matrix product of two 2-D tensors.

    Args:
        input: (n, m).
        mat2: (m, p).

    Returns:
        Tensor: (n, p).
    """
    _dims("mm", "input", input, 2, "self must be a matrix")
    _dims("mm", "mat2", mat2, 2, "mat2 must be a matrix")
    _same_dtype("mm", input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape[0]}x{input.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    return L.MatMul.apply(input, mat2)


@method
def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors with the same batch size (no broadcasting).

    Args:
        input: (b, n, m).
        mat2: (b, m, p).

    Returns:
        Tensor: (b, n, p).
    """
    _dims("bmm", "input", input, 3)
    _dims("bmm", "mat2", mat2, 3)
    _same_dtype("bmm", input, mat2)
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return L.MatMul.apply(input, mat2)


@method
def mv(input, vec):
    """Matrix-vector product.

    Args:
        input: (n, m).
        vec: (m,).

    Returns:
        Tensor: (n,).
    """
    _dims("mv", "input", input, 2)
    _dims("mv", "vec", vec, 1)
    _same_dtype("mv", input, vec)
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input ({input.shape[0]}x{input.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    return L.MatMul.apply(input, vec)


@method
def dot(input, tensor):
    """Inner product of two 1-D tensors of one size.

    Args:
        input: (n,).
        tensor: (n,).

    Returns:
        Tensor: 0-d.
    """
    _dims("dot", "input", input, 1)
    _dims("dot", "tensor", tensor, 1)
    _same_dtype("dot", input, tensor)
    if input.shape != tensor.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] "
                           f"and src [{tensor.shape[0]}] to have the same number of elements, "
                           f"but got {input.shape[0]} and {tensor.shape[0]} elements "
                           f"respectively")
    return L.MatMul.apply(input, tensor)


@method
def vdot(input, other):
    """Inner product of two 1-D tensors, the first conjugated (real tensors: ``dot``).

    Args:
        input: (n,).
        other: (n,).

    Returns:
        Tensor: 0-d.
    """
    return dot(input, other)


@method
def outer(input, vec2):
    """Outer product of two vectors.

    Args:
        input: (n,).
        vec2: (m,).

    Returns:
        Tensor: (n, m).
    """
    _dims("outer", "input", input, 1)
    _dims("outer", "vec2", vec2, 1)
    a, b = operands(input, vec2, "outer")
    return E.Mul.apply(S.Reshape.apply(a, shape=(-1, 1)), S.Reshape.apply(b, shape=(1, -1)))


ger = method(name="ger")(outer)


def _scaled_sum(op, input, product, beta, alpha):
    """beta * input + alpha * product, with torch's rule that beta = 0 ignores input."""
    if alpha != 1:
        product = mul(product, alpha)
    try:
        np.broadcast_shapes(input.shape, product.shape)
    except ValueError:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} does not broadcast to "
                           f"the product's shape {tuple(product.shape)}") from None
    if beta == 0:  # input's values (NaN included) are not used; its gradient is zero
        if not input.requires_grad:
            return product
        zero = E.Where.apply(E.const(input, 0.0), input, cond=np.ones(input.shape, bool))
        return add(product, zero)
    return add(input if beta == 1 else mul(input, beta), product)


@method
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``.

    Args:
        input: broadcastable to (n, p).
        mat1: (n, m).
        mat2: (m, p).
        beta: the input's multiplier (0: the input's values are ignored, even NaN).
        alpha: the product's multiplier.

    Returns:
        Tensor: (n, p).
    """
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


@method
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``.

    Args:
        input: broadcastable to (b, n, p).
        batch1: (b, n, m).
        batch2: (b, m, p).
        beta: the input's multiplier (0: its values are ignored).
        alpha: the product's multiplier.

    Returns:
        Tensor: (b, n, p).
    """
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@method
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``.

    Args:
        input: broadcastable to (n,).
        mat: (n, m).
        vec: (m,).
        beta: the input's multiplier (0: its values are ignored).
        alpha: the product's multiplier.

    Returns:
        Tensor: (n,).
    """
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def _canonical(equation, tensors):
    """(subscripts with explicit '->' and no ellipsis, tensors broadcast over the ellipsis)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(tensors):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation" if len(tensors) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in string.ascii_letters if c not in used]
    ell_shapes = []
    for sub, t in zip(ins, tensors):
        n = t.ndim - (len(sub) - 3 if "..." in sub else len(sub))
        if "..." not in sub and n != 0 or n < 0:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(sub.replace('...', ''))}) does not match the number of "
                               f"dimensions ({t.ndim}) for operand {len(ell_shapes)}"
                               f"{'' if '...' in sub else ' and no ellipsis was given'}")
        ell_shapes.append(tuple(t.shape[:n]) if "..." not in sub else
                          tuple(t.shape[sub.index("..."):sub.index("...") + n]))
    try:
        ell = np.broadcast_shapes(*ell_shapes)
    except ValueError:
        raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                           f"{ell_shapes}") from None
    ell_letters = "".join(free[:len(ell)])
    out_tensors, new_ins = [], []
    for sub, t, es in zip(ins, tensors, ell_shapes):
        if "..." in sub:
            mine = ell_letters[len(ell) - len(es):]
            k = sub.index("...")
            if es != ell[len(ell) - len(es):]:
                full = t.shape[:k] + ell[len(ell) - len(es):] + t.shape[k + len(es):]
                t = S.Expand.apply(t, shape=full)
            sub = sub.replace("...", mine)
        new_ins.append(sub)
        out_tensors.append(t)
    if arrow:
        out = rhs.replace("...", ell_letters)
    else:
        counts = {}
        for c in lhs.replace("...", "").replace(",", ""):
            counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, k in counts.items() if k == 1))
    return ",".join(new_ins) + "->" + out, out_tensors


def einsum(equation, *operands):
    """Einstein summation: ``einsum('bij,bjk->bik', a, b)`` is a batched matrix product.

    Args:
        equation: the subscripts (letters, optional ``...`` for broadcast dimensions, optional
            ``->`` and output).
        *operands: the Tensors (or one list of them).

    Returns:
        Tensor: the result, in the operands' promoted dtype.

    Examples:
        >>> import tinyconv as tc
        >>> tc.einsum('ij,jk->ik', tc.ones(2, 3), tc.ones(3, 4)).shape
        tinyconv.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError("einsum(): the equation must be a string (the sublist format is not "
                        "supported)")
    for i, t in enumerate(operands):
        if not isinstance(t, TensorBase):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dts = {t.dtype for t in operands}
    if len(dts) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{sorted(str(d) for d in dts)}")
    subscripts, tensors = _canonical(equation, operands)
    ins, out = subscripts.split("->")
    sizes = {}
    for i, (sub, t) in enumerate(zip(ins.split(","), tensors)):
        for c, n in zip(sub, t.shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} "
                                   f"which does not broadcast with previously seen size "
                                   f"{sizes[c]}")
    for c in out:
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                               f"equation for any input operand")
    return Mx.Einsum.apply(*tensors, subscripts=subscripts)


def tensordot(a, b, dims=2, out=None):
    """Sum of products over the last ``dims`` dimensions of ``a`` and the first of ``b`` (or
    over the listed dimensions).

    Args:
        a: a Tensor.
        b: a Tensor.
        dims: an int, or two lists of dimensions (of ``a`` and of ``b``) to contract.
        out: not supported (must be None).

    Returns:
        Tensor: the remaining dimensions of ``a`` followed by those of ``b``.
    """
    if out is not None:
        raise TypeError("tensordot: out= is not supported")
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, TensorBase):
            raise TypeError(f"tensordot: argument '{name}' must be a Tensor, not "
                            f"{type(t).__name__}")
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims <= the dimensions of both inputs, but "
                               f"got dims={dims} for shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got "
                           f"{da} and {db}")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[i]} in dim {i} and second has size "
                               f"{b.shape[j]} in dim {j}")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out_sub = [c for k, c in enumerate(sa) if k not in da] + \
        [c for k, c in enumerate(sb) if k not in db]
    x, y = operands(a, b, "tensordot")
    return Mx.Einsum.apply(x, y, subscripts="".join(sa) + "," + "".join(sb) + "->"
                           + "".join(out_sub))


@method
def kron(input, other):
    """Kronecker product: every element of ``input`` times the whole of ``other``.

    Args:
        input: a Tensor.
        other: a Tensor.

    Returns:
        Tensor: shape ``input.shape[i] * other.shape[i]`` per dimension (the shorter shape
        padded with leading ones).
    """
    a, b = operands(input, other, "kron")
    n = max(a.ndim, b.ndim)
    a = S.Reshape.apply(a, shape=(1,) * (n - a.ndim) + a.shape)
    b = S.Reshape.apply(b, shape=(1,) * (n - b.ndim) + b.shape)
    inter_a, inter_b = [], []
    for sa, sb in zip(a.shape, b.shape):
        inter_a += [sa, 1]
        inter_b += [1, sb]
    prod = E.Mul.apply(S.Reshape.apply(a, shape=tuple(inter_a)),
                       S.Reshape.apply(b, shape=tuple(inter_b)))
    return S.Reshape.apply(prod, shape=tuple(sa * sb for sa, sb in zip(a.shape, b.shape)))


@method
def trace(input):
    """Sum of the main diagonal of a 2-D tensor.

    Args:
        input: (n, m).

    Returns:
        Tensor: 0-d (integers sum as int64).
    """
    _dims("trace", "input", input, 2)
    k = min(input.shape)
    diag = S.GetItem.apply(input, index=(np.arange(k), np.arange(k)))
    if diag.dtype.kind in "biu":
        diag = E.Cast.apply(diag, dtype=np.dtype(np.int64))
    return R.Sum.apply(diag, axes=(0,), keepdim=False)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between every row of ``x1`` and every row of ``x2``.

    Args:
        x1: (..., P, M).
        x2: (..., R, M), batch dimensions broadcast.
        p: the norm's exponent (>= 0; inf for the largest difference).
        compute_mode: accepted for torch compatibility; distances are always computed from
            the differences (torch's matmul shortcut for large inputs rounds differently).

    Returns:
        Tensor: (..., P, R); the gradient at a zero distance is 0, as torch's.
    """
    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, TensorBase):
            raise TypeError(f"cdist: {name} must be a Tensor, not {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not isinstance(p, numbers.Real) or p < 0 or math.isnan(p):
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    a, b = operands(x1, x2, "cdist")
    d = E.Sub.apply(S.Reshape.apply(a, shape=a.shape[:-1] + (1, a.shape[-1])),
                    S.Reshape.apply(b, shape=b.shape[:-2] + (1,) + b.shape[-2:]))
    return Dst.PNorm.apply(d, p=float(p), axes=(d.ndim - 1,), keepdim=False)
