"""Indexing ops along a dimension: gather, the scatters (add, replace, reductions), index_select
and index_add, diagonals, flips, rolls and triangles.

Legend: x input (the tensor written into, for scatters), src the values scattered, y output,
gy/gx/gsrc gradients; ``index`` is an int64 ndarray parameter (not differentiable) and ``dim``
a non-negative axis.  ``pos`` holds the flat (C-order) positions in y that the elements of
``index`` address.  Accumulation runs NumPy's unbuffered ``ufunc.at`` on a flat array (its
fast path).  Backward rules are written with ops, so they differentiate again.
"""
import numpy as np

from .._engine import Op
from .elementwise import Div, Mul, Where, const
from .shape import IndexScatter

__all__ = ["Gather", "ScatterAdd", "Scatter", "ScatterReduce", "IndexSelect", "IndexAdd",
           "Diagonal", "DiagonalScatter", "Flip", "Roll", "Tril", "along_positions",
           "row_positions"]


def along_positions(index, dim, shape):
    """Flat positions, in an array of ``shape``, of the elements ``index`` addresses along
    ``dim`` (every other coordinate is the element's own): an int64 array of index's shape."""
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1]  # C-order element strides
    pos = index.astype(np.int64) * int(strides[dim])
    for d, n in enumerate(index.shape):
        if d != dim and n > 1:
            view = [1] * index.ndim
            view[d] = n
            pos = pos + (np.arange(n, dtype=np.int64) * int(strides[d])).reshape(view)
    return np.broadcast_to(pos, index.shape)


def row_positions(index, dim, shape):
    """Flat positions, in an array of ``shape``, of the slices ``index`` (1-D) selects along
    ``dim``: an int64 array of ``shape`` with ``len(index)`` at ``dim``."""
    pre = int(np.prod(shape[:dim], dtype=np.int64))
    post = int(np.prod(shape[dim + 1:], dtype=np.int64))
    n = shape[dim]
    pos = ((np.arange(pre, dtype=np.int64)[:, None, None] * n + index[None, :, None]) * post
           + np.arange(post, dtype=np.int64)[None, None, :])
    return pos.reshape(shape[:dim] + (len(index),) + shape[dim + 1:])


def _leading(a, shape, dim):
    """``a`` cut to ``shape`` in every dimension but ``dim`` (gather reads only the leading
    part of a larger input, as torch does)."""
    if a.shape[:dim] + a.shape[dim + 1:] == shape[:dim] + shape[dim + 1:]:
        return a
    return a[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(shape))]


def _head(a, shape):
    """``a`` cut to ``shape`` (a scatter reads only the leading part of a larger src)."""
    if a.shape == tuple(shape):
        return a
    return a[tuple(slice(0, n) for n in shape)]


class Gather(Op):
    """y[i][j][k] = x[i][index[i][j][k]][k] (dim 1): values picked along ``dim``."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return np.take_along_axis(_leading(x, index.shape, dim), index, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return ScatterAdd.apply(None, gy, dim=ctx.dim, index=ctx.index, shape=ctx.shape)


class ScatterAdd(Op):
    """y = x with src[i][j][k] added at y[i][index[i][j][k]][k] (dim 1); x None means zeros of
    ``shape``.  Repeated indices accumulate."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, src, dim, index, shape=None):
        ctx.dim, ctx.index = dim, index
        y = np.zeros(shape, dtype=src.dtype) if x is None else np.array(x, order="C")
        pos = along_positions(index, dim, y.shape)
        np.add.at(y.reshape(-1), pos.reshape(-1), _head(src, index.shape).reshape(-1))
        ctx.src_shape = src.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, ns = ctx.needs_input_grad
        gsrc = None
        if ns:
            gsrc = _pad_to(Gather.apply(gy, dim=ctx.dim, index=ctx.index), ctx.src_shape)
        return (gy if nx else None), gsrc


def _pad_to(g, shape):
    """``g`` placed at the start of zeros of ``shape`` (the gradient of a leading part)."""
    if g._data.shape == tuple(shape):
        return g
    return IndexScatter.apply(g, shape=tuple(shape),
                              index=tuple(slice(0, n) for n in g._data.shape))


class Scatter(Op):
    """y = x with y[i][index[i][j][k]][k] = src[i][j][k] (dim 1); with several writes to one
    place the last wins (torch leaves it unspecified)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, src, dim, index):
        y = np.array(x, order="C")
        pos = along_positions(index, dim, y.shape).reshape(-1)
        y.reshape(-1)[pos] = _head(src, index.shape).reshape(-1)
        ctx.dim, ctx.index, ctx.pos, ctx.src_shape = dim, index, pos, src.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, ns = ctx.needs_input_grad
        gx = gsrc = None
        if nx:
            keep = np.ones(gy._data.shape, dtype=bool)
            keep.reshape(-1)[ctx.pos] = False
            gx = Mul.apply(gy, const(gy, keep))
        if ns:
            gsrc = _pad_to(Gather.apply(gy, dim=ctx.dim, index=ctx.index), ctx.src_shape)
        return gx, gsrc


_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
       "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


class ScatterReduce(Op):
    """y = x with the src values reduced (sum, prod, mean, amax, amin) into the places
    ``index`` addresses along ``dim``; ``include_self`` says whether x's value there takes part.
    Places no index addresses keep x's value.  ``no_grad_name`` makes backward refuse (torch's
    ``scatter(reduce=...)`` has no derivative)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce, include_self=True, no_grad_name=None):
        y = np.array(x, order="C")
        flat = y.reshape(-1)
        pos = along_positions(index, dim, y.shape).reshape(-1)
        s = _head(src, index.shape).reshape(-1)
        touched = np.zeros(y.size, dtype=bool)
        touched[pos] = True
        if not include_self:
            flat[touched] = _identity(reduce, y.dtype)
        _AT[reduce].at(flat, pos, s)
        if reduce == "mean":
            count = np.bincount(pos, minlength=y.size).astype(y.dtype) + int(include_self)
            count[~touched] = 1
            if y.dtype.kind == "f":
                flat /= count
            else:
                flat //= count.astype(y.dtype)
            ctx.count = count.reshape(y.shape)
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.touched, ctx.pos, ctx.src_shape = touched.reshape(y.shape), pos, src.shape
        ctx.no_grad_name = no_grad_name
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(x, src, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        if ctx.no_grad_name:
            raise RuntimeError(f"the derivative for '{ctx.no_grad_name}' is not implemented")
        nx, ns = ctx.needs_input_grad
        dim, index, reduce = ctx.dim, ctx.index, ctx.reduce
        touched = ctx.touched
        untouched = const(gy, ~touched)

        def gather(t):
            return _pad_to(Gather.apply(t, dim=dim, index=index), ctx.src_shape)

        gx = gsrc = None
        if reduce == "sum":
            gx = gy if ctx.include_self else Mul.apply(gy, untouched)
            gsrc = gather(gy) if ns else None
        elif reduce == "mean":
            g = Div.apply(gy, const(gy, ctx.count))
            gx = g if ctx.include_self else Mul.apply(gy, untouched)
            gsrc = gather(g) if ns else None
        elif reduce in ("amax", "amin"):
            x, src, y = ctx.saved_tensors
            # ties share the gradient evenly, x's own value included when it takes part
            s = _head(src._data, index.shape)
            y_at = np.take_along_axis(_leading(y._data, index.shape, dim), index, axis=dim)
            src_wins = s == y_at
            x_wins = (x._data == y._data) & touched if ctx.include_self else \
                np.zeros(touched.shape, dtype=bool)
            n = x_wins.astype(gy._data.dtype)
            np.add.at(n.reshape(-1), ctx.pos, src_wins.reshape(-1).astype(n.dtype))
            n[~touched] = 1
            g = Div.apply(gy, const(gy, n))
            gx = Where.apply(gy, Mul.apply(g, const(gy, x_wins)), cond=~touched)
            if ns:
                gsrc = _pad_to(Mul.apply(Gather.apply(g, dim=dim, index=index),
                                         const(gy, src_wins)), ctx.src_shape)
        else:
            x, src, y = ctx.saved_tensors
            gx, gsrc = _prod_backward(ctx, gy, x, src, y, ns)
        return (gx if nx else None), gsrc


def _prod_backward(ctx, gy, x, src, y, ns):
    """torch's rule for a scattered product: divide out the factor, and where it is zero use
    the product of the others (recomputed with that zero replaced by one)."""
    dim, index, inc = ctx.dim, ctx.index, ctx.include_self
    touched = ctx.touched
    gx = gsrc = None
    if inc:
        xz = x._data == 0
        x1 = Where.apply(const(x, 1), x, cond=xz)
        y1 = ScatterReduce.apply(x1, src, dim=dim, index=index, reduce="prod")
        gx = Where.apply(Div.apply(Mul.apply(gy, y1), x1), gy, cond=touched)
    else:
        gx = Mul.apply(gy, const(gy, ~touched))
    if ns:
        s = _head(src._data, index.shape)
        sz = s == 0
        nz = np.zeros(touched.size, dtype=np.int64)
        np.add.at(nz, ctx.pos, sz.reshape(-1).astype(np.int64))
        single = sz & (nz[along_positions(index, dim, touched.shape)] == 1)
        s1 = Where.apply(const(src, 1), src, cond=_pad_mask(single, src._data.shape))
        y1 = ScatterReduce.apply(x, s1, dim=dim, index=index, reduce="prod", include_self=inc)
        gy_y = Mul.apply(gy, y)
        s_safe = Where.apply(const(src, 1), src, cond=src._data == 0)
        other = Div.apply(_pad_to(Gather.apply(gy_y, dim=dim, index=index), src._data.shape),
                          s_safe)
        at_zero = _pad_to(Gather.apply(Mul.apply(gy, y1), dim=dim, index=index),
                          src._data.shape)
        gsrc = Where.apply(at_zero, other, cond=_pad_mask(single, src._data.shape))
    return gx, gsrc


def _pad_mask(mask, shape):
    if mask.shape == tuple(shape):
        return mask
    out = np.zeros(shape, dtype=bool)
    out[tuple(slice(0, n) for n in mask.shape)] = mask
    return out


class IndexSelect(Op):
    """y = x's slices ``index`` (1-D) along ``dim``, in that order (repeats allowed)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(None, gy, dim=ctx.dim, index=ctx.index, shape=ctx.shape)


class IndexAdd(Op):
    """y = x with src's slice j added to slice ``index[j]`` along ``dim`` (x None: zeros of
    ``shape``); ``alpha`` scales src."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, src, dim, index, shape=None, alpha=1):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        y = np.zeros(shape, dtype=src.dtype) if x is None else np.array(x, order="C")
        pos = row_positions(index, dim, y.shape)
        vals = src if alpha == 1 else src * np.asarray(alpha, dtype=src.dtype)
        np.add.at(y.reshape(-1), pos.reshape(-1), np.ascontiguousarray(vals).reshape(-1))
        return y

    @staticmethod
    def backward(ctx, gy):
        nx, ns = ctx.needs_input_grad
        gsrc = None
        if ns:
            gsrc = IndexSelect.apply(gy, dim=ctx.dim, index=ctx.index)
            if ctx.alpha != 1:
                gsrc = Mul.apply(gsrc, const(gsrc, ctx.alpha))
        return (gy if nx else None), gsrc


class Diagonal(Op):
    """y = the diagonal ``offset`` of the planes (dim1, dim2), as the last dim: a view."""

    category = "layout"
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        y = np.diagonal(x, offset, dim1, dim2)
        if x.flags.writeable:
            y.flags.writeable = True  # torch's diagonal is a writable view
        return y

    @staticmethod
    def backward(ctx, gy):
        return DiagonalScatter.apply(gy, shape=ctx.shape, offset=ctx.args[0],
                                     dim1=ctx.args[1], dim2=ctx.args[2])


class DiagonalScatter(Op):
    """y = zeros of ``shape`` with g (the diagonal, as the last dim) written on the diagonal
    ``offset`` of the planes (dim1, dim2): diag_embed, and Diagonal's gradient."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, g, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        y = np.zeros(shape, dtype=g.dtype)
        d = np.diagonal(y, offset, dim1, dim2)
        d.flags.writeable = True
        d[...] = g
        return y

    @staticmethod
    def backward(ctx, gy):
        offset, dim1, dim2 = ctx.args
        return Diagonal.apply(gy, offset=offset, dim1=dim1, dim2=dim2)


class Flip(Op):
    """y = x reversed along ``dims`` (a copy, as torch's flip)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, dims=ctx.dims)


class Roll(Op):
    """y = x rolled by ``shifts`` along ``dims`` (dims None: the flattened tensor)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, gy):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(gy, shifts=back, dims=ctx.dims)


class Tril(Op):
    """The lower (``upper=False``) or upper triangle of the last two dims, from diagonal
    ``k`` on; the rest zero."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, k, upper):
        ctx.k, ctx.upper = k, upper
        return np.triu(x, k) if upper else np.tril(x, k)

    @staticmethod
    def backward(ctx, gy):
        return Tril.apply(gy, k=ctx.k, upper=ctx.upper)
