"""Upsampling ops: max unpooling, interpolation (nearest, linear, cubic, area), pixel
(un)shuffle.

Legend: x input, y output, gy/gx gradients; P = N*C planes; spatial sizes (H, W) -> (OH, OW)
(or any number of spatial axes for interpolation).  Hyper-parameters arrive validated by
``nn.functional``.

Interpolation is separable: along each spatial axis the output is M @ x with M an (out, in)
matrix holding the source weights (one 1 per row for nearest, two weights per row for linear,
four for cubic, a run of 1/len for area), so the gradient is M.T @ gy.  The source
coordinates follow torch's CPU kernels exactly, computed in the input's precision (float32
coordinates for float32 inputs, as torch's ``opmath`` does) so that nearest picks the same
pixels.

Every op here is linear in x, and its gradient is the adjoint map written as an op whose own
gradient is the forward again, so gradients of any order exist: max unpooling's gradient is
a gather at the indices (``GetItem``, whose gradient scatter-adds), interpolation's is
``InterpolateBackward`` (M.T @ gy per axis), and pixel shuffle and unshuffle are each other's.
"""
import math

import numpy as np

from .._engine import Op, is_grad_enabled
from .shape import GetItem, Reshape


# ------------------------------------------------------------------------------- unpooling
class MaxUnpool2d(Op):
    """Scatter x (N, C, H, W) into zeros (N, C, OH, OW) at flat plane positions ``indices``.

    ``indices`` (a Tensor parameter) is saved: writing into it before backward raises, as
    torch's.  The backward gathers gy at the indices (``GetItem``); a recorded backward
    (create_graph) gathers at a copy of them, which its own backward scatters to, so a write
    after the first backward cannot change the second.
    """

    category = "pooling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, indices=None, output_size=None):
        lead = x.shape[:-2]
        P = math.prod(lead)
        OH, OW = output_size
        idx = indices.reshape(P, -1)
        y = np.zeros((P, OH * OW), dtype=x.dtype)
        np.put_along_axis(y, idx, x.reshape(P, -1), axis=1)
        ctx.x_shape = x.shape
        ctx.save_for_backward(idx)
        return y.reshape(lead + (OH, OW))

    @staticmethod
    def backward(ctx, gy):
        (idx,) = ctx.saved_tensors
        idx = idx._data
        if is_grad_enabled():
            idx = idx.copy()  # GetItem's node keeps its index for the second derivative
        P = idx.shape[0]
        # gx[p, i] = gy[p, idx[p, i]]: the advanced index (rows (P, 1), idx (P, H*W))
        index = (np.arange(P).reshape(P, 1), idx)
        g = GetItem.apply(Reshape.apply(gy, shape=(P, -1)), index=index)  # (P, H*W)
        return Reshape.apply(g, shape=ctx.x_shape)


# ------------------------------------------------------------------------------- interpolation
def _scale(in_size, out_size, scale, align_corners, dt):
    """torch's area_pixel_compute_scale in precision ``dt``."""
    if align_corners:
        return dt.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dt.type(0.0)
    if scale is not None and scale > 0:
        return dt.type(1.0 / scale)
    return dt.type(in_size) / dt.type(out_size)


def nearest_index(in_size, out_size, scale, exact=False):
    """Source index of every output position (torch's nearest / nearest-exact rules)."""
    dst = np.arange(out_size, dtype=np.int64)
    if not exact:
        if out_size == in_size:
            return dst
        if out_size == 2 * in_size:
            return dst >> 1
    # torch computes these in float32 whatever the input dtype
    s = np.float32(1.0 / scale) if (scale is not None and scale > 0) else \
        np.float32(in_size) / np.float32(out_size)
    d = dst.astype(np.float32)
    if exact:
        d = d + np.float32(0.5)
    src = np.floor(d * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) matrix of linear-interpolation weights along one axis, torch's coordinates."""
    dt = np.dtype(dtype)
    s = _scale(in_size, out_size, scale, align_corners, dt)
    dst = np.arange(out_size, dtype=dt)
    if align_corners:
        src = s * dst
    else:
        src = np.maximum(s * (dst + dt.type(0.5)) - dt.type(0.5), dt.type(0.0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam1 = np.clip(src - i0.astype(dt), dt.type(0.0), dt.type(1.0))
    lam0 = dt.type(1.0) - lam1
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    M = np.zeros((out_size, in_size), dtype=dt)
    rows = np.arange(out_size)
    np.add.at(M, (rows, i0), lam0)
    np.add.at(M, (rows, i1), lam1)
    return M


def cubic_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) matrix of bicubic weights along one axis: torch's cubic convolution
    (A = -0.75) on the four sources floor(src)-1 .. floor(src)+2, clamped to the edge.
    Unlike linear, a half-pixel source coordinate is not clamped at 0."""
    dt = np.dtype(dtype)
    s = _scale(in_size, out_size, scale, align_corners, dt)
    dst = np.arange(out_size, dtype=dt)
    src = s * dst if align_corners else s * (dst + dt.type(0.5)) - dt.type(0.5)
    base = np.floor(src)
    t = src - base
    A = dt.type(-0.75)

    def near(d):  # |d| <= 1
        return ((A + dt.type(2.0)) * d - (A + dt.type(3.0))) * d * d + dt.type(1.0)

    def far(d):   # 1 < |d| < 2
        return ((A * d - dt.type(5.0) * A) * d + dt.type(8.0) * A) * d - dt.type(4.0) * A

    one = dt.type(1.0)
    weights = (far(t + one), near(t), near(one - t), far(one - t + one))
    M = np.zeros((out_size, in_size), dtype=dt)
    rows = np.arange(out_size)
    base = base.astype(np.int64)
    for k, w in enumerate(weights):
        np.add.at(M, (rows, np.clip(base - 1 + k, 0, in_size - 1)), w)
    return M


def area_matrix(in_size, out_size, dtype):
    """(out, in) matrix of adaptive average pooling along one axis: output i averages the
    sources floor(i*in/out) .. ceil((i+1)*in/out) - 1 (torch's 'area' mode)."""
    M = np.zeros((out_size, in_size), dtype=dtype)
    for i in range(out_size):
        lo, hi = (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)
        M[i, lo:hi] = 1.0 / (hi - lo)
    return M


def interpolate_plan(mode, in_size, out_size, scales, align_corners, dtype):
    """Per spatial axis, how ``Interpolate`` resamples it: ("index", idx or None) or
    ("matrix", M).

    Args:
        mode: interpolate's mode (validated).
        in_size, out_size: spatial sizes (tuples of equal length).
        scales: per-axis scale factors given by the user, or None (then in/out is used).
        align_corners: for the linear and cubic modes.
        dtype: the input's float dtype (for the matrices).
    """
    plan = []
    for i in range(len(in_size)):
        sc = None if scales is None else scales[i]
        if mode.startswith("nearest"):
            idx = nearest_index(in_size[i], out_size[i], sc, exact=mode == "nearest-exact")
            same = out_size[i] == in_size[i] and mode == "nearest"
            plan.append(("index", None if same else idx))
        elif out_size[i] == in_size[i] and mode != "bicubic":
            # torch leaves an axis of unchanged size as it is, except in bicubic mode, which
            # resamples it with scale 1/scale_factor
            plan.append(("index", None))
        elif mode == "area":
            plan.append(("matrix", area_matrix(in_size[i], out_size[i], dtype)))
        elif mode == "bicubic":
            plan.append(("matrix", cubic_matrix(in_size[i], out_size[i], sc, align_corners,
                                                dtype)))
        else:
            plan.append(("matrix", linear_matrix(in_size[i], out_size[i], sc, align_corners,
                                                 dtype)))
    return tuple(plan)


def _apply_axis(M, x, axis):
    """M (out, in) applied along ``axis`` of x."""
    if axis == x.ndim - 1:
        return x @ M.T
    moved = np.moveaxis(x, axis, -1) @ M.T
    return np.ascontiguousarray(np.moveaxis(moved, -1, axis))


class Interpolate(Op):
    """Separable resampling of the trailing spatial axes.

    ``plan`` holds, per spatial axis, ``("index", idx)`` (nearest: a gather, exact in the
    forward, its gradient a scatter-add) or ``("matrix", M)`` (linear, cubic or area weights).
    """

    category = "sampling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, plan=None):
        ctx.plan = plan
        ctx.x_shape = x.shape
        lead = x.ndim - len(plan)
        y = x
        for a, (kind, m) in enumerate(plan):
            if kind == "index":
                if m is not None:
                    y = np.take(y, m, axis=lead + a)
            else:
                y = _apply_axis(m, y, lead + a)
        if y is x:
            y = x.copy()
        return y

    @staticmethod
    def backward(ctx, gy):
        return InterpolateBackward.apply(gy, plan=ctx.plan, x_shape=ctx.x_shape)


class InterpolateBackward(Op):
    """gx of ``Interpolate`` for gy (x's shape ``x_shape``): the adjoint resampling, M.T per
    axis (a scatter-add for nearest).  Its gradient is ``Interpolate`` with the same plan."""

    category = "sampling"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, plan=None, x_shape=None):
        ctx.plan = plan
        lead = gy.ndim - len(plan)
        g = gy
        for a in reversed(range(len(plan))):
            kind, m = plan[a]
            ax = lead + a
            if kind == "index":
                if m is None:
                    continue
                n_in = x_shape[ax]
                if m.size == 2 * n_in and np.array_equal(m, np.arange(m.size) >> 1):
                    # the common x2 upsampling: sum pairs of neighbours
                    shp = g.shape[:ax] + (n_in, 2) + g.shape[ax + 1:]
                    g = g.reshape(shp).sum(axis=ax + 1)
                    continue
                S = np.zeros((m.size, n_in), dtype=gy.dtype)
                S[np.arange(m.size), m] = 1.0
                g = _apply_axis(S.T, g, ax)
            else:
                g = _apply_axis(m.T, g, ax)
        return gy.copy() if g is gy else g

    @staticmethod
    def backward(ctx, ggx):
        return Interpolate.apply(ggx, plan=ctx.plan)


# ------------------------------------------------------------------------------- pixel shuffle
def _shuffle(x, r):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *lead, Cr, H, W = x.shape
    C = Cr // (r * r)
    lead = tuple(lead)
    n = len(lead)
    t = x.reshape(lead + (C, r, r, H, W))
    # (*, C, r, r, H, W) -> (*, C, H, r, W, r)
    t = t.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return t.reshape(lead + (C, H * r, W * r))


def _unshuffle(x, r):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *lead, C, Hr, Wr = x.shape
    H, W = Hr // r, Wr // r
    lead = tuple(lead)
    n = len(lead)
    t = x.reshape(lead + (C, H, r, W, r))
    # (*, C, H, r, W, r) -> (*, C, r, r, H, W)
    t = t.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return t.reshape(lead + (C * r * r, H, W))


class PixelShuffle(Op):
    """Move r*r channel blocks into r x r spatial blocks (sub-pixel convolution)."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, upscale_factor=1):
        ctx.r = upscale_factor
        return _shuffle(x, upscale_factor)

    @staticmethod
    def backward(ctx, gy):
        return PixelUnshuffle.apply(gy, downscale_factor=ctx.r)


class PixelUnshuffle(Op):
    """The inverse of PixelShuffle: r x r spatial blocks into r*r channels."""

    category = "layout"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, downscale_factor=1):
        ctx.r = downscale_factor
        return _unshuffle(x, downscale_factor)

    @staticmethod
    def backward(ctx, gy):
        return PixelShuffle.apply(gy, upscale_factor=ctx.r)
