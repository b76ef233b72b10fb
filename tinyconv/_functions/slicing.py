"""Slicing and joining with torch's signatures: narrow, select, chunk, split, tensor_split,
unbind, movedim, swapaxes, unflatten, broadcast_to/broadcast_tensors, meshgrid, atleast_*d,
hstack/vstack/dstack/column_stack, tile, repeat_interleave.

Where torch returns views (narrow, select, the pieces of chunk/split/unbind, movedim,
swapaxes, unflatten, broadcast_to, meshgrid) these are views too: they share the input's
storage and version counter, so an in-place write through one is seen by the other.
"""
import numbers

import numpy as np

from .._checks import (check_dim, check_tensor, index_array, int_list, is_int,
                       normalize_dims)
from .._engine import TensorBase
from ..ops import index as I
from ..ops import shape as S
from ._methods import method
from .shape import cat, permute, reshape, shape_arg, transpose

__all__ = ["narrow", "select", "chunk", "split", "tensor_split", "unbind", "movedim", "moveaxis",
           "swapaxes", "swapdims", "unflatten", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d", "hstack",
           "vstack", "dstack", "column_stack", "tile", "repeat_interleave"]


def _slice(x, d, start, stop):
    """x[..., start:stop, ...] along d (a view)."""
    return S.GetItem.apply(x, index=(slice(None),) * d + (slice(start, stop),))


@method
def narrow(input, dim, start, length):
    """The view of ``input`` with ``length`` elements along ``dim`` from ``start``.

    Args:
        input: a Tensor.
        dim: the dimension to narrow.
        start: the first index (negative counts from the end).
        length: how many elements to keep.

    Returns:
        Tensor: a view sharing ``input``'s storage.
    """
    check_tensor("narrow", "input", input)
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = check_dim(dim, input.ndim, "narrow")
    start = int(start) if isinstance(start, TensorBase) else start
    if not is_int(start) or not is_int(length):
        raise TypeError("narrow(): start and length must be ints")
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-n}, "
                         f"{n}], but got {start})")
    start = start % n if n and start < 0 else start
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}).")
    return _slice(input, d, start, start + length)


@method
def select(input, dim, index):
    """The view of ``input`` at ``index`` along ``dim`` (that dimension removed).

    Args:
        input: a Tensor.
        dim: the dimension to index.
        index: an int (negative counts from the end).

    Returns:
        Tensor: a view with one dimension fewer.
    """
    check_tensor("select", "input", input)
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = check_dim(dim, input.ndim, "select")
    if not is_int(index):
        raise TypeError(f"select(): argument 'index' must be int, not {type(index).__name__}")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return S.GetItem.apply(input, index=(slice(None),) * d + (int(index) % n,))


def _pieces(x, d, bounds):
    return tuple(_slice(x, d, a, b) for a, b in zip(bounds[:-1], bounds[1:]))


@method
def chunk(input, chunks, dim=0):
    """Split into ``chunks`` views of equal size along ``dim`` (the last may be smaller, and
    there may be fewer, as torch).

    Args:
        input: a Tensor.
        chunks: how many pieces.
        dim: the dimension to split.

    Returns:
        tuple of Tensors: views of ``input``.
    """
    check_tensor("chunk", "input", input)
    if not is_int(chunks):
        raise TypeError(f"chunk(): argument 'chunks' must be int, not {type(chunks).__name__}")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = check_dim(dim, input.ndim, "chunk")
    n = input.shape[d] if input.ndim else 1
    size = -(-n // chunks)
    if size == 0:
        return tuple(_slice(input, d, 0, 0) for _ in range(chunks))
    return split(input, size, d)


def split(tensor, split_size_or_sections, dim=0):
    """Split into views along ``dim``: pieces of one size, or of the listed sizes.

    Args:
        tensor: a Tensor.
        split_size_or_sections: an int (every piece that size, the last smaller) or a list of
            sizes summing to ``tensor.shape[dim]``.
        dim: the dimension to split.

    Returns:
        tuple of Tensors: views of ``tensor``.

    Examples:
        >>> import tinyconv as tc
        >>> [p.shape for p in tc.arange(10).split([3, 7])]
        [tinyconv.Size([3]), tinyconv.Size([7])]
    """
    check_tensor("split", "tensor", tensor)
    input = tensor
    if input.ndim == 0:
        raise RuntimeError("split(): expected a tensor with at least one dimension")
    d = check_dim(dim, input.ndim, "split")
    n = input.shape[d]
    s = split_size_or_sections
    if is_int(s):
        if s < 0 or (s == 0 and n):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}" if s == 0 else
                               f"split expects split_size be non-negative, but got {s}")
        if s == 0:
            return (input,)
        bounds = list(range(0, n, s)) + [n]
        return _pieces(input, d, bounds if n else [0, 0])
    if not isinstance(s, (list, tuple)) or not all(is_int(v) for v in s):
        raise TypeError(f"split(): split_size_or_sections must be an int or a list of ints, "
                        f"got {s!r}")
    if sum(s) != n or any(v < 0 for v in s):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={list(s)}")
    return _pieces(input, d, np.cumsum([0] + list(s)).tolist())


@method(name="split")
def split_method(input, split_size, dim=0):
    """``Tensor.split``: ``split`` with torch's method argument name ``split_size``.

    Args:
        input: a Tensor.
        split_size: an int or a list of sizes (``split``'s ``split_size_or_sections``).
        dim: the dimension to split.

    Returns:
        tuple of Tensors: views of ``input``.
    """
    return split(input, split_size, dim)


split_method.__name__ = split_method.__qualname__ = "split"


@method
def tensor_split(input, indices_or_sections, dim=0):
    """Split into views along ``dim`` at the given indices, or into ``n`` nearly equal parts
    (NumPy's ``array_split``).

    Args:
        input: a Tensor.
        indices_or_sections: an int n (parts whose sizes differ by at most one; the first
            ``size % n`` are larger), or a list/1-D integer Tensor of split indices.
        dim: the dimension to split.

    Returns:
        tuple of Tensors: views of ``input``.
    """
    check_tensor("tensor_split", "input", input)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = check_dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    s = indices_or_sections
    if isinstance(s, TensorBase):
        arr = index_array("tensor_split", s, "indices_or_sections")
        if arr.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor")
        s = int(arr) if arr.ndim == 0 else [int(v) for v in arr]
    if is_int(s):
        if s <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {s}")
        q, r = divmod(n, s)
        sizes = [q + 1] * r + [q] * (s - r)
        return _pieces(input, d, np.cumsum([0] + sizes).tolist())
    if not isinstance(s, (list, tuple)) or not all(is_int(v) for v in s):
        raise TypeError(f"tensor_split(): indices_or_sections must be an int, a list of ints "
                        f"or an integer Tensor, got {s!r}")
    bounds = [0] + [min(max(v + n if v < 0 else v, 0), n) for v in s] + [n]
    return _pieces(input, d, bounds)


@method
def unbind(input, dim=0):
    """The views of ``input`` at each index along ``dim`` (that dimension removed).

    Args:
        input: a Tensor.
        dim: the dimension to take apart.

    Returns:
        tuple of Tensors: ``input.shape[dim]`` views.
    """
    check_tensor("unbind", "input", input)
    if input.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    d = check_dim(dim, input.ndim, "unbind")
    return tuple(S.GetItem.apply(input, index=(slice(None),) * d + (i,))
                 for i in range(input.shape[d]))


@method
def movedim(input, source, destination):
    """Move dimensions ``source`` to positions ``destination`` (the others keep their order).

    Args:
        input: a Tensor.
        source: an int or a tuple of ints.
        destination: an int or a tuple of ints, as many as ``source``.

    Returns:
        Tensor: a view with permuted dimensions.
    """
    check_tensor("movedim", "input", input)
    src = int_list(source, "movedim", "source")
    dst = int_list(destination, "movedim", "destination")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    nd = input.ndim
    src = [normalize_dims(s, nd, "movedim")[0] for s in src]
    dst = [normalize_dims(s, nd, "movedim")[0] for s in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, *order) if nd else input


@method
def moveaxis(input, source, destination):
    """Alias of ``movedim`` (NumPy's name).

    Args:
        input: a Tensor.
        source: an int or a tuple of ints.
        destination: an int or a tuple of ints.

    Returns:
        Tensor: a view with permuted dimensions.
    """
    return movedim(input, source, destination)


@method
def swapaxes(input, axis0, axis1):
    """Exchange two dimensions (NumPy's name of ``transpose``).

    Args:
        input: a Tensor.
        axis0: one dimension.
        axis1: the other.

    Returns:
        Tensor: a view.
    """
    check_tensor("swapaxes", "input", input)
    return transpose(input, axis0, axis1)


@method
def swapdims(input, dim0, dim1):
    """Exchange two dimensions (an alias of ``transpose``).

    Args:
        input: a Tensor.
        dim0: one dimension.
        dim1: the other.

    Returns:
        Tensor: a view.
    """
    check_tensor("swapdims", "input", input)
    return transpose(input, dim0, dim1)


@method
def unflatten(input, dim, sizes):
    """Expand dimension ``dim`` into several of the given sizes (one may be -1).

    Args:
        input: a Tensor.
        dim: the dimension to expand.
        sizes: a tuple of sizes whose product is ``input.shape[dim]``.

    Returns:
        Tensor: a view (when ``input``'s layout allows) with the new dimensions.
    """
    check_tensor("unflatten", "input", input)
    d = check_dim(dim, input.ndim, "unflatten")
    sizes = int_list(sizes, "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input.shape[d]
    known = int(np.prod([s for s in sizes if s != -1], dtype=np.int64))
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or \
            (-1 not in sizes and known != n):
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({n}) in the input tensor")
    sizes = [n // known if s == -1 else s for s in sizes]
    return reshape(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


@method
def broadcast_to(input, size):
    """``input`` broadcast to ``size`` (a read-only view, as ``expand``).

    Args:
        input: a Tensor.
        size: the target shape (-1 keeps a dimension).

    Returns:
        Tensor: a view of shape ``size``.
    """
    check_tensor("broadcast_to", "input", input)
    return input.expand(*shape_arg((size,)))


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to.

    Args:
        *shapes: shapes (tuples or ints).

    Returns:
        tuple: the broadcast shape.
    """
    try:
        return tuple(int(s) for s in np.broadcast_shapes(*[
            (s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {shapes} cannot be broadcast") from None


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (views).

    Args:
        *tensors: Tensors.

    Returns:
        tuple of Tensors: of the broadcast shape.
    """
    for i, t in enumerate(tensors):
        check_tensor("broadcast_tensors", f"tensors[{i}]", t)
    try:
        shape = np.broadcast_shapes(*[t.shape for t in tensors])
    except ValueError:
        raise RuntimeError(f"broadcast_tensors: shapes {[tuple(t.shape) for t in tensors]} "
                           f"cannot be broadcast") from None
    return tuple(t if t.shape == shape else S.Expand.apply(t, shape=shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors (views of them, expanded).

    Args:
        *tensors: 0-d or 1-D Tensors (or one sequence of them).
        indexing: ``'ij'`` (matrix indexing, torch's default) or ``'xy'`` (Cartesian: the
            first two grids' dimensions swapped).

    Returns:
        tuple of Tensors: each of shape ``(len(t0), len(t1), ...)`` (first two swapped for
        'xy').
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        check_tensor("meshgrid", f"tensors[{i}]", t)
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got "
                               f"a tensor of shape {tuple(t.shape)}")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        out.append(S.Expand.apply(reshape(t, tuple(view)), shape=shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _atleast(tensors, n, op):
    single = len(tensors) == 1 and isinstance(tensors[0], TensorBase)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for i, t in enumerate(tensors):
        check_tensor(op, f"tensors[{i}]", t)
        s = t.shape
        if t.ndim < n:
            if n == 1 or t.ndim == 0:
                s = (1,) * n
            elif n == 2 or t.ndim == 2:
                s = (1,) + s if n == 2 else s + (1,)
            else:  # a vector in 3-d: (1, N, 1), as torch/NumPy
                s = (1,) + s + (1,)
        out.append(reshape(t, s) if s != t.shape else t)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (a 0-d tensor becomes shape (1,)).

    Args:
        *tensors: Tensors, or one sequence of them.

    Returns:
        Tensor (for one tensor) or a tuple of Tensors.
    """
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (new leading dimensions of size 1).

    Args:
        *tensors: Tensors, or one sequence of them.

    Returns:
        Tensor (for one tensor) or a tuple of Tensors.
    """
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions (NumPy's placement: (N,) -> (1, N, 1),
    (M, N) -> (M, N, 1)).

    Args:
        *tensors: Tensors, or one sequence of them.

    Returns:
        Tensor (for one tensor) or a tuple of Tensors.
    """
    return _atleast(tensors, 3, "atleast_3d")


def _seq(tensors, op):
    if isinstance(tensors, TensorBase) or not isinstance(tensors, (list, tuple)) \
            or not tensors:
        raise TypeError(f"{op}(): expected a non-empty sequence of Tensors")
    return list(tensors)


def hstack(tensors):
    """Concatenate along the second dimension (the first for 1-D tensors).

    Args:
        tensors: a sequence of Tensors.

    Returns:
        Tensor: the concatenation.
    """
    ts = _atleast(tuple(_seq(tensors, "hstack")), 1, "hstack")
    ts = ts if isinstance(ts, tuple) else (ts,)
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Stack rows: concatenate along the first dimension after ``atleast_2d``.

    Args:
        tensors: a sequence of Tensors.

    Returns:
        Tensor: the concatenation.
    """
    ts = _atleast(tuple(_seq(tensors, "vstack")), 2, "vstack")
    return cat(ts if isinstance(ts, tuple) else (ts,), 0)


def dstack(tensors):
    """Stack along the third dimension after ``atleast_3d``.

    Args:
        tensors: a sequence of Tensors.

    Returns:
        Tensor: the concatenation.
    """
    ts = _atleast(tuple(_seq(tensors, "dstack")), 3, "dstack")
    return cat(ts if isinstance(ts, tuple) else (ts,), 2)


def column_stack(tensors):
    """Stack 0-d/1-D tensors as columns (each becomes (N, 1)) and concatenate along dim 1.

    Args:
        tensors: a sequence of Tensors.

    Returns:
        Tensor: the concatenation.
    """
    ts = []
    for i, t in enumerate(_seq(tensors, "column_stack")):
        check_tensor("column_stack", f"tensors[{i}]", t)
        ts.append(reshape(t, (t._data.size, 1)) if t.ndim <= 1 else t)
    return cat(ts, 1)


@method
def tile(input, dims):
    """Repeat ``input`` along each dimension (``dims`` shorter than ``input.ndim`` is padded
    with ones in front, as torch).

    Args:
        input: a Tensor.
        dims: the repetitions per dimension (a tuple of ints).

    Returns:
        Tensor: a new tensor.
    """
    check_tensor("tile", "input", input)
    dims = int_list(dims, "tile", "dims")
    if any(d < 0 for d in dims):
        raise RuntimeError(f"tile: Trying to create tensor with negative dimension: {dims}")
    dims = [1] * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


@method
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times, in place order.

    With ``input`` a 1-D integer tensor and no ``repeats``, it is torch's one-argument form:
    ``i`` repeated ``input[i]`` times.

    Args:
        input: a Tensor.
        repeats: an int, or a 1-D integer Tensor with one count per element/slice.
        dim: the dimension to repeat along; None repeats the flattened tensor.
        output_size: the total length (accepted for torch's signature; checked).

    Returns:
        Tensor: the repeated tensor; gradients of the copies add up.
    """
    check_tensor("repeat_interleave", "input", input)
    if repeats is None:
        counts = index_array("repeat_interleave", input, "repeats")
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeat_interleave: Repeats must be non-negative")
        return input._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts), False,
                           None)
    x = reshape(input, -1) if dim is None else input
    d = 0 if dim is None else check_dim(dim, input.ndim, "repeat_interleave")
    if x.ndim == 0:
        x = reshape(x, 1)
    n = x.shape[d]
    if isinstance(repeats, TensorBase):
        r = index_array("repeat_interleave", repeats, "repeats")
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        if r.size not in (1, n):
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim, but got repeats.size(0) = {r.size} and "
                               f"input.size({d}) = {n}")
        r = r.reshape(-1)
    elif is_int(repeats):
        r = np.asarray([repeats], dtype=np.int64)
    else:
        raise TypeError(f"repeat_interleave(): repeats must be an int or a Tensor, not "
                        f"{type(repeats).__name__}")
    if r.size and r.min() < 0:
        raise RuntimeError("repeat_interleave: Repeats must be non-negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(r, (n,)))
    if output_size is not None and output_size != idx.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"total of repeats ({idx.size})")
    return I.IndexSelect.apply(x, dim=d, index=idx)
