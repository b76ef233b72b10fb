"""Rearranging elements with torch's signatures: flip/fliplr/flipud, roll, rot90, tril/triu,
diag, diagonal (a view), diag_embed, diff, Tensor.unfold (a view).  Each checks its arguments
with torch's messages and runs one op of ``tinyconv.ops.index`` or ``ops.shape`` (rot90: a flip
and a transpose; diff: slices subtracted).
"""
from .. import _dtypes as D
from .._checks import check_dim, check_tensor, int_list, is_int, normalize_dims
from .._engine import TensorBase
from ..ops import index as I
from ..ops import shape as S
from ._methods import method
from .arith import sub
from .bitwise import logical_xor
from .shape import cat, transpose
from .slicing import narrow

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "diag", "diagonal",
           "diag_embed", "diff", "unfold"]


@method
def flip(input, dims):
    """``input`` reversed along ``dims`` (a copy, as torch's).

    Args:
        input: a Tensor.
        dims: an int or a tuple of ints.

    Returns:
        Tensor: of ``input``'s shape.

    Examples:
        >>> import tinyconv as tc
        >>> tc.arange(4).reshape(2, 2).flip(1)
        tensor([[1, 0],
                [3, 2]])
    """
    check_tensor("flip", "input", input)
    dims = normalize_dims(int_list(dims, "flip", "dims"), input.ndim, "flip")
    if input.ndim == 0:
        dims = ()
    return I.Flip.apply(input, dims=dims)


@method
def fliplr(input):
    """``input`` reversed left to right (along dim 1).

    Args:
        input: a Tensor with at least 2 dimensions.

    Returns:
        Tensor: of ``input``'s shape.
    """
    check_tensor("fliplr", "input", input)
    if input.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return I.Flip.apply(input, dims=(1,))


@method
def flipud(input):
    """``input`` reversed upside down (along dim 0).

    Args:
        input: a Tensor with at least 1 dimension.

    Returns:
        Tensor: of ``input``'s shape.
    """
    check_tensor("flipud", "input", input)
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return I.Flip.apply(input, dims=(0,))


@method
def roll(input, shifts, dims=None):
    """Shift the elements cyclically along ``dims`` (the flattened tensor when None).

    Args:
        input: a Tensor.
        shifts: an int or a tuple of ints (one per dim).
        dims: an int, a tuple of ints, or None.

    Returns:
        Tensor: of ``input``'s shape.
    """
    check_tensor("roll", "input", input)
    shifts = int_list(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)},"
                               f" dims: 0")
        return I.Roll.apply(input, shifts=shifts[0], dims=None)
    dims = int_list(dims, "roll", "dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims: {len(dims)}")
    dims = tuple(check_dim(d, input.ndim, "roll") for d in dims)
    return I.Roll.apply(input, shifts=tuple(shifts), dims=dims)


@method
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the
    second axis.

    Args:
        input: a Tensor with at least 2 dimensions.
        k: the number of quarter turns (negative turns the other way).
        dims: two different dimensions.

    Returns:
        Tensor: the rotated tensor.
    """
    check_tensor("rot90", "input", input)
    dims = int_list(dims, "rot90", "dims")
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (check_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{d0} and dim1 = {d1}")
    if not is_int(k):
        raise TypeError(f"rot90(): argument 'k' must be int, not {type(k).__name__}")
    k %= 4
    if k == 1:
        return transpose(I.Flip.apply(input, dims=(d1,)), d0, d1)
    if k == 2:
        return I.Flip.apply(input, dims=(d0, d1))
    if k == 3:
        return I.Flip.apply(transpose(input, d0, d1), dims=(d1,))
    return S.Contiguous.apply(input)


def _triangle(input, diagonal, upper):
    op = "triu" if upper else "tril"
    check_tensor(op, "input", input)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    if not is_int(diagonal):
        raise TypeError(f"{op}(): argument 'diagonal' must be int, not "
                        f"{type(diagonal).__name__}")
    return I.Tril.apply(input, k=int(diagonal), upper=upper)


@method(inplace="tril_")
def tril(input, diagonal=0):
    """The lower triangle of the last two dimensions (on and below diagonal ``diagonal``);
    the rest zero.

    Args:
        input: a Tensor with at least 2 dimensions (a batch of matrices).
        diagonal: 0 the main diagonal, positive above it, negative below.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _triangle(input, diagonal, False)


@method(inplace="triu_")
def triu(input, diagonal=0):
    """The upper triangle of the last two dimensions (on and above diagonal ``diagonal``);
    the rest zero.

    Args:
        input: a Tensor with at least 2 dimensions (a batch of matrices).
        diagonal: 0 the main diagonal, positive above it, negative below.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _triangle(input, diagonal, True)


def _diag_dims(op, ndim, offset, dim1, dim2):
    if not is_int(offset):
        raise TypeError(f"{op}(): argument 'offset' must be int, not {type(offset).__name__}")
    d1, d2 = (check_dim(d, ndim, op) for d in (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return int(offset), d1, d2


@method
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the planes (dim1, dim2), as the last dimension: a view.

    Args:
        input: a Tensor with at least 2 dimensions.
        offset: 0 the main diagonal, positive above it, negative below.
        dim1: the first dimension of the planes.
        dim2: the second.

    Returns:
        Tensor: a (writable) view sharing ``input``'s storage.
    """
    check_tensor("diagonal", "input", input)
    if input.ndim < 2:  # torch: dim1/dim2 are then out of range
        raise IndexError(f"diagonal(): Dimension out of range: input of shape "
                         f"{tuple(input.shape)} has fewer than 2 dimensions (dim1={dim1}, "
                         f"dim2={dim2})")
    offset, d1, d2 = _diag_dims("diagonal", input.ndim, offset, dim1, dim2)
    return I.Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2)


@method
def diag(input, diagonal=0):
    """A 1-D tensor as a square matrix with it on diagonal ``diagonal``; or the diagonal of a
    matrix, as a new 1-D tensor.

    Args:
        input: a 1-D or 2-D Tensor.
        diagonal: 0 the main diagonal, positive above it, negative below.

    Returns:
        Tensor: 2-D (from a vector) or 1-D (from a matrix).
    """
    check_tensor("diag", "input", input)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    if not is_int(diagonal):
        raise TypeError(f"diag(): argument 'diagonal' must be int, not "
                        f"{type(diagonal).__name__}")
    k = int(diagonal)
    if input.ndim == 2:
        return S.Contiguous.apply(I.Diagonal.apply(input, offset=k, dim1=0, dim2=1))
    n = input.shape[0] + abs(k)
    return I.DiagonalScatter.apply(input, shape=(n, n), offset=k, dim1=0, dim2=1)


@method
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose diagonals (planes ``dim1``, ``dim2`` of the output) are the last
    dimension of ``input``; zero elsewhere.

    Args:
        input: a Tensor of shape (..., n).
        offset: 0 the main diagonal, positive above it, negative below.
        dim1: the first dimension of the planes, in the output.
        dim2: the second.

    Returns:
        Tensor: with one more dimension, ``n + |offset|`` along dim1 and dim2.
    """
    check_tensor("diag_embed", "input", input)
    nd = input.ndim + 1
    offset, d1, d2 = _diag_dims("diag_embed", nd, offset, dim1, dim2)
    n = (input.shape[-1] if input.ndim else 1) + abs(offset)
    rest = list(input.shape[:-1])
    shape = []
    for d in range(nd):
        shape.append(n if d in (d1, d2) else rest.pop(0))
    x = input if input.ndim else S.Reshape.apply(input, shape=(1,))
    return I.DiagonalScatter.apply(x, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


@method
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``,
    applied ``n`` times.

    Args:
        input: a Tensor of at least one dimension.
        n: how many times to difference (an int >= 0; 0 returns a copy of the joined tensor).
        dim: the dimension to difference along.
        prepend: None, or a Tensor joined before ``input`` along ``dim`` first (same number of
            dimensions, same sizes except along ``dim``).
        append: None, or a Tensor joined after ``input`` along ``dim`` first.

    Returns:
        Tensor: ``n`` shorter along ``dim`` than the joined tensor (empty when ``n`` is at least
        its length), in the promoted dtype of the pieces; bool tensors are differenced with
        ``logical_xor`` (as torch).  Differentiable (twice) through every piece.
    """
    check_tensor("diff", "input", input)
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if not is_int(n):
        raise TypeError(f"diff(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = check_dim(dim, input.ndim, "diff")
    pieces = []
    for name, t in (("prepend", prepend), ("input", input), ("append", append)):
        if t is None:
            continue
        if not isinstance(t, TensorBase):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(t).__name__}")
        if t.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as "
                               "input")
        for i in range(input.ndim):
            if i != d and t.shape[i] != input.shape[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of "
                    f"input except along the differencing dimension; input.size({i}) = "
                    f"{input.shape[i]}, but got tensor.size({i}) = {t.shape[i]}")
        pieces.append(t)
    if len(pieces) == 1 and n == 0:
        return input.clone()  # a new tensor, as torch's
    y = cat(pieces, d) if len(pieces) > 1 else input
    for _ in range(n):
        m = y.shape[d]
        if m == 0:
            break
        later, earlier = narrow(y, d, 1, m - 1), narrow(y, d, 0, m - 1)
        y = logical_xor(later, earlier) if y.dtype == D.bool_ else sub(later, earlier)
    return y


@method
def unfold(input, dimension, size, step):
    """The slices of ``size`` elements every ``step`` along ``dimension``, as a new last
    dimension (Tensor.unfold; ``nn.functional.unfold`` is the im2col of images).

    Args:
        input: a Tensor.
        dimension: the dimension to take the windows along.
        size: the length of each window (an int, 0 to ``input.shape[dimension]``).
        step: the distance between the starts of neighbouring windows (an int > 0).

    Returns:
        Tensor: ``input``'s shape with ``dimension`` replaced by the number of windows
        ``(input.shape[dimension] - size) // step + 1``, and a last dimension of ``size``.  A
        view of ``input`` (writes through it reach ``input``, except into overlapping windows,
        ``step < size``, which tinyconv refuses); differentiable (overlapping windows add
        their gradients).

    Examples:
        >>> import tinyconv as tc
        >>> tc.arange(7.0).unfold(0, 3, 2)
        tensor([[0., 1., 2.],
                [2., 3., 4.],
                [4., 5., 6.]])
    """
    check_tensor("unfold", "input", input)
    for name, v in (("dimension", dimension), ("size", size), ("step", step)):
        if not is_int(v):
            raise TypeError(f"unfold(): argument '{name}' must be int, not {type(v).__name__}")
    d = check_dim(dimension, input.ndim, "unfold")
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:  # one element: (size,) windows of it
        return S.Reshape.apply(S.UnfoldDim.apply(S.Reshape.apply(input, shape=(1,)), dim=0,
                                                 size=int(size), step=int(step)),
                               shape=(int(size),))
    return S.UnfoldDim.apply(input, dim=d, size=int(size), step=int(step))
