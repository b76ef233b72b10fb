"""Reductions: sum, mean, prod, max/min (full and along a dim), amax/amin, var/std, logsumexp,
vector norms.

Legend: x input, y output, gy/gx gradients; ``axes`` is the tuple of reduced axes.  Backward
rules are written with ops, so they differentiate again.
"""
import numpy as np

from .._engine import Op
from .elementwise import Abs, Add, Div, Exp, Mul, Pow, Sub, Where, const
from .index import Flip
from .scan import Cumprod
from .shape import Cat, Expand, GetItem, IndexScatter, Permute, Reshape


def _expand_back(g, shape, axes, keepdim):
    """Re-insert reduced axes (when keepdim was False) and broadcast to ``shape``."""
    if not keepdim and shape:
        kept = list(shape)
        for a in axes:
            kept[a] = 1
        g = Reshape.apply(g, shape=tuple(kept))
    return Expand.apply(g, shape=shape)


class Sum(Op):
    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Op):
    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.n = n
        return np.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, gy):
        scale = 1.0 / ctx.n if ctx.n else float("nan")
        return _expand_back(Mul.apply(gy, const(gy, scale)), ctx.shape, ctx.axes, ctx.keepdim)


class MaxAll(Op):
    """Max (or min) over every element; ties share the gradient evenly, as torch's max()."""

    category = "reduction"
    node_name = "MaxBackward1"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, mode):
        if x.size == 0:
            raise RuntimeError(
                f"{mode}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument.")
        y = np.max(x) if mode == "max" else np.min(x)
        mask = x == y
        ctx.share = mask / float(np.count_nonzero(mask))
        ctx.shape = x.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        return Mul.apply(Expand.apply(gy, shape=ctx.shape), const(gy, ctx.share))


def _along(idx, dim):
    """The NumPy advanced index that addresses ``idx`` (positions along ``dim``, with that dim
    kept at size 1) in an array whose other dims match idx's."""
    grids = list(np.ogrid[tuple(slice(0, n) for n in idx.shape)])
    grids[dim] = idx
    return tuple(grids)


class MaxDim(Op):
    """Max (or min) along one dim; returns (values, indices); the gradient goes to the index."""

    category = "reduction"
    node_name = "MaxBackward0"  # torch's name for this node
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, mode):
        if x.ndim == 0:
            ctx.shape, ctx.dim = x.shape, None
            return x.copy(), np.zeros((), dtype=np.int64)
        if x.shape[dim] == 0:
            raise IndexError(
                f"{mode}(): Expected reduction dim {dim} to have non-zero size "
                f"(input shape {x.shape})")
        idx = np.argmax(x, axis=dim) if mode == "max" else np.argmin(x, axis=dim)
        idx = np.expand_dims(idx, dim)
        y = np.take_along_axis(x, idx, axis=dim)
        ctx.shape, ctx.dim, ctx.keep_shape = x.shape, dim, idx.shape
        ctx.index = _along(idx, dim)
        if not keepdim:
            y = np.squeeze(y, dim)
            idx = np.squeeze(idx, dim)
        return y, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, gy):
        if ctx.dim is None:
            return gy
        gy = Reshape.apply(gy, shape=ctx.keep_shape)  # idx was taken with the dim kept
        return IndexScatter.apply(gy, shape=ctx.shape, index=ctx.index)


class Var(Op):
    """Variance with ``correction`` (1 = unbiased, torch's default); std when ``sqrt``."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim, sqrt):
        n = 1
        for a in axes:
            n *= x.shape[a]
        mu = np.mean(x, axis=axes, keepdims=True)
        d = x - mu
        denom = max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.sum(d * d, axis=axes, keepdims=keepdim) / float(denom) if denom else \
                np.full(np.sum(d, axis=axes, keepdims=keepdim).shape, np.nan, dtype=x.dtype)
            if sqrt:
                y = np.sqrt(y)
        y = np.asarray(y, dtype=x.dtype)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom, ctx.sqrt = x.shape, axes, keepdim, denom, sqrt
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        scale = 2.0 / ctx.denom if ctx.denom else float("nan")
        if ctx.sqrt:
            # d std = d var / (2 std)
            gy = Div.apply(gy, Add.apply(y, y))
        d = Sub.apply(x, Mean.apply(x, axes=ctx.axes, keepdim=True))
        g = _expand_back(Mul.apply(gy, const(gy, scale)), ctx.shape, ctx.axes, ctx.keepdim)
        return Mul.apply(g, d)


def _keep(y, shape, axes, keepdim):
    """The reduced result (array) with the reduced axes kept at size 1."""
    if keepdim or not shape:
        return y
    kept = list(shape)
    for a in axes:
        kept[a] = 1
    return y.reshape(kept)


class Prod(Op):
    """Product over ``axes``; torch's gradient: y / x, and where x has zeros the product of
    the other elements (exclusive products from two cumulative products, so it stays
    differentiable)."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        y = np.asarray(np.prod(x, axis=axes, keepdims=keepdim, dtype=x.dtype))
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.save_for_backward(x, y)  # y itself: the saved output, so it differentiates again
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        if not (x._data == 0).any():
            return Mul.apply(g, Div.apply(_expand_back(y, ctx.shape, ctx.axes, ctx.keepdim), x))
        return Mul.apply(g, _others_product(x, ctx.axes))


def _others_product(x, axes):
    """For each element, the product of the other elements of its reduced slice."""
    nd = x._data.ndim
    rest = [d for d in range(nd) if d not in axes]
    perm = tuple(rest + list(axes))
    xp = Permute.apply(x, dims=perm) if perm != tuple(range(nd)) else x
    shape_p = xp._data.shape
    lead = shape_p[:len(rest)]
    n = int(np.prod(shape_p[len(rest):], dtype=np.int64))
    xr = Reshape.apply(xp, shape=lead + (n,))  # (..., n): the slice last
    last = len(lead)
    ones = const(x, np.ones(lead + (1,)))
    head = GetItem.apply(xr, index=(Ellipsis, slice(0, n - 1)))
    tail = GetItem.apply(xr, index=(Ellipsis, slice(1, n)))
    left = Cumprod.apply(Cat.apply(ones, head, dim=last), dim=last)  # prod of x_j, j < k
    right = Flip.apply(Cumprod.apply(Flip.apply(Cat.apply(tail, ones, dim=last), dims=(last,)),
                                     dim=last), dims=(last,))  # prod of x_j, j > k
    others = Reshape.apply(Mul.apply(left, right), shape=shape_p)
    inv = tuple(int(i) for i in np.argsort(perm))
    return Permute.apply(others, dims=inv) if perm != tuple(range(nd)) else others


class Extremum(Op):
    """amax/amin over ``axes``: equal extreme elements share the gradient evenly (torch's)."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, mode):
        y = (np.max if mode == "max" else np.min)(x, axis=axes, keepdims=keepdim)
        yk = _keep(np.asarray(y), x.shape, axes, keepdim)
        hit = (x == yk) | (np.isnan(x) & np.isnan(yk)) if x.dtype.kind == "f" else x == yk
        ctx.share = hit / np.maximum(np.sum(hit, axis=axes, keepdims=True), 1).astype(x.dtype)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.asarray(y)

    @staticmethod
    def backward(ctx, gy):
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        return Mul.apply(g, const(gy, ctx.share))


class LogSumExp(Op):
    """log(sum(exp(x))) over ``axes``, shifted by the maximum (no overflow); infinite maxima
    are not shifted, so all -inf gives -inf and +inf gives +inf, as torch."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdim:
            y = np.squeeze(y, axis=axes) if axes else y
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        y = np.asarray(y, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        yk = _expand_back(y, ctx.shape, ctx.axes, ctx.keepdim)
        return Mul.apply(g, Exp.apply(Sub.apply(x, yk)))


def vector_norm_values(x, ord, axes, keepdim):
    """The ``ord``-norm of x's elements over ``axes``, in x's dtype (inf: max |x|, 0 for no
    elements; -inf: min |x|; 0: the number of nonzeros): the forward of every vector norm."""
    a = np.abs(x)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if ord == float("inf"):
            y = np.max(a, axis=axes, keepdims=keepdim, initial=0.0)
        elif ord == float("-inf"):
            y = np.min(a, axis=axes, keepdims=keepdim)
        elif ord == 0:
            y = np.sum(a != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        elif ord == 1:
            y = np.sum(a, axis=axes, keepdims=keepdim)
        elif ord == 2:
            y = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
        else:
            y = np.sum(a ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(y, dtype=x.dtype)


class VectorNorm(Op):
    """The ``ord``-norm of the elements over ``axes`` (inf: max |x|, -inf: min |x|, 0: the
    number of nonzeros); torch's gradients, with zero where the norm is zero."""

    category = "reduction"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):
        y = vector_norm_values(x, ord, axes, keepdim)
        ctx.ord, ctx.shape, ctx.axes, ctx.keepdim = ord, x.shape, axes, keepdim
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p = ctx.ord
        g = _expand_back(gy, ctx.shape, ctx.axes, ctx.keepdim)
        yk = _expand_back(y, ctx.shape, ctx.axes, ctx.keepdim)
        sgn = const(x, np.sign(x._data))
        if p == 0:
            return Mul.apply(g, const(g, 0.0))
        if p == 1:
            return Mul.apply(g, sgn)
        if p in (float("inf"), float("-inf")):
            ykd = yk._data
            hit = (np.abs(x._data) == ykd)
            share = hit / np.maximum(np.sum(hit, axis=ctx.axes, keepdims=True), 1)
            return Mul.apply(g, const(x, np.sign(x._data) * share))
        zero = np.broadcast_to(yk._data == 0, x._data.shape)
        if p == 2:
            scale = Div.apply(g, Where.apply(const(yk, 1.0), yk, cond=yk._data == 0))
            return Where.apply(const(x, 0.0), Mul.apply(x, scale), cond=zero)
        ax = Abs.apply(x)
        if p < 1:
            # sgn(x) |x|^(p-1), zero where x is zero, times g * y^(1-p)
            xz = x._data == 0
            scaled = Mul.apply(sgn, Pow.apply(Where.apply(const(x, 1.0), ax, cond=xz),
                                              const(x, p - 1.0)))
            scaled = Where.apply(const(x, 0.0), scaled, cond=xz)
            return Mul.apply(scaled, Mul.apply(g, Pow.apply(yk, const(yk, 1.0 - p))))
        if p < 2:
            scaled = Mul.apply(sgn, Pow.apply(ax, const(x, p - 1.0)))
        else:
            scaled = Mul.apply(x, Pow.apply(ax, const(x, p - 2.0)))
        safe = Where.apply(const(yk, 1.0), yk, cond=yk._data == 0)
        scale = Div.apply(g, Pow.apply(safe, const(yk, p - 1.0)))
        return Where.apply(const(x, 0.0), Mul.apply(scaled, scale), cond=zero)
