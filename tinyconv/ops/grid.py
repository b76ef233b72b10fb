"""Sampling an image at arbitrary positions: torch's ``grid_sampler`` (``F.grid_sample``) and
the base grid of ``F.affine_grid``.

Legend: x (N, C, *S) the input with spatial sizes S = (H, W) or (D, H, W); grid (N, *O, d) the
positions in [-1, 1], component 0 along W (x), 1 along H (y), 2 along D (z); O the output's
spatial shape, L = prod(O); y (N, C, *O).

The sampler is a composition of ops, so every gradient (input and grid, and their second
derivatives) follows from theirs.  In NumPy, each spatial axis gets the source coordinate of
every output point with torch's padding rules, together with its derivative with respect to
the grid (``_source``: the coordinate is piecewise affine in the grid, and torch counts the
borders as outside, where the derivative is zero).  The interpolation weights are then ops on
the grid (``slope * grid + offset`` minus the corner's integer position), and the values at
the corners are picked with ``GatherPoints``, whose adjoint ``ScatterPoints`` is its gradient.
"""
import itertools

import numpy as np

from .._engine import Op
from .elementwise import Add, Mul, Sub, const
from .linalg import MatMul, _swap
from .shape import GetItem, Reshape

__all__ = ["GatherPoints", "ScatterPoints", "AffineGrid", "grid_sample", "affine_base_grid"]

CUBIC_A = -0.75  # torch's cubic convolution constant


class GatherPoints(Op):
    """y[n, c, l] = x[n, c, index[n, l]] for x (N, C, S) with flat spatial positions and index
    (N, L); every channel is picked at the same positions."""

    category = "sampling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.size = index, x.shape[2]
        return np.take_along_axis(x, index[:, None, :], axis=2)  # (N, C, L)

    @staticmethod
    def backward(ctx, gy):
        return ScatterPoints.apply(gy, index=ctx.index, size=ctx.size)


class ScatterPoints(Op):
    """y[n, c, s] = sum of g[n, c, l] over the l with index[n, l] == s: ``GatherPoints``'s
    adjoint (repeated positions accumulate)."""

    category = "sampling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, g, index, size):
        ctx.index = index
        N, C, L = g.shape
        rows = np.arange(N * C, dtype=np.int64)[:, None] * size  # (N*C, 1)
        flat = rows + np.repeat(index, C, axis=0)  # (N*C, L): row n*C + c uses index[n]
        y = np.bincount(flat.reshape(-1), weights=g.reshape(-1), minlength=N * C * size)
        return y.astype(g.dtype, copy=False).reshape(N, C, size)

    @staticmethod
    def backward(ctx, gy):
        return GatherPoints.apply(gy, index=ctx.index)


# ----------------------------------------------------------------------------- coordinates
def _clip(c, slope, size):
    """torch's clip_coordinates_set_grad: into [0, size - 1]; the borders count as outside."""
    inside = (c > 0) & (c < size - 1)
    return np.clip(c, 0, size - 1), np.where(inside, slope, 0)


def _reflect(c, slope, twice_low, twice_high):
    """torch's reflect_coordinates_set_grad: c reflected into [twice_low/2, twice_high/2]."""
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(slope)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = c - low
    sign = np.where(c < 0, -1, 1).astype(c.dtype)
    c = np.abs(c)
    extra, flips = np.fmod(c, span), np.floor(c / span)
    even = flips % 2 == 0
    return (np.where(even, extra + low, span - extra + low),
            slope * np.where(even, sign, -sign))


def _padded(c, slope, size, padding_mode, align_corners):
    """torch's compute_coordinates (with its gradient factor)."""
    if padding_mode == "border":
        c, slope = _clip(c, slope, size)
    elif padding_mode == "reflection":
        if align_corners:
            c, slope = _reflect(c, slope, 0, 2 * (size - 1))
        else:
            c, slope = _reflect(c, slope, -1, 2 * size - 1)
        c, slope = _clip(c, slope, size)
    # torch's safe_downgrade_to_int_range: non-finite or huge positions fall outside
    bad = ~np.isfinite(c) | (np.abs(c) > 2.0 ** 31 - 2)
    if bad.any():
        c = np.where(bad, -100.0, c).astype(c.dtype)
    return c, slope


def _unnormalized(g, size, align_corners):
    """(coordinate, d coordinate / d g) of grid values g along an axis of ``size``."""
    if align_corners:
        return ((g + 1) / 2) * (size - 1), (size - 1) / 2
    return ((g + 1) * size - 1) / 2, size / 2


def _source(g, size, padding_mode, align_corners):
    """The source coordinate of every output point along one axis and its derivative."""
    c, slope = _unnormalized(g, size, align_corners)
    return _padded(c, np.full_like(g, slope), size, padding_mode, align_corners)


# ----------------------------------------------------------------------------- the sampler
def _linear_in_grid(gk, slope, offset):
    """The Tensor ``slope * gk + offset`` (constants slope and offset of gk's shape)."""
    return Add.apply(Mul.apply(gk, const(gk, slope)), const(gk, offset))


def _corner(ints, size):
    """(index clipped into the axis, in-bounds mask) of integer positions."""
    inside = (ints >= 0) & (ints < size)
    return np.clip(ints, 0, size - 1), inside


def _weighted_sum(xs, terms, N, L):
    """sum over the terms (flat index (N, L), weight Tensor (N, *O) or None, mask or None) of
    GatherPoints(xs, index) * weight * mask."""
    y = None
    for index, w, mask in terms:
        v = GatherPoints.apply(xs, index=index.reshape(N, L))  # (N, C, L)
        if mask is not None and not mask.all():
            m = mask.reshape(N, 1, L).astype(xs._data.dtype)
            w = const(v, m) if w is None else Mul.apply(Reshape.apply(w, shape=(N, 1, L)),
                                                        const(v, m))
        elif w is not None:
            w = Reshape.apply(w, shape=(N, 1, L))
        if w is not None:
            v = Mul.apply(v, w)
        y = v if y is None else Add.apply(y, v)
    return y


def _cubic_weights(t):
    """torch's four cubic convolution coefficients of the fractional positions t (Tensors)."""
    A = CUBIC_A

    def poly(u, coeffs):
        acc = Mul.apply(u, const(u, coeffs[0]))
        for c in coeffs[1:-1]:
            acc = Mul.apply(Add.apply(acc, const(u, c)), u)
        return Add.apply(acc, const(u, coeffs[-1]))

    near = (A + 2, -(A + 3), 0.0, 1.0)      # |u| <= 1
    far = (A, -5 * A, 8 * A, -4 * A)        # 1 < |u| < 2
    one, two = const(t, 1.0), const(t, 2.0)
    return [poly(Add.apply(t, one), far), poly(t, near), poly(Sub.apply(one, t), near),
            poly(Sub.apply(two, t), far)]


def grid_sample(x, grid, mode, padding_mode, align_corners):
    """torch's grid_sampler on Tensors (arguments already checked): y (N, C, *O)."""
    N, C = x._data.shape[:2]
    S = x._data.shape[2:]
    O = grid._data.shape[1:-1]
    nd, L = len(S), int(np.prod(O, dtype=np.int64))
    g = grid._data
    strides = [int(np.prod(S[a + 1:], dtype=np.int64)) for a in range(nd)]
    xs = Reshape.apply(x, shape=(N, C, int(np.prod(S, dtype=np.int64))))
    axes = []  # per spatial axis: (size, stride, component k of the grid)
    for a in range(nd):
        axes.append((S[a], strides[a], nd - 1 - a))
    if mode == "nearest":
        index, mask = 0, True
        for size, stride, k in axes:
            c, _ = _source(g[..., k], size, padding_mode, align_corners)
            i, inside = _corner(np.rint(c).astype(np.int64), size)
            index, mask = index + i * stride, mask & inside
        y = _weighted_sum(xs, [(index, None, mask)], N, L)
    elif mode == "bilinear":
        per_axis = []
        for size, stride, k in axes:
            gk = GetItem.apply(grid, index=(Ellipsis, k))  # (N, *O)
            c, slope = _source(g[..., k], size, padding_mode, align_corners)
            lo = np.floor(c)
            f = _linear_in_grid(gk, slope, c - lo - slope * g[..., k])  # c - lo, in the grid
            lo = lo.astype(np.int64)
            per_axis.append([(*_corner(lo, size), Sub.apply(const(f, 1.0), f), stride),
                             (*_corner(lo + 1, size), f, stride)])
        y = _weighted_sum(xs, _terms(per_axis), N, L)
    else:  # bicubic, 2-D: taps at floor - 1 .. floor + 2, each padded on its own
        per_axis = []
        for size, stride, k in axes:
            gk = GetItem.apply(grid, index=(Ellipsis, k))
            c, slope = _unnormalized(g[..., k], size, align_corners)
            lo = np.floor(c)
            t = _linear_in_grid(gk, np.full_like(c, slope), c - lo - slope * g[..., k])
            taps = []
            for j, w in enumerate(_cubic_weights(t)):
                pos, _ = _padded(lo + (j - 1), np.zeros_like(c), size, padding_mode,
                                 align_corners)
                taps.append((*_corner(pos.astype(np.int64), size), w, stride))
            per_axis.append(taps)
        y = _weighted_sum(xs, _terms(per_axis), N, L)
    return Reshape.apply(y, shape=(N, C) + tuple(O))


def _terms(per_axis):
    """The corners of the interpolation: every combination of one tap per axis, as
    (flat index, weight Tensor, mask)."""
    terms = []
    for combo in itertools.product(*per_axis):
        index, w, mask = 0, None, True
        for i, inside, wa, stride in combo:
            index, mask = index + i * stride, mask & inside
            w = wa if w is None else Mul.apply(w, wa)
        terms.append((index, w, mask))
    return terms


class AffineGrid(Op):
    """grid = base @ theta^T for theta (N, d, d + 1) and the constant base (P, d + 1) of
    ``affine_base_grid``: (N, P, d).  Linear in theta, whose values backward does not need."""

    category = "sampling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, theta, base):
        ctx.base = base
        return np.matmul(base, np.swapaxes(theta, -1, -2))

    @staticmethod
    def backward(ctx, g):
        return MatMul.apply(_swap(g), const(g, ctx.base))  # (N, d, P) @ (P, d + 1)


def affine_base_grid(size, align_corners, dtype):
    """torch's affine_grid_generator base: (prod(spatial), d + 1) rows (x, y[, z], 1) of the
    output positions, x along the last dimension."""
    spatial = size[2:]
    axes = []
    for n in spatial:
        if n <= 1:  # a unit axis sits at 0
            r = np.zeros((n,), dtype=np.float64)
        else:
            r = np.linspace(-1.0, 1.0, n)
            if not align_corners:
                r = r * (n - 1) / n
        axes.append(r.astype(dtype))
    mesh = np.meshgrid(*axes, indexing="ij")  # each of the spatial shape
    cols = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(mesh[0].size, dtype=dtype)]
    return np.stack(cols, axis=1)
