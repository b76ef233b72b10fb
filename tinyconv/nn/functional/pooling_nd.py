"""1-D and 3-D pooling, adaptive max pooling and power-average pooling with torch's
signatures, built on the 2-D ops.

1-D pooling is 2-D pooling of a height-1 image.  Max and average pooling are separable: a
3-D window's max is the max over its depth taps of the 2-D windows' maxima (the first
maximum in (d, h, w) order gets the gradient, as torch's), and its average the average of
the 2-D averages (the divisors are products of per-axis counts, padding and ceil_mode
included).  Adaptive pooling is done one axis at a time, bin by bin.

Legend: N batch, C channels, D/H/W (or L) input sizes, OD/OH/OW output sizes.
"""
import math

import numpy as np

from ..._checks import check_tensor, int_tuple, is_int
from ..._functions.activation import relu
from ..._functions.arith import abs as tabs
from ..._geometry import pool_output_size
from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import shape as S
from .pooling import adaptive_avg_pool2d, avg_pool2d, check_allocatable, max_pool2d

__all__ = ["max_pool1d", "max_pool3d", "avg_pool1d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d"]


def _renamed(op, fn, *args, **kw):
    """``fn(*args, **kw)`` with its error messages naming ``op`` (the caller)."""
    try:
        return fn(*args, **kw)
    except (RuntimeError, TypeError, ValueError) as e:
        name = fn.__name__
        raise type(e)(str(e).replace(name, op)) from None


def _rank(op, input, n):
    check_tensor(op, "input", input)
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: expected a {n + 1}-D or {n + 2}-D input, but got input of "
                           f"shape {tuple(input.shape)}")


def _as_2d(x):
    """(..., L) -> (..., 1, L)."""
    return S.Reshape.apply(x, shape=x.shape[:-1] + (1, x.shape[-1]))


def _from_2d(y):
    return S.Reshape.apply(y, shape=y.shape[:-2] + (y.shape[-1],))


def _one(op, name, v):
    return int_tuple(op, name, v, 1, error=TypeError, length_error=RuntimeError)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) inputs.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window length.
        stride: the window step (default ``kernel_size``).
        padding: implicit -inf padding on both ends (at most kernel_size // 2).
        dilation: spacing of the window taps.
        ceil_mode: round the output length up.
        return_indices: also return the argmax positions (int64).

    Returns:
        Tensor (N, C, OL), or ``(output, indices)``.
    """
    op = "max_pool1d"
    _rank(op, input, 1)
    k = _one(op, "kernel_size", kernel_size)
    s = k if stride is None else _one(op, "stride", stride)
    out = _renamed(op, max_pool2d, _as_2d(input), (1,) + k, (1,) + s,
                   (0,) + _one(op, "padding", padding), (1,) + _one(op, "dilation", dilation),
                   ceil_mode, return_indices)
    if return_indices:
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) inputs.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window length.
        stride: the window step (default ``kernel_size``).
        padding: implicit zero padding on both ends (at most kernel_size // 2).
        ceil_mode: round the output length up.
        count_include_pad: count the padding in the divisor.

    Returns:
        Tensor (N, C, OL).
    """
    op = "avg_pool1d"
    _rank(op, input, 1)
    k = _one(op, "kernel_size", kernel_size)
    s = k if stride is None else _one(op, "stride", stride)
    return _from_2d(_renamed(op, avg_pool2d, _as_2d(input), (1,) + k, (1,) + s,
                             (0,) + _one(op, "padding", padding), ceil_mode, count_include_pad))


def _three(op, name, v):
    return int_tuple(op, name, v, 3, error=TypeError, length_error=RuntimeError)


def _batched5(x):
    if x.ndim == 5:
        return x, True
    return S.Reshape.apply(x, shape=(1,) + x.shape), False


def _unbatch(y, batched):
    return y if batched else S.Reshape.apply(y, shape=y.shape[1:])


def _planes(x):
    """(N, C, D, H, W) -> (N*C*D... ) as 2-D pooling input (N, C*D, H, W)."""
    N, C, D, H, W = x.shape
    return S.Reshape.apply(x, shape=(N, C * D, H, W))


def _depth_taps(op, D, k, s, p, d, ceil_mode):
    OD = pool_output_size(D, k, s, p, d, ceil_mode)
    if OD < 1:
        raise RuntimeError(f"{op}: input depth {D} is too small for kernel_size={k}, "
                           f"stride={s}, padding={p}: calculated output depth {OD}")
    # for each tap kd: the input depth read by each output depth (or -1 in the padding)
    taps = []
    for kd in range(k):
        src = np.arange(OD) * s - p + kd * d
        taps.append(np.where((src >= 0) & (src < D), src, -1))
    return OD, taps


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) inputs.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        kernel_size: int or triple.
        stride: int or triple (default ``kernel_size``).
        padding: implicit -inf padding, int or triple (at most kernel_size // 2).
        dilation: spacing of the window taps, int or triple.
        ceil_mode: round the output sizes up.
        return_indices: also return the argmax positions (flat d*H*W + h*W + w, int64).

    Returns:
        Tensor (N, C, OD, OH, OW), or ``(output, indices)``.
    """
    op = "max_pool3d"
    _rank(op, input, 3)
    k = _three(op, "kernel_size", kernel_size)
    s = k if stride is None else _three(op, "stride", stride)
    p, dl = _three(op, "padding", padding), _three(op, "dilation", dilation)
    if p[0] > k[0] // 2:
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but "
                           f"got padding={p} and kernel_size={k}")
    x, batched = _batched5(input)
    N, C, D, H, W = x.shape
    y2, i2 = _renamed(op, max_pool2d, _planes(x), k[1:], s[1:], p[1:], dl[1:], ceil_mode, True)
    OH, OW = y2.shape[-2:]
    y2 = S.Reshape.apply(y2, shape=(N, C, D, OH, OW))
    OD, taps = _depth_taps(op, D, k[0], s[0], p[0], dl[0], ceil_mode)
    neg = E.const(y2, np.full((N, C, 1, OH, OW), -np.inf, dtype=y2.dtype))
    padded = S.Cat.apply(y2, neg, dim=2)  # depth index -1 reads the -inf plane
    stacks = [S.GetItem.apply(padded, index=(slice(None), slice(None), t)) for t in taps]
    stack = S.Stack.apply(*stacks, dim=5)  # (N, C, OD, OH, OW, KD)
    y, which = R.MaxDim.apply(stack, dim=5, keepdim=False, mode="max")
    y = _unbatch(y, batched)
    if not return_indices:
        return y
    depth = np.take_along_axis(np.broadcast_to(np.stack(taps, -1)[None, None, :, None, None, :],
                                               (N, C, OD, OH, OW, k[0])),
                               which._data[..., None], axis=-1)[..., 0]
    hw = np.take_along_axis(i2._data.reshape(N, C, D, OH, OW), np.maximum(depth, 0), axis=2)
    idx = (depth * (H * W) + hw).astype(np.int64)
    return y, _unbatch(y._make(idx, False, None), batched)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) inputs.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        kernel_size: int or triple.
        stride: int or triple (default ``kernel_size``).
        padding: implicit zero padding, int or triple (at most kernel_size // 2).
        ceil_mode: round the output sizes up.
        count_include_pad: count the padding in the divisor.
        divisor_override: a non-zero int to divide every window sum by instead.

    Returns:
        Tensor (N, C, OD, OH, OW).
    """
    op = "avg_pool3d"
    _rank(op, input, 3)
    k = _three(op, "kernel_size", kernel_size)
    s = k if stride is None else _three(op, "stride", stride)
    p = _three(op, "padding", padding)
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override == 0):
        raise RuntimeError(f"{op}: divisor must be not zero, got {divisor_override!r}")
    if p[0] > k[0] // 2:
        raise RuntimeError(f"{op}: pad should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    x, batched = _batched5(input)
    N, C, D, H, W = x.shape
    if divisor_override is not None:
        y2 = _renamed(op, avg_pool2d, _planes(x), k[1:], s[1:], p[1:], ceil_mode,
                      count_include_pad, 1)
    else:
        y2 = _renamed(op, avg_pool2d, _planes(x), k[1:], s[1:], p[1:], ceil_mode,
                      count_include_pad)
    OH, OW = y2.shape[-2:]
    y2 = S.Reshape.apply(y2, shape=(N, C, D, OH, OW))
    OD, taps = _depth_taps(op, D, k[0], s[0], p[0], 1, ceil_mode)
    zero = E.const(y2, np.zeros((N, C, 1, OH, OW), dtype=y2.dtype))
    padded = S.Cat.apply(y2, zero, dim=2)
    total = None
    for t in taps:
        term = S.GetItem.apply(padded, index=(slice(None), slice(None), t))
        total = term if total is None else E.Add.apply(total, term)
    if divisor_override is not None:
        div = np.full(OD, float(divisor_override))
    elif count_include_pad:
        starts = np.arange(OD) * s[0] - p[0]
        div = (np.minimum(starts + k[0], D + p[0]) - starts).astype(float)
    else:
        div = np.sum(np.stack(taps) >= 0, axis=0).astype(float)
    y = E.Mul.apply(total, E.const(total, (1.0 / div).reshape(1, 1, OD, 1, 1)))
    return _unbatch(y, batched)


def _bins(n, out):
    """torch's adaptive bins: [floor(i*n/out), ceil((i+1)*n/out)) for i < out."""
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def _adaptive_axis(x, axis, out, mode):
    """Adaptive max/avg over one axis: every bin's elements gathered along a new axis after
    ``axis`` (a short bin repeats its last element, left out of the average), then one
    reduction; no per-bin Python loop, so a long output costs array work only."""
    n = x.shape[axis]
    i = np.arange(out, dtype=np.int64)
    lo, hi = i * n // out, -(-(i + 1) * n // out)  # torch's bins [lo, hi)
    k = np.arange(int((hi - lo).max()), dtype=np.int64)
    pos = lo[:, None] + k  # (out, K)
    idx = np.minimum(pos, hi[:, None] - 1)
    win = S.GetItem.apply(x, index=(slice(None),) * axis + (idx,))  # (..., out, K, ...)
    if mode == "max":  # the repeats come last: the first maximum is the bin's own
        return R.MaxDim.apply(win, dim=axis + 1, keepdim=False, mode="max")[0]
    trail = (1,) * (x.ndim - axis - 1)
    keep = (pos < hi[:, None]).astype(x.dtype).reshape(idx.shape + trail)
    total = R.Sum.apply(E.Mul.apply(win, E.const(win, keep)), axes=(axis + 1,), keepdim=False)
    count = (hi - lo).astype(x.dtype).reshape((out,) + trail)
    return E.Div.apply(total, E.const(total, count))


def _adaptive_size(op, output_size, n, shape):
    if is_int(output_size):
        size = (output_size,) * n
    elif isinstance(output_size, (tuple, list)) and len(output_size) == n and all(
            v is None or is_int(v) for v in output_size):
        size = tuple(output_size)
    else:
        raise TypeError(f"{op}: output_size must be an int or a tuple of {n} ints/None, not "
                        f"{output_size!r}")
    size = tuple(int(shape[-n + i]) if v is None else int(v) for i, v in enumerate(size))
    if min(size) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0, "
                           f"but got output_size={size}")
    return size


def _adaptive(op, input, output_size, n, mode, return_indices=False):
    _rank(op, input, n)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if 0 in input.shape[-n:]:
        raise RuntimeError(f"{op}: expected input with non-zero spatial sizes, got shape "
                           f"{tuple(input.shape)}")
    size = _adaptive_size(op, output_size, n, input.shape)
    shape = tuple(input.shape[:-n]) + size
    check_allocatable(op, shape, input.dtype, output_size)  # before the bin-by-bin loop
    if 0 in size:  # an empty output, as torch's
        y = input._make(np.zeros(shape, dtype=input.dtype), False, None)
        return (y, y._make(np.zeros(shape, dtype=np.int64), False, None)) if return_indices \
            else y
    y = input
    for i in range(n):  # the last axis first: the max's first maximum is row-major first
        axis = input.ndim - 1 - i
        y = _adaptive_axis(y, axis, size[n - 1 - i], mode)
    if not return_indices:
        return y
    return y, y._make(_adaptive_argmax(input._data, size), False, None)


def _adaptive_argmax(x, size):
    """Flat positions (within the spatial block) of each adaptive bin's first maximum."""
    n = len(size)
    spatial = x.shape[-n:]
    out = np.zeros(x.shape[:-n] + tuple(size), dtype=np.int64)
    grids = [_bins(spatial[i], size[i]) for i in range(n)]
    for pos in np.ndindex(*size):
        win = tuple(slice(*grids[i][pos[i]]) for i in range(n))
        block = x[(Ellipsis,) + win]
        flat = block.reshape(block.shape[:-n] + (-1,)).argmax(-1)
        local = np.unravel_index(flat, block.shape[-n:])
        glob = [local[i] + grids[i][pos[i]][0] for i in range(n)]
        out[(Ellipsis,) + pos] = np.ravel_multi_index(glob, spatial)
    return out


def adaptive_avg_pool1d(input, output_size):
    """1-D average pooling to a fixed output length over torch's adaptive bins.

    Args:
        input: (N, C, L) or (C, L).
        output_size: the output length.

    Returns:
        Tensor (N, C, output_size).
    """
    op = "adaptive_avg_pool1d"
    _rank(op, input, 1)
    size = _adaptive_size(op, output_size, 1, input.shape)
    return _from_2d(_renamed(op, adaptive_avg_pool2d, _as_2d(input), (1,) + size))


def adaptive_avg_pool3d(input, output_size):
    """3-D average pooling to a fixed output size over torch's adaptive bins.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or a triple (None keeps that input size).

    Returns:
        Tensor (N, C, OD, OH, OW).
    """
    return _adaptive("adaptive_avg_pool3d", input, output_size, 3, "avg")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D max pooling to a fixed output length over torch's adaptive bins.

    Args:
        input: (N, C, L) or (C, L).
        output_size: the output length.
        return_indices: also return the argmax positions (int64).

    Returns:
        Tensor (N, C, output_size), or ``(output, indices)``.
    """
    return _adaptive("adaptive_max_pool1d", input, output_size, 1, "max", return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D max pooling to a fixed output size over torch's adaptive bins.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: an int or a pair (None keeps that input size).
        return_indices: also return the argmax positions (flat h*W + w, int64).

    Returns:
        Tensor (N, C, OH, OW), or ``(output, indices)``.
    """
    return _adaptive("adaptive_max_pool2d", input, output_size, 2, "max", return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D max pooling to a fixed output size over torch's adaptive bins.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        output_size: an int or a triple (None keeps that input size).
        return_indices: also return the argmax positions (flat d*H*W + h*W + w, int64).

    Returns:
        Tensor (N, C, OD, OH, OW), or ``(output, indices)``.
    """
    return _adaptive("adaptive_max_pool3d", input, output_size, 3, "max", return_indices)


def _lp(op, input, norm_type, kernel, stride, ceil_mode, pool):
    if not isinstance(norm_type, (int, float)) or norm_type == 0:
        raise ValueError(f"{op}: norm_type must be a non-zero number, got {norm_type!r}")
    p = float(norm_type)
    out = pool(input ** p, kernel, stride, 0, ceil_mode)
    n = math.prod(kernel)
    # torch's formula: (sign(out) * relu(|out|) * n) ** (1/p); sign has no gradient
    return (_sign(out) * relu(tabs(out)) * float(n)) ** (1.0 / p)


def _sign(t):
    return E.const(t, np.sign(t._data))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum over the window of x^p)^(1/p)`` over (N, C, L) inputs.

    Args:
        input: (N, C, L) or (C, L).
        norm_type: p (inf gives max pooling).
        kernel_size: the window length.
        stride: the window step (default ``kernel_size``).
        ceil_mode: round the output length up.

    Returns:
        Tensor (N, C, OL).
    """
    k = _one("lp_pool1d", "kernel_size", kernel_size)
    s = k if stride is None else _one("lp_pool1d", "stride", stride)
    if norm_type == math.inf:
        return max_pool1d(input, k, s, 0, 1, ceil_mode)
    return _lp("lp_pool1d", input, norm_type, k, s, ceil_mode, avg_pool1d)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum over the window of x^p)^(1/p)`` over (N, C, H, W) inputs.

    Args:
        input: (N, C, H, W) or (C, H, W).
        norm_type: p (inf gives max pooling).
        kernel_size: int or pair.
        stride: int or pair (default ``kernel_size``).
        ceil_mode: round the output sizes up.

    Returns:
        Tensor (N, C, OH, OW).
    """
    k = int_tuple("lp_pool2d", "kernel_size", kernel_size, error=TypeError)
    s = k if stride is None else int_tuple("lp_pool2d", "stride", stride, error=TypeError)
    if norm_type == math.inf:
        return max_pool2d(input, k, s, 0, 1, ceil_mode)
    return _lp("lp_pool2d", input, norm_type, k, s, ceil_mode, avg_pool2d)
