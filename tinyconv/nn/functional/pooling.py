"""Pooling with torch's signatures: max, average, adaptive average, max unpooling (ops:
``tinyconv.ops.pool``, ``tinyconv.ops.upsample.MaxUnpool2d``)."""
import numpy as np

from ..._checks import FLOATS, check_float, check_tensor, int_tuple, is_int
from ..._engine import TensorBase
from ..._geometry import pool_output_size
from ...ops import pool as P
from ...ops import upsample as U

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_unpool2d"]


def _pool_pair(op, name, value):
    """torch's parsing of a pooling argument: an int, or a sequence of one or two ints."""
    return int_tuple(op, name, value, error=TypeError, length_error=RuntimeError)


def _exact_pair(op, name, value):
    """An int or a pair of ints (torch's unpool/fold/unfold parsing: no 1-sequences)."""
    return int_tuple(op, name, value, allow_one=False, error=TypeError)


def _pool_input(op, input, empty_channels=False):
    """Check the input: a float32/float64 Tensor, (C, H, W) or (N, C, H, W); N may be 0."""
    check_tensor(op, "input", input)
    shape = input.shape
    if input.ndim not in (3, 4) or shape[-1] == 0 or shape[-2] == 0 or (
            shape[-3] == 0 and not empty_channels):
        raise RuntimeError(
            f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero "
            f"{'H and W' if empty_channels else 'C, H and W'} (N may be 0), but got input of "
            f"shape {tuple(shape)}")
    if input.dtype not in FLOATS:
        raise TypeError(f"{op}: expected a float32 or float64 input, got {input.dtype}")


def _pool_geometry(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Validated pairs (kernel, stride, padding, dilation) and the output (OH, OW)."""
    k = _pool_pair(op, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pool_pair(op, "stride", stride)
    p = _pool_pair(op, "padding", padding)
    d = _pool_pair(op, "dilation", dilation)
    _pool_input(op, input)
    if min(k) < 1:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got "
                           f"kernel_size={k}")
    if min(s) < 1:
        raise RuntimeError(f"{op}: stride must be greater than zero, but got stride={s}")
    if min(d) < 1:
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got dilation={d}")
    if min(p) < 0:
        raise RuntimeError(f"{op}: padding must be non-negative, but got padding={p}")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"{op}: padding should be at most half of kernel_size, but got "
                           f"padding={p} and kernel_size={k}")
    H, W = input.shape[-2:]
    out = (pool_output_size(H, k[0], s[0], p[0], d[0], ceil_mode),
           pool_output_size(W, k[1], s[1], p[1], d[1], ceil_mode))
    if out[0] < 1 or out[1] < 1:
        dil = f", dilation={d}" if op == "max_pool2d" else ""
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} is too small for kernel_size={k}, "
            f"stride={s}, padding={p}{dil}, ceil_mode={bool(ceil_mode)}: calculated output "
            f"size {out}")
    return k, s, p, d, out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (H, W) windows.

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        kernel_size: window size, int or (KH, KW).
        stride: window step, int or pair; defaults to kernel_size.
        padding: implicit -inf padding on both sides, int or pair, at most kernel_size // 2.
        dilation: spacing between window taps, int or pair.
        ceil_mode: round the output size up (a window must still start inside the input or
            its left/top padding).
        return_indices: also return the argmax of each window, as flat h*W+w positions
            (int64), as torch does.

    Returns:
        The pooled Tensor, or ``(output, indices)`` when ``return_indices``.  The gradient of
        a window goes wholly to its argmax (the first one on a tie).

    Shape:
        (N, C, H, W) -> (N, C, OH, OW) with
        OH = floor_or_ceil((H + 2*padding - dilation*(KH - 1) - 1) / stride) + 1, likewise OW.
    """
    k, s, p, d, out = _pool_geometry("max_pool2d", input, kernel_size, stride, padding,
                                     dilation, ceil_mode)
    return P.MaxPool2d.apply(input, kernel_size=k, stride=s, padding=p, dilation=d,
                                 output_size=out, return_indices=bool(return_indices))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (H, W) windows.

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        kernel_size: window size, int or (KH, KW).
        stride: window step, int or pair; defaults to kernel_size.
        padding: implicit zero padding on both sides, int or pair, at most kernel_size // 2.
        ceil_mode: round the output size up (a window must still start inside the input or
            its left/top padding).
        count_include_pad: divide by the window size including padding (clipped to the
            padded input, as torch) rather than by the number of input elements it covers.
        divisor_override: a non-zero int to divide every window sum by instead.

    Returns:
        The pooled Tensor.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW) with
        OH = floor_or_ceil((H + 2*padding - KH) / stride) + 1, likewise OW.
    """
    if divisor_override is not None:
        if not is_int(divisor_override):
            raise TypeError(f"avg_pool2d: divisor_override must be an int or None, not "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor_override must be non-zero, but got 0")
    k, s, p, _, out = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding, 1,
                                     ceil_mode)
    return P.AvgPool2d.apply(input, kernel_size=k, stride=s, padding=p, output_size=out,
                                 count_include_pad=bool(count_include_pad),
                                 divisor_override=divisor_override and int(divisor_override))


def adaptive_avg_pool2d(input, output_size):
    """2-D average pooling to a fixed output size, over torch's adaptive bins.

    Bin i along H covers rows floor(i*H/OH) to ceil((i+1)*H/OH) (exclusive), likewise W.

    Args:
        input: (N, C, H, W) or (C, H, W), float32 or float64.
        output_size: OH=OW as an int, or (OH, OW) where None keeps that input size.

    Returns:
        The pooled Tensor.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW).
    """
    op = "adaptive_avg_pool2d"
    if is_int(output_size):
        size = (output_size, output_size)
    elif isinstance(output_size, (tuple, list)) and all(
            v is None or is_int(v) for v in output_size):
        if len(output_size) != 2:
            raise RuntimeError(f"{op}: output_size must have 2 elements, but got "
                               f"output_size={tuple(output_size)}")
        size = tuple(output_size)
    else:
        raise TypeError(f"{op}: output_size must be an int or a pair of ints/None, not "
                        f"{output_size!r}")
    _pool_input(op, input, empty_channels=True)
    size = tuple(int(input.shape[-2 + i]) if v is None else int(v) for i, v in enumerate(size))
    if min(size) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0, "
                           f"but got output_size={size}")
    check_allocatable(op, tuple(input.shape[:-2]) + size, input.dtype, output_size)
    return P.AdaptiveAvgPool2d.apply(input, output_size=size)


def check_allocatable(op, shape, dtype, output_size):
    """Raise torch's RuntimeError if an output of ``shape`` cannot be allocated (an absurd
    ``output_size``), before any work on it.

    Args:
        op: the calling function's name, for the message.
        shape: the output's shape.
        dtype: the output's dtype.
        output_size: the argument as the caller got it, for the message.
    """
    try:
        np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError) as e:
        raise RuntimeError(f"{op}: cannot allocate the output of shape {shape} for "
                           f"output_size={output_size!r} ({e})") from None


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: put each value back at its argmax, zeros elsewhere.

    Args:
        input: (N, C, H, W) or (C, H, W) pooled values, float32 or float64.
        indices: int64 tensor of input's shape, flat positions h*OW+w in the output plane
            (``max_pool2d(..., return_indices=True)``'s second output).
        kernel_size: the pooling's window, int or pair.
        stride: the pooling's stride (default ``kernel_size``).
        padding: the pooling's padding.
        output_size: the (OH, OW) to produce (optionally with leading dims, which are
            ignored), to undo the rounding of the pooling; each must lie within ``stride``
            of the default (H - 1)*stride - 2*padding + KH.

    Returns:
        The unpooled tensor; its gradient gathers gy at the indices.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW).
    """
    op = "max_unpool2d"
    check_float(op, input)
    check_tensor(op, "indices", indices)
    k = _exact_pair(op, "kernel_size", kernel_size)
    s = k if stride is None else _exact_pair(op, "stride", stride)
    p = _exact_pair(op, "padding", padding)
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{op}: expected a 3-D or 4-D input with non-zero C, H and W, but "
                           f"got input of shape {tuple(input.shape)}")
    if indices.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if indices.shape != input.shape:
        raise RuntimeError(f"{op}: expected shape of indices to be same as that of the input "
                           f"tensor {tuple(input.shape)} but got indices tensor with shape: "
                           f"{tuple(indices.shape)}")
    H, W = input.shape[-2:]
    default = ((H - 1) * s[0] + k[0] - 2 * p[0], (W - 1) * s[1] + k[1] - 2 * p[1])
    if output_size is None:
        out = default
    else:
        size = tuple(output_size.shape if isinstance(output_size, TensorBase) else output_size)
        if len(size) == input.ndim:
            size = size[-2:]
        if len(size) != 2 or not all(is_int(v) for v in size):
            raise ValueError(f"{op}: output_size should be a sequence containing 2 or "
                             f"{input.ndim} elements, but it has a length of '{len(size)}'")
        for dim in (0, 1):
            lo, hi = default[dim] - s[dim], default[dim] + s[dim]
            if not lo <= size[dim] <= hi:
                raise ValueError(f'{op}: invalid output_size "{tuple(size)}" (dim {dim} must '
                                 f'be between {lo} and {hi})')
        out = (int(size[0]), int(size[1]))
    if min(out) < 1:
        raise RuntimeError(f"{op}: output size {out} must be positive (input of shape "
                           f"{tuple(input.shape)}, kernel_size={k}, stride={s}, padding={p})")
    idx = indices._data
    if idx.size and (idx.min() < 0 or idx.max() >= out[0] * out[1]):
        bad = int(idx.max() if idx.max() >= out[0] * out[1] else idx.min())
        raise RuntimeError(f"{op}: found an invalid max index: {bad} (output volumes are of "
                           f"size {out[0]}x{out[1]})")
    return U.MaxUnpool2d.apply(input, indices=indices, output_size=out)
