"""Shape functions with torch's signatures: reshape, view, permute, expand, cat, indexing.

Shapes are checked here with torch's messages; the ops (``tinyconv.ops.shape``) only move data.
"""
import numbers

import numpy as np

from .. import _dtypes as D
from .._checks import normalize_dims
from .._engine import TensorBase
from ..ops import shape as S
from ._methods import method
from .arith import cast

__all__ = ["reshape", "view", "flatten", "permute", "transpose", "t", "unsqueeze", "squeeze",
           "expand", "repeat", "cat", "stack", "getitem",
           "shape_arg", "index_arrays"]


def shape_arg(shape):
    """A shape given as ints or as one sequence, as a tuple of Python ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and hasattr(shape[0], "__len__") and not isinstance(shape[0],
                                                                             TensorBase):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"shape entries must be ints, got {s!r} in {shape}")
    return tuple(int(s) for s in shape)


def _infer_shape(shape, size, op, src_shape):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (shape {shape})")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension in {shape}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or size % known:
            raise RuntimeError(
                f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                f"(input shape {tuple(src_shape)})")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(
            f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
            f"(input shape {tuple(src_shape)})")
    return shape


@method
def reshape(input, *shape):
    """The same elements in a new shape.

    Args:
        input: a Tensor.
        *shape: the new shape, as ints or one sequence; one entry may be -1 (inferred).

    Returns:
        Tensor: with ``input``'s elements in row-major order: a view of ``input`` when its
        memory allows (it is contiguous), else a copy, as torch's.

    Examples:
        >>> import tinyconv as tc
        >>> tc.reshape(tc.arange(6), (2, 3))
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> tc.arange(6).reshape(3, -1).shape
        tinyconv.Size([3, 2])
    """
    target = _infer_shape(shape_arg(shape), input._data.size, "reshape", input.shape)
    return S.Reshape.apply(input, shape=target)


@method
def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and \
            not isinstance(shape[0], numbers.Integral):
        return input.to(shape[0])  # view(dtype)
    if not input._data.flags.c_contiguous:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (input "
            f"shape {tuple(input.shape)} is not contiguous). Use .reshape(...) instead.")
    return reshape(input, *shape)


@method
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        input: a Tensor.
        start_dim: first dimension to merge.
        end_dim: last dimension to merge (inclusive; negative counts from the end).

    Returns:
        Tensor: with ``prod(shape[start_dim:end_dim + 1])`` in place of those dimensions.

    Shape:
        ``flatten(x, 1)`` turns a batch of feature maps (N, C, H, W) into (N, C*H*W).
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"flatten(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim == 0:
        return reshape(input, 1)
    s = normalize_dims(start_dim, input.ndim, "flatten")[0]
    e = normalize_dims(end_dim, input.ndim, "flatten")[0]
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim {start_dim} cannot come after end_dim "
            f"{end_dim}")
    if s == e:
        return input  # nothing to merge: torch returns the input itself
    shape = input.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


@method
def permute(input, *dims):
    """Reorder the dimensions.

    Args:
        input: a Tensor.
        *dims: a permutation of ``range(input.ndim)``, as ints or one sequence.

    Returns:
        Tensor: ``input`` with dimension ``i`` of the result taken from ``dims[i]``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.zeros(8, 32, 32, 3).permute(0, 3, 1, 2).shape     # NHWC -> NCHW
        tinyconv.Size([8, 3, 32, 32])
    """
    dims = shape_arg(dims)
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute: number of dims {len(dims)} does not match the tensor's {nd} "
            f"(shape {tuple(input.shape)})")
    axes = normalize_dims(dims, nd, "permute") if nd else ()
    if len(axes) != nd:
        raise RuntimeError(f"permute: repeated dim in {dims}")
    dims = tuple(int(d) % nd for d in dims)
    return S.Permute.apply(input, dims=dims)


@method
def transpose(input, dim0, dim1):
    """Swap two dimensions.

    Args:
        input: a Tensor.
        dim0: one dimension.
        dim1: the other.

    Returns:
        Tensor: ``input`` with ``dim0`` and ``dim1`` exchanged.
    """
    if input.ndim == 0:
        return input
    d0, d1 = (normalize_dims(d, input.ndim, "transpose")[0] for d in (dim0, dim1))
    perm = list(range(input.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return permute(input, *perm)


@method
def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim == 2:
        return S.T.apply(input, dims=(1, 0))
    return permute(input, *reversed(range(input.ndim)))


@method
def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``.

    Args:
        input: a Tensor.
        dim: where the new dimension goes, in ``[-input.ndim - 1, input.ndim]``.

    Returns:
        Tensor: with one more dimension (``x.unsqueeze(0)`` makes a batch of one).
    """
    nd = input.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(
            f"unsqueeze: Dimension out of range (expected to be in range of [{-nd}, {nd - 1}],"
            f" but got {dim})")
    d = dim % nd
    return S.Reshape.apply(input, shape=input.shape[:d] + (1,) + input.shape[d:])


@method
def squeeze(input, dim=None):
    """Remove dimensions of size 1.

    Args:
        input: a Tensor.
        dim: None removes every size-1 dimension; an int (or tuple) removes those listed, if
            they have size 1 (others are left alone, as torch).

    Returns:
        Tensor: without the removed dimensions.
    """
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        axes = normalize_dims(dim, input.ndim, "squeeze") if input.ndim else ()
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in axes and s == 1))
    return S.Reshape.apply(input, shape=shape)


@method
def expand(input, *sizes):
    sizes = shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({input.ndim})")
    lead = len(sizes) - input.ndim
    target = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
            s = cur
        if cur is not None and cur != s and cur != 1:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({cur}) at non-singleton dimension {i}. Target sizes: {list(sizes)}. "
                f"Tensor sizes: {list(input.shape)}")
        target.append(int(s))
    return S.Expand.apply(input, shape=tuple(target))


@method
def repeat(input, *sizes):
    sizes = shape_arg(sizes)
    x = reshape(input, (1,) * (len(sizes) - input.ndim) + input.shape)
    for d, r in enumerate(sizes):
        if r != 1:
            x = cat([x] * r, dim=d)
    return x


def _dim(dim, ndim, op):
    """One dimension, normalised; torch's errors (a 0-d tensor has none)."""
    if ndim == 0:
        raise (RuntimeError if op == "narrow" else IndexError)(
            f"{op}() cannot be applied to a 0-dim tensor.")
    return normalize_dims(dim, ndim, op)[0]


def _tensor_seq(tensors, op):
    if isinstance(tensors, TensorBase) or not len(tensors):
        raise (TypeError if isinstance(tensors, TensorBase) else RuntimeError)(
            f"{op}: expected a non-empty sequence of Tensors")
    out = list(tensors)
    for i, x in enumerate(out):
        if not isinstance(x, TensorBase):
            raise TypeError(f"{op}: expected Tensor as element {i}, got {type(x).__name__}")
    return out


def cat(tensors, dim=0):
    """Concatenate tensors along an existing dimension.

    Args:
        tensors: a sequence of Tensors with equal shapes except along ``dim``.
        dim: the dimension to join along.

    Returns:
        Tensor: in the promoted dtype of the inputs; the gradient is split back into pieces.

    Examples:
        >>> import tinyconv as tc
        >>> tc.cat([tc.zeros(2, 3), tc.ones(1, 3)]).shape
        tinyconv.Size([3, 3])
    """
    tensors = _tensor_seq(tensors, "cat")
    ref = tensors[0]
    if ref.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated")
    d = normalize_dims(dim, ref.ndim, "cat")[0]
    dt = ref.dtype
    for x in tensors[1:]:
        dt = D.promote(dt, x.dtype)
    for i, x in enumerate(tensors):
        if x.ndim != ref.ndim or x.shape[:d] + x.shape[d + 1:] != ref.shape[:d] + ref.shape[d + 1:]:
            raise RuntimeError(
                f"cat: Sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref.shape)}, tensor {i} has shape {tuple(x.shape)}")
    return S.Cat.apply(*[cast(x, dt) for x in tensors], dim=d)


def stack(tensors, dim=0):
    """Stack tensors of one shape along a new dimension.

    Args:
        tensors: a sequence of Tensors of equal shapes.
        dim: the position of the new dimension.

    Returns:
        Tensor: with a new dimension of size ``len(tensors)`` at ``dim``.

    Examples:
        >>> import tinyconv as tc
        >>> tc.stack([tc.zeros(2, 3), tc.ones(2, 3)], dim=1).shape
        tinyconv.Size([2, 2, 3])
    """
    tensors = _tensor_seq(tensors, "stack")
    ref = tensors[0]
    for i, x in enumerate(tensors):
        if x.shape != ref.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(ref.shape)} at "
                f"entry 0 and {tuple(x.shape)} at entry {i}")
    nd = ref.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"stack: Dimension out of range (expected [{-nd}, {nd - 1}], got {dim})")
    dt = ref.dtype
    for x in tensors[1:]:
        dt = D.promote(dt, x.dtype)
    return S.Stack.apply(*[cast(x, dt) for x in tensors], dim=dim % nd)


def index_arrays(index, copy=False):
    """Replace Tensors/lists inside an index by ndarrays (NumPy's advanced indexing); with
    ``copy``, a Tensor's array is copied."""
    if isinstance(index, tuple):
        return tuple(_index_item(i, copy) for i in index)
    return _index_item(index, copy)


def _index_item(i, copy=False):
    if isinstance(i, TensorBase):
        arr = i._data
        if arr.dtype.kind == "f":
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors "
                f"(got {arr.dtype})")
        return arr.copy() if copy else arr
    if isinstance(i, list):
        arr = np.asarray(i)
        if arr.dtype.kind == "f":
            raise IndexError("indices must be integers or booleans")
        return arr
    return i


def _check_index_bounds(idx, shape):
    items = idx if isinstance(idx, tuple) else (idx,)
    dim = 0
    for it in items:
        if it is None:
            continue
        if it is Ellipsis:
            dim = len(shape) - sum(1 for j in items if j is not None and j is not Ellipsis
                                   and not (isinstance(j, np.ndarray) and j.dtype == np.bool_))
            continue
        if isinstance(it, np.ndarray):
            if it.dtype == np.bool_:
                dims = it.ndim
                if shape[dim:dim + dims] != it.shape:
                    raise IndexError(
                        f"The shape of the mask {it.shape} does not match the shape of the "
                        f"indexed tensor {tuple(shape)} at dim {dim}")
                dim += dims
                continue
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            n = shape[dim]
            if it.size and (it.max() >= n or it.min() < -n):
                bad = it.max() if it.max() >= n else it.min()
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {n}")
        dim += 1


def getitem(input, index):
    # an index from a Tensor is copied: backward scatters with it after the caller may have
    # written into that Tensor (torch keeps it version-checked instead)
    idx = index_arrays(index, copy=True)
    if S.is_advanced_index(idx):
        _check_index_bounds(idx, input.shape)
    return S.GetItem.apply(input, index=idx)
