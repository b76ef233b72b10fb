"""Convolution ops: Conv2d, ConvTranspose2d and Pad.

Legend: x input (N, C, H, W); w weight (F, C/G, KH, KW); b bias (F,); y output (N, F, OH, OW);
gradients gy, gx, gw, gb.  G groups, Cg = C/G and Fg = F/G channels per group, K = KH*KW taps,
P = OH*OW output positions, CK = C*K rows of the im2col matrix.

How a convolution runs is chosen per shape by ``select_algorithm`` from ``ALGORITHMS``: each
algorithm is an object with ``forward(x, w, b, geom)``, ``backward(gy, x, w, x_shape, geom,
need_x, need_w)``, ``backward_input(gy, w, x_shape, geom)`` and ``backward_weight(gy, x,
w_shape, geom)`` working on ndarrays, so another one (Winograd for 3x3 stride-1 layers) can be
added without touching the Functions.  The paths: ``gemm1x1`` (1x1 stride-1 unpadded: batched
GEMMs on the input as it is), ``direct`` (Cython loops, for depthwise and few-channel convs),
``im2col+direct`` (im2col forward, direct backward), ``small`` (register-blocked AVX2 kernels
for stride-1 layers with few output channels, such as LeNet-5's first), ``winograd``
(see winograd.py) and ``im2col`` (everything else).
ConvTranspose2d is the adjoint of Conv2d and reuses the same three entry points with the roles
of forward and backward_input swapped.

Memory stays bounded: the im2col matrix is built for a chunk of the batch at a time, sized to
stay under ``get_conv_workspace_limit()`` bytes (and, for speed, near the last-level cache).
When the weight needs a gradient and the whole batch's columns fit under both that limit and
``SAVED_COLUMNS_BYTES``, Conv2d builds them once in the forward and keeps them for the weight
gradient instead of running im2col again in the backward.
"""
import threading
from collections import namedtuple

import numpy as np

from ..autograd import Function
from . import _kernels
from . import winograd as _winograd

conv_output_size = _kernels.conv_output_size

# ------------------------------------------------------------------------------- workspace
_WORKSPACE = [256 << 20]
# the chunk that keeps an im2col buffer hot in cache for the GEMM that reads it next
_CACHE_CHUNK_BYTES = 16 << 20
# largest im2col matrix (whole batch) a Conv2d keeps from its forward for its weight gradient
SAVED_COLUMNS_BYTES = 64 << 20


def set_conv_workspace_limit(nbytes):
    """Set the largest im2col buffer (in bytes) a convolution may allocate.

    Args:
        nbytes: a positive int; the batch is split into chunks so the buffer stays below it
            (a single sample's columns are always allowed).
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes < 1:
        raise ValueError(f"set_conv_workspace_limit: expected a positive int, got {nbytes!r}")
    _WORKSPACE[0] = int(nbytes)


def get_conv_workspace_limit():
    """The current limit on the im2col buffer of a convolution, in bytes (default 256 MB)."""
    return _WORKSPACE[0]


def _chunk_size(N, per_sample_bytes):
    """Samples per im2col chunk: under the workspace limit, and near the cache size."""
    budget = min(_WORKSPACE[0], _CACHE_CHUNK_BYTES)
    return int(max(1, min(N, budget // max(per_sample_bytes, 1))))


# ------------------------------------------------------------------------------- scratch
# Work buffers of the conv paths (im2col columns, GEMM outputs, Winograd tiles) are kept
# between calls, per thread and slot, up to this many bytes per thread in all.  A fresh NumPy
# array above glibc's mmap threshold (32 MB at most) is a new mapping whose every page faults
# on first write, on every call.  The gain measured is small: on the Winograd path of a
# 64->128 14x14 layer (N=128) forward 80 -> 78 ms, backward 147 -> 141 ms; on LeNet-5's
# (smaller, below the threshold) buffers none.
SCRATCH_RETAIN_BYTES = 256 << 20
_SCRATCH = threading.local()


def scratch(slot, size, dtype):
    """A 1-D array of ``size`` elements of ``dtype``, as workspace inside one conv call.

    Its contents are undefined, and the next request for the same ``slot`` on the same thread
    gets the same memory: callers never return it or keep it past the call, and distinct
    buffers of one call use distinct slots.  Requests that would take this thread's kept
    buffers past ``SCRATCH_RETAIN_BYTES`` get a plain temporary array instead.
    """
    dtype = np.dtype(dtype)
    nbytes = int(size) * dtype.itemsize
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    buf = bufs.get(slot)
    if buf is None or buf.nbytes < nbytes:
        others = sum(b.nbytes for k, b in bufs.items() if k != slot)
        if others + nbytes > SCRATCH_RETAIN_BYTES:
            return np.empty(size, dtype=dtype)
        bufs.pop(slot, None)
        buf = bufs[slot] = np.empty(nbytes, dtype=np.uint8)
    return buf[:nbytes].view(dtype)


def release_scratch():
    """Free this thread's kept conv work buffers (the next convolutions make them again)."""
    _SCRATCH.bufs = {}


# ------------------------------------------------------------------------------- geometry
class ConvGeometry(namedtuple("ConvGeometry", "stride pads dilation groups out_size")):
    """stride (sh, sw), pads (top, bottom, left, right), dilation (dh, dw), groups,
    out_size (OH, OW) of the convolution x -> y."""

    __slots__ = ()


# ------------------------------------------------------------------------------- im2col path
class Im2colGemm:
    """im2col into a (CK, n*P) buffer per chunk of n samples, then one (batched over groups)
    GEMM; col2im for the input gradient.  Works for every geometry."""

    name = "im2col"

    @staticmethod
    def forward(x, w, b, geom, keep_cols=False):
        """y; with ``keep_cols``, (y, cols): the whole batch's columns (CK, N*P) for the
        weight gradient when they fit under ``SAVED_COLUMNS_BYTES`` (else cols is None)."""
        N, C, H, W = x.shape
        F, Cg, KH, KW = w.shape
        G = geom.groups
        OH, OW = geom.out_size
        P = OH * OW
        CK = C * KH * KW
        y = np.empty((N, F, P), dtype=x.dtype)
        keep = keep_cols and 0 < CK * N * P * x.itemsize <= min(SAVED_COLUMNS_BYTES,
                                                                 _WORKSPACE[0])
        if N == 0 or P == 0:
            y = y.reshape(N, F, OH, OW)
            return (y, None) if keep_cols else y
        wg = w.reshape(G, F // G, Cg * KH * KW)  # (G, Fg, Cg*K)
        nc = N if keep else _chunk_size(N, CK * P * x.itemsize)
        # kept columns outlive the call: their own array, never a scratch buffer
        cbuf = np.empty(CK * nc * P, dtype=x.dtype) if keep else scratch("a", CK * nc * P,
                                                                          x.dtype)
        ybuf = scratch("b", F * nc * P, x.dtype)
        bias = None if b is None else b.reshape(1, F, 1)
        pads = (geom.pads[0], geom.pads[2])
        for n0 in range(0, N, nc):
            m = min(nc, N - n0)
            cols = cbuf[:CK * m * P].reshape(CK, m * P)
            _kernels.im2col(x[n0:n0 + m], KH, KW, geom.stride, pads, geom.dilation,
                            geom.out_size, out=cols)
            yc = ybuf[:F * m * P]
            if G == 1:
                np.matmul(wg[0], cols, out=yc.reshape(F, m * P))
            else:
                np.matmul(wg, cols.reshape(G, Cg * KH * KW, m * P),
                          out=yc.reshape(G, F // G, m * P))
            yt = yc.reshape(F, m, P).transpose(1, 0, 2)  # (m, F, P)
            if bias is None:
                np.copyto(y[n0:n0 + m], yt)
            else:
                np.add(yt, bias, out=y[n0:n0 + m])
        y = y.reshape(N, F, OH, OW)
        if keep_cols:
            return y, (cbuf.reshape(CK, N * P) if keep else None)
        return y

    @staticmethod
    def backward(gy, x, w, x_shape, geom, need_x, need_w, cols=None):
        """gx, gw; ``cols``, the forward's columns of the whole batch, saves the im2col."""
        N, C, H, W = x_shape
        F, Cg, KH, KW = w.shape
        G = geom.groups
        Fg, CgK = F // G, Cg * KH * KW
        OH, OW = geom.out_size
        P = OH * OW
        CK = C * KH * KW
        gx = np.empty(x_shape, dtype=gy.dtype) if need_x else None
        gw = np.zeros((G, Fg, CgK), dtype=gy.dtype) if need_w else None
        if N == 0 or (P == 0 and need_x):
            if need_x:
                gx[...] = 0
            return gx, (gw.reshape(w.shape) if need_w else None)
        gy3 = gy.reshape(N, F, P)
        wg = w.reshape(G, Fg, CgK)
        nc = _chunk_size(N, CK * P * gy.itemsize)
        cbuf = scratch("a", CK * nc * P, gy.dtype)
        gbuf = scratch("b", F * nc * P, gy.dtype)
        tmp = np.empty((G, Fg, CgK), dtype=gy.dtype) if need_w else None
        pads = (geom.pads[0], geom.pads[2])
        saved = cols if need_w else None
        first = True
        for n0 in range(0, N, nc):
            m = min(nc, N - n0)
            g2 = gbuf[:F * m * P]
            np.copyto(g2.reshape(F, m, P), gy3[n0:n0 + m].transpose(1, 0, 2))
            g2 = g2.reshape(G, Fg, m * P)  # (G, Fg, m*P)
            cols = cbuf[:CK * m * P].reshape(G, CgK, m * P)
            if need_w:
                if saved is None:
                    _kernels.im2col(x[n0:n0 + m], KH, KW, geom.stride, pads, geom.dilation,
                                    geom.out_size, out=cols.reshape(CK, m * P))
                    xcols = cols
                else:  # this chunk's columns of the saved (CK, N*P) matrix (strided rows)
                    xcols = saved[:, n0 * P:(n0 + m) * P].reshape(G, CgK, m * P)
                np.matmul(g2, xcols.transpose(0, 2, 1), out=gw if first else tmp)
                if not first:
                    gw += tmp
                first = False
            if need_x:
                np.matmul(wg.transpose(0, 2, 1), g2, out=cols)  # (G, Cg*K, m*P)
                _kernels.col2im(cols.reshape(CK, m * P), (m, C, H, W), KH, KW, geom.stride,
                                pads, geom.dilation, geom.out_size, out=gx[n0:n0 + m])
        return gx, (gw.reshape(w.shape) if need_w else None)

    @classmethod
    def backward_input(cls, gy, w, x_shape, geom):
        return cls.backward(gy, None, w, x_shape, geom, True, False)[0]

    @classmethod
    def backward_weight(cls, gy, x, w_shape, geom):
        w = np.empty(w_shape, dtype=gy.dtype)  # only its shape is used
        return cls.backward(gy, x, w, x.shape, geom, False, True)[1]


class Pointwise:
    """1x1 kernel, stride 1, no padding: y[n] = w @ x[n] as batched GEMMs, no im2col."""

    name = "gemm1x1"

    @staticmethod
    def applies(x_shape, w_shape, geom):
        return (w_shape[2] == 1 and w_shape[3] == 1 and geom.stride == (1, 1)
                and not any(geom.pads))

    @staticmethod
    def forward(x, w, b, geom):
        N, C, H, W = x.shape
        F, G = w.shape[0], geom.groups
        x4 = x.reshape(N, G, C // G, H * W)
        y = np.matmul(w.reshape(G, F // G, C // G), x4)  # (N, G, Fg, P)
        y = y.reshape(N, F, H, W)
        if b is not None:
            y += b.reshape(1, F, 1, 1)
        return y

    @staticmethod
    def backward(gy, x, w, x_shape, geom, need_x, need_w):
        N, C, H, W = x_shape
        F, G = w.shape[0], geom.groups
        gy4 = gy.reshape(N, G, F // G, H * W)
        gx = gw = None
        if need_x:
            wt = w.reshape(G, F // G, C // G).transpose(0, 2, 1)  # (G, Cg, Fg)
            gx = np.matmul(wt, gy4).reshape(x_shape)
        if need_w:
            x4 = x.reshape(N, G, C // G, H * W)
            if G == 1:
                # (F, N*P) @ (N*P, C): one GEMM over the whole batch
                g2 = np.ascontiguousarray(gy4[:, 0].transpose(1, 0, 2)).reshape(F, N * H * W)
                x2 = np.ascontiguousarray(x4[:, 0].transpose(1, 0, 2)).reshape(C, N * H * W)
                gw = np.matmul(g2, x2.T)
            else:
                gw = np.matmul(gy4, x4.transpose(0, 1, 3, 2)).sum(axis=0)  # (G, Fg, Cg)
            gw = gw.reshape(w.shape)
        return gx, gw

    @classmethod
    def backward_input(cls, gy, w, x_shape, geom):
        return cls.backward(gy, None, w, x_shape, geom, True, False)[0]

    @classmethod
    def backward_weight(cls, gy, x, w_shape, geom):
        w = np.empty(w_shape, dtype=gy.dtype)
        return cls.backward(gy, x, w, x.shape, geom, False, True)[1]


def _add_bias(y, b):
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


class _SeparateGradients:
    """``backward`` of an algorithm from its own ``backward_input`` and ``backward_weight``."""

    @classmethod
    def backward(cls, gy, x, w, x_shape, geom, need_x, need_w):
        gx = cls.backward_input(gy, w, x_shape, geom) if need_x else None
        gw = cls.backward_weight(gy, x, w.shape, geom) if need_w else None
        return gx, gw


class Direct(_SeparateGradients):
    """Direct loops (Cython) for convs whose per-group GEMM is tiny, e.g. depthwise: no
    column buffer at all."""

    name = "direct"

    @staticmethod
    def applies(x_shape, w_shape, geom):
        # per group a (Fg x Cg*K) @ (Cg*K x P) GEMM with few channels runs BLAS at a crawl
        # (depthwise: Fg = Cg = 1; LeNet's first layer: 6 x 3), and its weight-gradient GEMM
        # (Fg x N*P) @ (N*P x Cg*K) even more so
        return w_shape[1] * (w_shape[0] // geom.groups) <= DIRECT_MAX_CHANNEL_PRODUCT

    @staticmethod
    def forward(x, w, b, geom):
        pads = (geom.pads[0], geom.pads[2])
        return _add_bias(_kernels.conv_direct(x, w, geom.stride, pads, geom.dilation,
                                              geom.groups, geom.out_size), b)

    @staticmethod
    def backward_input(gy, w, x_shape, geom):
        return _kernels.conv_direct_grad_input(gy, w, x_shape, geom.stride,
                                               (geom.pads[0], geom.pads[2]), geom.dilation,
                                               geom.groups)

    @staticmethod
    def backward_weight(gy, x, w_shape, geom):
        return _kernels.conv_direct_grad_weight(gy, x, w_shape, geom.stride,
                                                (geom.pads[0], geom.pads[2]), geom.dilation,
                                                geom.groups)


class SmallDirect(_SeparateGradients):
    """Register-blocked direct kernels (_small.pxi; AVX2/FMA CPUs) for stride-1, groups-1
    convs with few output channels (LeNet-5's first layer): the forward and the weight gradient
    without a column matrix; the input gradient on the im2col path (W^T @ gy, then col2im)."""

    name = "small"

    @staticmethod
    def applies(x_shape, w_shape, geom):
        return (_kernels.SMALL_CONV and geom.groups == 1 and tuple(geom.stride) == (1, 1)
                and w_shape[0] <= SMALL_MAX_OUT_CHANNELS)

    @staticmethod
    def forward(x, w, b, geom):
        return _add_bias(_kernels.conv_small(x, w, geom.pads, geom.dilation, geom.out_size), b)

    @staticmethod
    def backward_input(gy, w, x_shape, geom):
        return Im2colGemm.backward(gy, None, w, x_shape, geom, True, False)[0]

    @staticmethod
    def backward_weight(gy, x, w_shape, geom):
        return _kernels.conv_small_grad_weight(gy, x, w_shape, geom.pads, geom.dilation)


class Im2colForwardDirectBackward:
    """im2col + GEMM forward, direct backward: for few-channel convs (LeNet's 6->16 layer)
    whose forward GEMM is fine but whose weight-gradient GEMM, with a huge inner dimension
    N*P and a tiny Fg x Cg*K result, is not."""

    name = "im2col+direct"

    @staticmethod
    def applies(x_shape, w_shape, geom):
        return w_shape[1] * (w_shape[0] // geom.groups) <= DIRECT_BACKWARD_MAX_CHANNEL_PRODUCT

    forward = staticmethod(Im2colGemm.forward)
    backward = Direct.backward
    backward_input = staticmethod(Direct.backward_input)
    backward_weight = staticmethod(Direct.backward_weight)


# Cg*Fg (input times output channels per group) up to which the direct kernels run the
# whole convolution, or only its backward.  Measured on whole LeNet-5 training steps (issue 9,
# N=128, same process, 3 rounds): with the old limits 32/128 (direct for 3->6, im2col+direct
# for 6->16) a step took 151 ms (3x32x32) and 121 ms (1x28x28), with im2col for both layers
# 54 ms and 36 ms (torch 32 and 29 ms); so only depthwise-like convs stay direct.
DIRECT_MAX_CHANNEL_PRODUCT = 4
DIRECT_BACKWARD_MAX_CHANNEL_PRODUCT = 4
# Output channels up to which stride-1 convs run on the register-blocked kernels.  Measured
# (2026-12-02, 2 cores, N=128 float32; forward / weight gradient in ms, im2col path with kept
# columns vs these kernels): LeNet's 3->6 5x5 on 32x32 9.2/6.1 vs 3.4/3.2; its 6->16 on 14x14
# 4.5/1.9 vs 2.7/3.4, and in bench_conv's forward+backward 8.6 (im2col) vs 10.2 ms; with 32 or
# 64 output channels (3->32, 3->64 3x3 on 32x32) the two are level.
SMALL_MAX_OUT_CHANNELS = 8

ALGORITHMS = {"im2col": Im2colGemm, "gemm1x1": Pointwise, "direct": Direct, "small": SmallDirect,
              "im2col+direct": Im2colForwardDirectBackward, "winograd": _winograd.Winograd}
# switches for the fast paths (tests and benchmarks compare them with the im2col path)
use_pointwise_gemm = True
use_direct = True
use_small = True


def select_algorithm(x_shape, w_shape, geom, dtype):
    """The algorithm object that runs a convolution of this shape (forward and backward).

    Args:
        x_shape: (N, C, H, W) of the convolution's input; w_shape: (F, C/G, KH, KW).
        geom: its ConvGeometry; dtype: float32 or float64.

    Returns:
        One of ``ALGORITHMS``' values; they all give the same results up to rounding.
    """
    if use_pointwise_gemm and Pointwise.applies(x_shape, w_shape, geom):
        return Pointwise
    if use_direct and Direct.applies(x_shape, w_shape, geom):
        return Direct
    if use_small and SmallDirect.applies(x_shape, w_shape, geom):
        return SmallDirect
    if use_direct and Im2colForwardDirectBackward.applies(x_shape, w_shape, geom):
        return Im2colForwardDirectBackward
    if _winograd.use_winograd(x_shape, w_shape, geom, dtype):  # 3x3 stride 1, where it pays
        return _winograd.Winograd
    return Im2colGemm


# ------------------------------------------------------------------------------- Functions
class Conv2d(Function):
    """y = conv(x, w) + b.  Params: geom (ConvGeometry), already validated."""

    @staticmethod
    def forward(ctx, x, w, b=None, geom=None):
        algo = select_algorithm(x.shape, w.shape, geom, x.dtype)
        cols = None
        if algo is Im2colGemm and ctx.needs_input_grad[1]:
            # keep the im2col columns for the weight gradient instead of building them twice
            # (issue 9: LeNet-5's first layer spent as long in its backward im2col as in its
            # forward one)
            y, cols = algo.forward(x, w, b, geom, keep_cols=True)
        else:
            y = algo.forward(x, w, b, geom)
        ctx.geom, ctx.algo = geom, algo
        ctx.save_for_backward(x, w, cols)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, cols = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if cols is None:
            gx, gw = ctx.algo.backward(gy, x, w, x.shape, ctx.geom, needs[0], needs[1])
        else:
            gx, gw = ctx.algo.backward(gy, x, w, x.shape, ctx.geom, needs[0], needs[1], cols)
        if len(needs) == 2:
            return gx, gw
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb


class ConvTranspose2d(Function):
    """y = conv_transpose(x, w) + b, the adjoint of conv2d with weight w (Cin, Cout/G, KH, KW).

    Params: geom describes the forward convolution y -> x (its out_size is x's H, W).
    """

    @staticmethod
    def forward(ctx, x, w, b=None, geom=None, out_shape=None):
        algo = select_algorithm(out_shape, w.shape, geom, x.dtype)
        y = algo.backward_input(x, w, out_shape, geom)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        ctx.geom, ctx.algo = geom, algo
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        algo, geom = ctx.algo, ctx.geom
        gx = algo.forward(gy, w, None, geom) if needs[0] else None
        gw = algo.backward_weight(x, gy, w.shape, geom) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        gb = gy.sum(axis=(0, 2, 3)) if needs[2] else None
        return gx, gw, gb


class Pad(Function):
    """Pad the last len(pads)//2 dims: pads = (last_lo, last_hi, prev_lo, prev_hi, ...).

    mode 'constant' or 'circular' (negative pads crop first, then the crop is padded),
    'reflect' or 'replicate'.
    """

    @staticmethod
    def forward(ctx, x, pads, mode, value):
        nd = len(pads) // 2
        ctx.shape, ctx.pads, ctx.mode = x.shape, pads, mode
        width = [(0, 0)] * (x.ndim - nd) + [
            (pads[2 * k], pads[2 * k + 1]) for k in reversed(range(nd))]
        if mode in ("constant", "circular"):
            crop = tuple(slice(max(-lo, 0), s - max(-hi, 0)) for (lo, hi), s in zip(width, x.shape))
            xc = x[crop]
            width = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
            if mode == "circular":
                ctx.crop = crop
                return np.pad(xc, width, mode="wrap")
            return np.pad(xc, width, mode="constant", constant_values=value)
        return np.pad(x, width, mode="reflect" if mode == "reflect" else "edge")

    @staticmethod
    def backward(ctx, gy):
        shape, pads, mode = ctx.shape, ctx.pads, ctx.mode
        nd = len(pads) // 2
        ndim = len(shape)
        if mode == "circular":
            g = gy
            for k in range(nd):
                d = ndim - 1 - k
                lo, hi = max(pads[2 * k], 0), max(pads[2 * k + 1], 0)
                m = g.shape[d] - lo - hi  # the cropped length that was wrapped
                core = np.take(g, np.arange(lo, lo + m), axis=d)  # a copy we may add into
                idx = [slice(None)] * g.ndim
                # output index t < lo copies input m-lo+t; output lo+m+t copies input t
                idx[d] = slice(m - lo, m)
                core[tuple(idx)] += np.take(g, np.arange(0, lo), axis=d)
                idx[d] = slice(0, hi)
                core[tuple(idx)] += np.take(g, np.arange(lo + m, lo + m + hi), axis=d)
                g = core
            gx = np.zeros(shape, dtype=gy.dtype)
            gx[ctx.crop] = g
            return gx
        if mode == "constant":
            gx = np.zeros(shape, dtype=gy.dtype)
            src, dst = [], []
            for d in range(ndim):
                k = ndim - 1 - d
                lo, hi = (pads[2 * k], pads[2 * k + 1]) if k < nd else (0, 0)
                n = shape[d]
                # input index i sits at output index i + lo
                i0, i1 = max(0, -lo), min(n, gy.shape[d] - lo)
                dst.append(slice(i0, max(i0, i1)))
                src.append(slice(i0 + lo, max(i0, i1) + lo))
            gx[tuple(dst)] = gy[tuple(src)]
            return gx
        g = gy
        for k in range(nd):
            d = ndim - 1 - k
            lo, hi = pads[2 * k], pads[2 * k + 1]
            n = shape[d]
            core = np.take(g, np.arange(lo, lo + n), axis=d)  # a copy we may add into
            left = np.take(g, np.arange(0, lo), axis=d)
            right = np.take(g, np.arange(lo + n, lo + n + hi), axis=d)
            idx = [slice(None)] * g.ndim
            if mode == "reflect":
                # output index lo-1-t mirrors input index t+1; lo+n+t mirrors n-2-t
                idx[d] = slice(1, lo + 1)
                core[tuple(idx)] += np.flip(left, axis=d)
                idx[d] = slice(n - 1 - hi, n - 1)
                core[tuple(idx)] += np.flip(right, axis=d)
            else:
                idx[d] = slice(0, 1)
                core[tuple(idx)] += left.sum(axis=d, keepdims=True)
                idx[d] = slice(n - 1, n)
                core[tuple(idx)] += right.sum(axis=d, keepdims=True)
            g = core
        return g
