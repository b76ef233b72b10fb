"""Shape ops: reshape, permute, expand, cat, stack, indexing, and the scatters that are their
gradients (and the in-place writes into views).

Legend: x input, y output, gy/gx gradients.  Backward rules are written with these same ops,
so they differentiate again.  ``view = True`` ops may return a view of x (NumPy decides, as
torch's ``reshape`` does); the engine then shares x's storage version with the result.
"""
import numpy as np

from .._engine import Op, storage_root
from .elementwise import Mul


class Reshape(Op):
    category = "layout"
    node_name = "ViewBackward0"  # torch's name for this node
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return Reshape.apply(gy, shape=ctx.in_shape)


class Unsqueeze(Reshape):
    """A reshape that adds a size-1 dimension (torch's node name for it)."""

    node_name = "UnsqueezeBackward0"


class SqueezeDim(Reshape):
    """A reshape that removes a size-1 dimension given by number (torch's node name)."""

    node_name = "SqueezeBackward4"


class UnsafeView(Reshape):
    """A reshape of a fresh result back to its caller's shape (torch's node name for the
    reshape ending matmul-based ops such as ``linear`` without a bias)."""

    node_name = "UnsafeViewBackward0"


class Permute(Op):
    category = "layout"
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inv = tuple(int(i) for i in np.argsort(dims))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, gy):
        return Permute.apply(gy, dims=ctx.inv)


class T(Permute):
    """The transpose of a 2-D tensor (torch's ``t``; dims=(1, 0))."""

    node_name = "TBackward0"


class Expand(Op):
    """Broadcast to a larger shape (a read-only view); the engine sums the gradient back."""

    category = "layout"
    node_name = "ExpandBackward0"  # torch's name for this node
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        if shape == x.shape:
            return x.view()  # nothing repeated: a writable view, as torch's
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy


class Contiguous(Op):
    """A C-contiguous copy (identity for the gradient)."""

    category = "layout"
    node_name = "CloneBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.copy(order="C")

    @staticmethod
    def backward(ctx, gy):
        return gy


class Cat(Op):
    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [x.shape[dim] for x in xs]).tolist()
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        out = []
        lead = (slice(None),) * ctx.dim
        for i, need in enumerate(ctx.needs_input_grad):
            sl = lead + (slice(ctx.bounds[i], ctx.bounds[i + 1]),)
            out.append(GetItem.apply(gy, index=sl) if need else None)
        return tuple(out)


class Stack(Op):
    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        lead = (slice(None),) * ctx.dim
        return tuple(GetItem.apply(gy, index=lead + (i,)) if need else None
                     for i, need in enumerate(ctx.needs_input_grad))


def is_advanced_index(index):
    """True when ``index`` uses integer-array or boolean indexing (NumPy 'advanced')."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


class GetItem(Op):
    """y = x[index] (basic indexing gives a view of x); repeated integer indices accumulate
    their gradients."""

    category = "layout"
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        y = x[index]
        if type(y) is not np.ndarray:
            # every dimension indexed by an int: NumPy returns a scalar copy, torch a 0-d
            # view; a trailing Ellipsis makes NumPy return the view too
            y = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return y

    @staticmethod
    def backward(ctx, gy):
        return IndexScatter.apply(gy, shape=ctx.shape, index=ctx.index)


class IndexScatter(Op):
    """gx = zeros(shape) with gy added at ``index`` (GetItem's gradient, and its adjoint)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, shape, index):
        ctx.index = index
        gx = np.zeros(shape, dtype=gy.dtype)
        if is_advanced_index(index):
            np.add.at(gx, index, gy)
        else:
            gx[index] = gy
        return gx

    @staticmethod
    def backward(ctx, ggx):
        return GetItem.apply(ggx, index=ctx.index)


class PutFlat(Op):
    """y = a copy of x whose elements at flat (C-order) positions ``pos`` are ``values``
    (values of pos's shape): the differentiable form of an in-place write into a view or an
    indexed assignment."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, values, pos):
        ctx.pos = pos
        y = np.array(x, order="C", copy=True)
        y.reshape(-1)[pos] = values
        return y

    @staticmethod
    def backward(ctx, gy):
        pos = ctx.pos
        gx = gv = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(gy.shape, dtype=gy.dtype)
            keep.reshape(-1)[pos] = 0
            gx = _mul_const(gy, keep)
        if ctx.needs_input_grad[1]:
            gv = GetItem.apply(Reshape.apply(gy, shape=(-1,)), index=pos)
        return gx, gv


def _mul_const(t, arr):
    """t * arr for a constant array (the gradient of a masked copy)."""
    return Mul.apply(t, t._make(arr, False, None))


def _windows(x, dim, size, step):
    """The windows of ``size`` every ``step`` along ``dim`` of x, as a new last dim: an array
    over x's memory (its owner as the buffer, so the result is a view of that storage);
    written to only when the windows do not overlap."""
    root = storage_root(x)
    n = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)  # (..., n, ..., size)
    st = x.strides
    strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        # memory owned by a strided array (a NumPy sliding window given to from_numpy): a
        # read-only window array over x, not recognised as a view of x's storage
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    y = np.ndarray(shape, x.dtype, buffer=root, offset=offset, strides=strides)
    if not x.flags.writeable or step < size:
        y.flags.writeable = False  # overlapping windows: one element, several places
    return y


class UnfoldDim(Op):
    """y[..., i, ..., k] = x[..., i * step + k, ...]: the windows of ``size`` every ``step``
    along ``dim`` as a new last dim (Tensor.unfold), a view of x."""

    category = "layout"
    view = True
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        return _windows(x, dim, size, step)

    @staticmethod
    def backward(ctx, gy):
        dim, size, step = ctx.args
        return UnfoldDimBackward.apply(gy, shape=ctx.shape, dim=dim, size=size, step=step)


class UnfoldDimBackward(Op):
    """gx = the windows gy (..., n, ..., size) summed back into x's ``shape``: UnfoldDim's
    adjoint (overlapping windows add up)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, shape, dim, size, step):
        ctx.args = (dim, size, step)
        gx = np.zeros(shape, dtype=gy.dtype)
        n = gy.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):  # window offset k: positions k, k + step, ... (distinct)
            gx[lead + (slice(k, k + step * (n - 1) + 1, step),)] += gy[..., k]
        return gx

    @staticmethod
    def backward(ctx, ggx):
        dim, size, step = ctx.args
        return UnfoldDim.apply(ggx, dim=dim, size=size, step=step)
