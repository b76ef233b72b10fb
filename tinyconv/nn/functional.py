"""tinyconv.nn.functional: every op's public function, with torch's signature.

Each function validates its arguments (naming the argument and the shapes), then calls one
``Function`` from ``tinyconv.ops``.  Sections by family; each is owned by its ops module.
"""
from ..tensor import flatten  # noqa: F401  (torch.nn.functional has no flatten, torch does)

# ----------------------------------------------------------------------------- convolution
# (conv2d, conv_transpose2d, pad: tinyconv/ops/conv.py)
import numbers as _cnum  # noqa: E402

import numpy as _cnp  # noqa: E402

from ..ops import conv as _conv  # noqa: E402
from ..tensor import Tensor as _CTensor  # noqa: E402


class ConvArgumentError(ValueError, RuntimeError):
    """A bad convolution/pad argument (a ValueError, and a RuntimeError as torch raises)."""


class ConvDtypeError(TypeError, RuntimeError):
    """A bad convolution dtype (a TypeError, and a RuntimeError as torch raises)."""


_CONV_FLOATS = (_cnp.dtype(_cnp.float32), _cnp.dtype(_cnp.float64))


def _conv_int(v):
    return isinstance(v, _cnum.Integral) and not isinstance(v, bool)


def _conv_pair(op, name, value):
    """An int or a sequence of one or two ints -> (a, b)."""
    if _conv_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and all(_conv_int(v) for v in value) \
            and len(value) in (1, 2):
        return (int(value[0]), int(value[-1]))
    raise ConvArgumentError(
        f"{op}: {name} must be an int or a tuple of two ints, but got {name}={value!r}")


def _conv_tensors(op, input, weight, bias, transposed):
    """Type, dtype and rank checks shared by conv2d and conv_transpose2d."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, _CTensor):
            raise TypeError(f"{op}: {name} must be a Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, _CTensor):
        raise TypeError(f"{op}: bias must be a Tensor or None, not {type(bias).__name__}")
    if input.dtype not in _CONV_FLOATS:
        raise ConvDtypeError(f"{op}: expected a float32 or float64 input, got {input.dtype}")
    if weight.dtype != input.dtype:
        raise ConvDtypeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                             f"must be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise ConvDtypeError(f"{op}: input dtype {input.dtype} and bias dtype {bias.dtype} "
                             f"must be the same")
    if weight.ndim != 4:
        raise ConvArgumentError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, "
                                f"kH, kW), but got weight of shape {tuple(weight.shape)}")
    if input.ndim not in (3, 4):
        raise ConvArgumentError(
            f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, but got input of shape "
            f"{tuple(input.shape)}")


def _conv_common(op, input, weight, stride, dilation, groups):
    s = _conv_pair(op, "stride", stride)
    d = _conv_pair(op, "dilation", dilation)
    if min(s) < 1:
        raise ConvArgumentError(f"{op}: stride must be positive, but got stride={s}")
    if min(d) < 1:
        raise ConvArgumentError(f"{op}: dilation must be positive, but got dilation={d}")
    if not _conv_int(groups) or groups < 1:
        raise ConvArgumentError(f"{op}: groups must be a positive int, but got groups={groups!r}")
    return s, d, int(groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as torch) over an (N, C, H, W) input.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), float32 or float64.
        weight: (F, C/groups, KH, KW), same dtype as input.
        bias: optional (F,).
        stride: int or (sh, sw), >= 1.
        padding: int or (ph, pw) zeros on both sides, or 'valid' (none) or 'same' (output size
            equals input size, stride 1 only; for an even total d*(k-1) the extra row/column
            goes to the bottom/right, as torch).
        dilation: int or (dh, dw), spacing of the kernel taps.
        groups: input and output channels are split into this many groups convolved
            separately (groups == C is a depthwise convolution).

    Returns:
        Tensor (N, F, OH, OW) (or (F, OH, OW) for an unbatched input).

    Shape:
        OH = (H + pad_top + pad_bottom - dh*(KH - 1) - 1) // sh + 1, likewise OW.
    """
    op = "conv2d"
    _conv_tensors(op, input, weight, bias, False)
    s, d, G = _conv_common(op, input, weight, stride, dilation, groups)
    F, Cg, KH, KW = weight.shape
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if s != (1, 1):
                raise ConvArgumentError(
                    f"{op}: padding='same' is not supported for strided convolutions "
                    f"(stride={s})")
            th, tw = d[0] * (KH - 1), d[1] * (KW - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ConvArgumentError(f"{op}: invalid padding string {padding!r} (expected "
                                    f"'same' or 'valid')")
    else:
        p = _conv_pair(op, "padding", padding)
        if min(p) < 0:
            raise ConvArgumentError(f"{op}: negative padding is not supported, got "
                                    f"padding={p}")
        pads = (p[0], p[0], p[1], p[1])
    batched = input.ndim == 4
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    N, C, H, W = shape
    if F % G:
        raise ConvArgumentError(
            f"{op}: groups={G} must divide the output channels, but got weight of shape "
            f"{tuple(weight.shape)}")
    if C % G:
        raise ConvArgumentError(
            f"{op}: groups={G} must divide the input channels, but got input of shape "
            f"{tuple(input.shape)}")
    if C != Cg * G:
        raise ConvArgumentError(
            f"{op}: input has {C} channels but weight of shape {tuple(weight.shape)} with "
            f"groups={G} expects {Cg * G} (input shape {tuple(input.shape)})")
    if bias is not None and tuple(bias.shape) != (F,):
        raise ConvArgumentError(f"{op}: bias must have shape ({F},) for weight of shape "
                                f"{tuple(weight.shape)}, but got bias of shape "
                                f"{tuple(bias.shape)}")
    Hp, Wp = H + pads[0] + pads[1], W + pads[2] + pads[3]
    if Hp < d[0] * (KH - 1) + 1 or Wp < d[1] * (KW - 1) + 1:
        raise ConvArgumentError(
            f"{op}: kernel of size ({KH}, {KW}) with dilation {d} is larger than the padded "
            f"input ({Hp}, {Wp}) (input shape {tuple(input.shape)}, weight shape "
            f"{tuple(weight.shape)})")
    out = (_conv.conv_output_size(H, KH, s[0], pads[0] + pads[1], d[0]),
           _conv.conv_output_size(W, KW, s[1], pads[2] + pads[3], d[1]))
    geom = _conv.ConvGeometry(s, pads, d, G, out)
    x = input if batched else input.unsqueeze(0)
    args = (x, weight) if bias is None else (x, weight, bias)
    y = _conv.Conv2d.apply(*args, geom=geom)
    return y if batched else y.squeeze(0)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    Args:
        input: (N, Cin, H, W) or unbatched (Cin, H, W), float32 or float64.
        weight: (Cin, Cout/groups, KH, KW), same dtype as input.
        bias: optional (Cout,).
        stride, padding, dilation: those of the convolution this one transposes (int or
            pair); padding trims that many rows/columns from each side of the full output.
        output_padding: int or pair added to the bottom/right of the output size; must be
            smaller than stride or dilation.
        groups: channel groups, as in conv2d.

    Returns:
        Tensor (N, Cout, OH, OW).

    Shape:
        OH = (H - 1)*sh - 2*ph + dh*(KH - 1) + output_padding_h + 1, likewise OW.
    """
    op = "conv_transpose2d"
    _conv_tensors(op, input, weight, bias, True)
    s, d, G = _conv_common(op, input, weight, stride, dilation, groups)
    p = _conv_pair(op, "padding", padding)
    op_ = _conv_pair(op, "output_padding", output_padding)
    if min(p) < 0:
        raise ConvArgumentError(f"{op}: negative padding is not supported, got padding={p}")
    if min(op_) < 0 or op_[0] >= max(s[0], d[0]) or op_[1] >= max(s[1], d[1]):
        raise ConvArgumentError(
            f"{op}: output padding must be non-negative and smaller than either stride or "
            f"dilation, but got output_padding={op_}, stride={s}, dilation={d}")
    Cin, Cog, KH, KW = weight.shape
    batched = input.ndim == 4
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    N, C, H, W = shape
    if Cin % G:
        raise ConvArgumentError(
            f"{op}: groups={G} must divide weight's first dimension, but got weight of shape "
            f"{tuple(weight.shape)}")
    if C != Cin:
        raise ConvArgumentError(
            f"{op}: input has {C} channels but weight of shape {tuple(weight.shape)} expects "
            f"{Cin} (input shape {tuple(input.shape)})")
    Cout = Cog * G
    if bias is not None and tuple(bias.shape) != (Cout,):
        raise ConvArgumentError(f"{op}: bias must have shape ({Cout},) for weight of shape "
                                f"{tuple(weight.shape)} and groups={G}, but got bias of shape "
                                f"{tuple(bias.shape)}")
    OH = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op_[0] + 1
    OW = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op_[1] + 1
    if OH < 1 or OW < 1:
        raise ConvArgumentError(
            f"{op}: calculated output size ({OH}, {OW}) is too small for input of shape "
            f"{tuple(input.shape)}, weight of shape {tuple(weight.shape)}, stride={s}, "
            f"padding={p}, dilation={d}")
    geom = _conv.ConvGeometry(s, (p[0], p[0], p[1], p[1]), d, G, (H, W))
    x = input if batched else input.unsqueeze(0)
    args = (x, weight) if bias is None else (x, weight, bias)
    y = _conv.ConvTranspose2d.apply(*args, geom=geom, out_shape=(N, Cout, OH, OW))
    return y if batched else y.squeeze(0)


def pad(input, pad, mode="constant", value=None):
    """Pad the last dimensions of a tensor, torch's way.

    Args:
        input: a Tensor.
        pad: (left, right) for the last dim, then (top, bottom) for the one before, and so on;
            an even number of ints, at most 2*input.ndim.  Negative values crop ('constant'
            and 'circular' only).
        mode: 'constant' (fill with value), 'reflect' (mirror without repeating the edge),
            'replicate' (repeat the edge) or 'circular' (wrap around).  reflect, replicate and
            circular pad the last 1, 2 or 3 dims of an input with one or two more leading
            dims; circular, like constant, crops where a pad is negative, then wraps the
            cropped values (at most once around).
        value: fill value for 'constant' (default 0).

    Returns:
        The padded Tensor.
    """
    op = "pad"
    if not isinstance(input, _CTensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if not isinstance(pad, (tuple, list)) or not all(_conv_int(v) for v in pad):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}")
    pads = tuple(int(v) for v in pad)
    if len(pads) % 2:
        raise ConvArgumentError(f"{op}: padding length must be divisible by 2, got pad={pads}")
    if len(pads) > 2 * input.ndim:
        raise ConvArgumentError(
            f"{op}: padding length should be at most twice the input dimension, but got pad "
            f"of length {len(pads)} for input of shape {tuple(input.shape)}")
    nd = len(pads) // 2
    shape = tuple(input.shape)
    if mode == "constant":
        for k in range(nd):
            n = shape[input.ndim - 1 - k]
            if n + pads[2 * k] + pads[2 * k + 1] < 0:
                raise ConvArgumentError(
                    f"{op}: pad={pads} gives a negative size for dimension "
                    f"{input.ndim - 1 - k} of input of shape {shape}")
        fill = 0 if value is None else value
        return _conv.Pad.apply(input, pads=pads, mode="constant", value=fill)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"{op}: unrecognised padding mode {mode!r} (expected "
                                  f"'constant', 'reflect', 'replicate' or 'circular')")
    if value is not None and value != 0:
        raise ConvArgumentError(f"{op}: padding mode {mode!r} doesn't take a value argument")
    if nd not in (1, 2, 3) or input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(
            f"{op}: {mode} padding of {nd} dims (pad of length {len(pads)}) is not supported "
            f"for input of shape {shape}; it needs an input with {nd + 1} or {nd + 2} dims")
    if mode == "circular":
        for k in range(nd):
            dim = input.ndim - 1 - k
            lo, hi = pads[2 * k], pads[2 * k + 1]
            m = shape[dim] - max(-lo, 0) - max(-hi, 0)
            if m < 0:
                raise ConvArgumentError(
                    f"{op}: circular pad ({lo}, {hi}) gives a negative size for dimension "
                    f"{dim} of input of shape {shape}")
            if lo > m or hi > m:
                raise ConvArgumentError(
                    f"{op}: circular pad ({lo}, {hi}) wraps around dimension {dim} more than "
                    f"once (it has {m} values after cropping; input shape {shape})")
        return _conv.Pad.apply(input, pads=pads, mode=mode, value=None)
    if min(pads) < 0:
        raise ConvArgumentError(f"{op}: {mode} padding must be non-negative, got pad={pads}")
    for k in range(nd):
        dim = input.ndim - 1 - k
        n = shape[dim]
        lo, hi = pads[2 * k], pads[2 * k + 1]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ConvArgumentError(
                f"{op}: reflect padding ({lo}, {hi}) must be smaller than dimension {dim} of "
                f"input of shape {shape}")
        if mode == "replicate" and n == 0 and (lo or hi):
            raise ConvArgumentError(f"{op}: cannot replicate-pad empty dimension {dim} of "
                                    f"input of shape {shape}")
    return _conv.Pad.apply(input, pads=pads, mode=mode, value=None)


# ----------------------------------------------------------------------------- pooling
# (max_pool2d, avg_pool2d, adaptive_avg_pool2d: tinyconv/ops/pool.py)
import numbers as _numbers  # noqa: E402

from ..ops import pool as _pool  # noqa: E402
from ..tensor import Tensor as _Tensor  # noqa: E402
from ..tensor import float32 as _f32, float64 as _f64  # noqa: E402


def _is_int(v):
    return isinstance(v, _numbers.Integral) and not isinstance(v, bool)


def _pool_pair(op, name, value):
    """torch's parsing of a pooling argument: an int, or a sequence of one or two ints."""
    tv = type(value)
    if tv is int:  # the common spellings first: per-call overhead matters
        return (value, value)
    if tv is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int:
        return value
    if _is_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        if len(value) == 2:
            return (int(value[0]), int(value[1]))
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of two ints, "
                           f"but got {name}={tuple(value)}")
    raise TypeError(f"{op}: {name} must be an int or a tuple of two ints, not {value!r}")


def _pool_input(op, input, empty_channels=False):
    """Check the input: a float32/float64 Tensor, (C, H, W) or (N, C, H, W); N may be 0."""
    if not isinstance(input, _Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    shape = input.shape
    if input.ndim not in (3, 4) or shape[-1] == 0 or shape[-2] == 0 or (
            shape[-3] == 0 and not empty_channels):
        raise RuntimeError(
            f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero "
            f"{'H and W' if empty_channels else 'C, H and W'} (N may be 0), but got input of "
            f"shape {tuple(shape)}")
    if input.dtype != _f32 and input.dtype != _f64:
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
    out = (_pool.pool_output_size(H, k[0], s[0], p[0], d[0], ceil_mode),
           _pool.pool_output_size(W, k[1], s[1], p[1], d[1], ceil_mode))
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
    return _pool.MaxPool2d.apply(input, kernel_size=k, stride=s, padding=p, dilation=d,
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
        if not _is_int(divisor_override):
            raise TypeError(f"avg_pool2d: divisor_override must be an int or None, not "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor_override must be non-zero, but got 0")
    k, s, p, _, out = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding, 1,
                                     ceil_mode)
    return _pool.AvgPool2d.apply(input, kernel_size=k, stride=s, padding=p, output_size=out,
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
    if _is_int(output_size):
        size = (output_size, output_size)
    elif isinstance(output_size, (tuple, list)) and all(
            v is None or _is_int(v) for v in output_size):
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
    return _pool.AdaptiveAvgPool2d.apply(input, output_size=size)

# ----------------------------------------------------------------------------- normalization
# (batch_norm, group_norm, layer_norm, instance_norm: tinyconv/ops/norm.py)
import numbers as _nums  # noqa: E402
import warnings as _warnings  # noqa: E402

import numpy as _np  # noqa: E402

from .. import _random as _rnd  # noqa: E402
from ..autograd import is_grad_enabled as _grad_enabled  # noqa: E402
from ..ops import activation as _act  # noqa: E402
from ..ops import linalg as _linalg  # noqa: E402
from ..ops import loss as _loss  # noqa: E402
from ..ops import norm as _norm  # noqa: E402
from ..ops import reduce as _R  # noqa: E402
from ..tensor import Tensor as _Tensor  # noqa: E402,F811
from ..tensor import get_default_dtype as _default_dtype  # noqa: E402


def _int_like(v):
    return isinstance(v, _nums.Integral) and not isinstance(v, bool)


def _float_input(op, input, min_dim=0, layout=""):
    if not isinstance(input, _Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    if input.ndim < min_dim:
        raise ValueError(f"{op}: expected an input of at least {min_dim} dims {layout}, but got "
                         f"input of shape {tuple(input.shape)}")


def _per_channel(op, name, t, C, input, dtype=None):
    """Check an optional per-channel tensor (C elements) and return its flat 1-D view."""
    if t is None:
        return None
    if not isinstance(t, _Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, not {type(t).__name__}")
    if t.data.size != C:
        raise RuntimeError(
            f"{op}: {name} should contain {C} elements (one per channel of input of shape "
            f"{tuple(input.shape)}), but got {name} of shape {tuple(t.shape)}")
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    return t if t.ndim == 1 else t.reshape(C)


def _running_arrays(op, running_mean, running_var, C, input):
    """The running statistics' 1-D ndarrays (views updated in place), or (None, None)."""
    if running_mean is None and running_var is None:
        return None, None
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: running_mean and running_var must both be given or both be "
                           f"None")
    arrays = []
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        _per_channel(op, name, t, C, input)
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating point tensor, got {t.dtype}")
        a = t.data.reshape(C)
        if not _np.shares_memory(a, t.data):
            raise ValueError(f"{op}: {name} must be contiguous to be updated in place")
        arrays.append(a)
    return arrays[0], arrays[1]


def _affine(op, input, weight, bias, C):
    w = _per_channel(op, "weight", weight, C, input, input.dtype)
    b = _per_channel(op, "bias", bias, C, input, input.dtype)
    return tuple(t for t in (w, b) if t is not None), w is not None, b is not None


def _check_eps_momentum(op, eps, momentum, training):
    if momentum is None or isinstance(momentum, bool) or not isinstance(momentum, _nums.Real):
        raise TypeError(f"{op}: argument 'momentum' must be float, not "
                        f"{type(momentum).__name__}")
    if eps != eps or momentum != momentum:
        raise ValueError(f"{op}: eps and momentum must not be NaN, got eps={eps}, "
                         f"momentum={momentum}")
    if training and eps <= 0.0:
        raise ValueError(f"{op}: eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"{op}: eps must be non-negative, but got {eps}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization: normalise each channel over the batch and spatial dims.

    Args:
        input: (N, C, *) float tensor.
        running_mean, running_var: (C,) tensors or None.  When training they are updated in
            place: ``new = (1 - momentum) * old + momentum * batch`` with the unbiased batch
            variance.  Eval mode (``training=False``) normalises with them.
        weight, bias: optional (C,) affine parameters.
        training: use the batch's statistics (biased variance) instead of the running ones.
        momentum: a float, as in torch's functional form (``BatchNorm*`` modules implement
            ``momentum=None``, the cumulative average, by passing ``1/num_batches_tracked``).
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("batch_norm", input, 2, "(N, C, *)")
    _check_eps_momentum("batch_norm", eps, momentum, training)
    shape = input.shape
    C = shape[1]
    rm, rv = _running_arrays("batch_norm", running_mean, running_var, C, input)
    wb, has_w, has_b = _affine("batch_norm", input, weight, bias, C)
    if training:
        m = input.data.size // C if C else 0
        if m == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(shape)}")
        if m == 0:
            raise ValueError(f"batch_norm: cannot compute batch statistics of an empty input "
                             f"(shape {tuple(shape)})")
    elif rm is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in "
                           "evaluation mode (training=False)")
    return _norm.BatchNorm.apply(input, *wb, running_mean=rm, running_var=rv,
                                 training=bool(training), momentum=float(momentum),
                                 eps=float(eps), has_w=has_w, has_b=has_b)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: normalise each sample over groups of C/num_groups channels.

    Args:
        input: (N, C, *) float tensor.
        num_groups: number of groups; must divide C.
        weight, bias: optional (C,) per-channel affine parameters.
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("group_norm", input, 2, "(N, C, *)")
    C = input.shape[1]
    if not _int_like(num_groups) or num_groups <= 0 or C % num_groups:
        raise RuntimeError(
            f"group_norm: expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {tuple(input.shape)} and num_groups={num_groups}")
    per_group = input.shape[0] * (C // num_groups)
    for s in input.shape[2:]:
        per_group *= s
    if per_group == 1:  # torch refuses to normalise a single value, as batch_norm does
        raise ValueError(
            f"group_norm: expected more than 1 value per group, got input of shape "
            f"{tuple(input.shape)} with num_groups={num_groups}")
    if not float(eps) >= 0.0:
        raise ValueError(f"group_norm: eps must be non-negative, but got {eps}")
    wb, has_w, has_b = _affine("group_norm", input, weight, bias, C)
    return _norm.GroupNorm.apply(input, *wb, num_groups=int(num_groups), eps=float(eps),
                                 has_w=has_w, has_b=has_b)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the trailing dims given by ``normalized_shape``.

    Args:
        input: (*, normalized_shape...) float tensor.
        normalized_shape: int or sequence of ints: the trailing shape to normalise over.
        weight, bias: optional affine parameters of shape ``normalized_shape``.
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("layer_norm", input)
    ns = (normalized_shape,) if _int_like(normalized_shape) else tuple(normalized_shape)
    if not ns or not all(_int_like(s) for s in ns):
        raise TypeError(f"layer_norm: normalized_shape must be an int or a non-empty sequence "
                        f"of ints, got {normalized_shape!r}")
    nd = len(ns)
    if not float(eps) >= 0.0:
        raise ValueError(f"layer_norm: eps must be non-negative, but got {eps}")
    if input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != ns:
        raise RuntimeError(
            f"layer_norm: given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of shape {tuple(input.shape)}")
    wb = []
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if not isinstance(t, _Tensor):
            raise TypeError(f"layer_norm: {name} must be a Tensor or None")
        if tuple(t.shape) != ns:
            raise RuntimeError(
                f"layer_norm: expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {tuple(t.shape)} and normalized_shape={list(ns)}")
        wb.append(t if t.dtype == input.dtype else t.to(input.dtype))
    return _norm.LayerNorm.apply(input, *wb, nd=nd, eps=float(eps), has_w=weight is not None,
                                 has_b=bias is not None)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalization: normalise each (sample, channel) over its spatial dims.

    Args:
        input: (N, C, *) float tensor with at least one spatial dim.
        running_mean, running_var: optional (C,) tensors; with ``use_input_stats`` they are
            updated in place with the per-sample statistics averaged over N.
        weight, bias: optional (C,) affine parameters.
        use_input_stats: normalise with each instance's own statistics; otherwise with the
            running statistics (which must then be given).
        momentum, eps: as in ``batch_norm``.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("instance_norm", input, 2, "(N, C, *)")
    _check_eps_momentum("instance_norm", eps, momentum, use_input_stats)
    C = input.shape[1]
    rm, rv = _running_arrays("instance_norm", running_mean, running_var, C, input)
    wb, has_w, has_b = _affine("instance_norm", input, weight, bias, C)
    if not use_input_stats:
        if rm is None:
            raise RuntimeError("instance_norm: expected running_mean and running_var to be "
                               "defined when use_input_stats is False")
        return _norm.BatchNorm.apply(input, *wb, running_mean=rm, running_var=rv,
                                     training=False, eps=float(eps), has_w=has_w, has_b=has_b)
    spatial = input.data.size // (input.shape[0] * C) if input.data.size else 0
    if spatial <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {tuple(input.shape)}")
    return _norm.InstanceNorm.apply(input, *wb, eps=float(eps), has_w=has_w, has_b=has_b,
                                    running_mean=rm, running_var=rv, momentum=float(momentum))



# ----------------------------------------------------------------------------- activations
# (relu, leaky_relu, gelu, sigmoid, tanh, softmax, log_softmax, dropout: tinyconv/ops/activation.py)
def _records(input):
    """Whether an op on ``input`` is recorded for backward (in-place is then refused)."""
    return input.requires_grad and _grad_enabled()


def _act_input(op, input, float_only=True):
    if not isinstance(input, _Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if float_only and input.dtype.kind != "f":
        return input.to(_default_dtype())
    return input


def relu(input, inplace=False):
    """max(input, 0), elementwise.

    Args:
        input: any tensor.
        inplace: overwrite ``input`` when no graph is being recorded through it; while one is,
            a new tensor is returned instead (tinyconv has no version counters to make in-place
            ops in a graph safe).

    Returns:
        A tensor of input's shape and dtype.
    """
    input = _act_input("relu", input, float_only=False)
    if inplace and not _records(input):
        _np.maximum(input.data, 0, out=input.data)
        return input
    return _act.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where input > 0, else negative_slope * input.

    Args:
        input: float tensor.
        negative_slope: slope for negative inputs.
        inplace: as in ``relu``.

    Returns:
        A tensor of input's shape and dtype.
    """
    input = _act_input("leaky_relu", input)
    slope = float(negative_slope)
    if slope != slope:
        raise ValueError("leaky_relu: negative_slope must not be NaN")
    if inplace and not _records(input):
        x = input.data
        _np.multiply(x, slope, out=x, where=x <= 0)
        return input
    return _act.LeakyReLU.apply(input, negative_slope=slope)


def gelu(input, approximate="none"):
    """Gaussian error linear unit: input * Phi(input).

    Args:
        input: float tensor.
        approximate: 'none' (exact, with erf) or 'tanh' (torch's tanh approximation).

    Returns:
        A tensor of input's shape and dtype.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got "
                           f"{approximate!r}")
    return _act.GELU.apply(_act_input("gelu", input), approximate=approximate)


def sigmoid(input):
    """1 / (1 + exp(-input)), computed without overflow.

    Args:
        input: tensor (integers are converted to the default float dtype).

    Returns:
        A float tensor of input's shape.
    """
    return _act.Sigmoid.apply(_act_input("sigmoid", input))


def tanh(input):
    """Hyperbolic tangent, elementwise.

    Args:
        input: tensor (integers are converted to the default float dtype).

    Returns:
        A float tensor of input's shape.
    """
    return _act.Tanh.apply(_act_input("tanh", input))


def _softmax_args(op, input, dim, dtype, stacklevel):
    if not isinstance(input, _Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input (or dtype=), got {input.dtype}")
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
        _warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                       f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    axis = _R.normalize_dims(dim, input.ndim, op)
    if len(axis) != 1:
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return input, (axis[0] if input.ndim else None)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / sum(exp(input)) along ``dim``, computed stably.

    Args:
        input: float tensor.
        dim: the dimension to normalise over (None: torch's deprecated implicit choice).
        dtype: cast the input to this dtype first.

    Returns:
        A tensor of input's shape.
    """
    input, axis = _softmax_args("softmax", input, dim, dtype, _stacklevel)
    return _act.Softmax.apply(input, dim=axis)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input)) along ``dim``, computed stably (finite for any finite input).

    Args:
        input: float tensor.
        dim: the dimension to normalise over (None: torch's deprecated implicit choice).
        dtype: cast the input to this dtype first.

    Returns:
        A tensor of input's shape.
    """
    input, axis = _softmax_args("log_softmax", input, dim, dtype, _stacklevel)
    return _act.LogSoftmax.apply(input, dim=axis)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when training).

    Args:
        input: float tensor.
        p: drop probability in [0, 1].
        training: apply dropout; otherwise return ``input`` unchanged.
        inplace: as in ``relu``.

    Returns:
        A tensor of input's shape and dtype; the mask comes from the package RNG
        (``tc.manual_seed``).
    """
    if isinstance(p, bool) or not isinstance(p, _nums.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: dropout probability has to be between 0 and 1, but got {p}")
    input = _act_input("dropout", input)
    if not training or p == 0.0 or input.data.size == 0:
        return input
    rng = _rnd.default_rng()
    y = _act.Dropout.apply(input, p=float(p), rng=rng)
    if inplace and not _records(input):
        input.data[...] = y.data
        return input
    return y


# ----------------------------------------------------------------------------- linear
# (linear: tinyconv/ops/linalg.py)
def linear(input, weight, bias=None):
    """y = input @ weight.T + bias.

    Args:
        input: (*, in_features) float tensor.
        weight: (out_features, in_features).
        bias: optional (out_features,).

    Returns:
        (*, out_features) tensor.
    """
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, _Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, not {type(t).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"linear: expected a floating point input, got {input.dtype}")
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} has "
            f"{input.shape[-1] if input.ndim else 0} features but weight of shape "
            f"{tuple(weight.shape)} expects in_features={weight.shape[1]}")
    wb = (weight,)
    if bias is not None:
        if not isinstance(bias, _Tensor):
            raise TypeError(f"linear: bias must be a Tensor or None, not {type(bias).__name__}")
        if tuple(bias.shape) != (weight.shape[0],):
            raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match "
                               f"out_features={weight.shape[0]} (weight shape "
                               f"{tuple(weight.shape)})")
        wb += (bias,)
    for name, t in zip(("weight", "bias"), wb):
        if t.dtype != input.dtype:
            raise RuntimeError(f"linear: expected {name} to have the input's dtype "
                               f"{input.dtype}, but got {t.dtype}")
    return _linalg.Linear.apply(input, *wb, has_b=bias is not None)




# ----------------------------------------------------------------------------- losses
# (cross_entropy, nll_loss, mse_loss, ...: tinyconv/ops/loss.py)
def _reduction_arg(op, size_average, reduce, reduction):
    """torch's reduction argument, including the deprecated size_average/reduce pair."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        _warnings.warn(f"size_average and reduce args will be deprecated, please use "
                       f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction (expected "
                         f"'none', 'mean' or 'sum')")
    return reduction


def _loss_tensor(op, name, t):
    if not isinstance(t, _Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, not {type(t).__name__}")


def _class_target(op, input, target, ignore_index):
    """Validate class-index targets against input (N, C, *) or (C,); return int64 data."""
    shape, tshape = tuple(input.shape), tuple(target.shape)
    if input.ndim == 0:
        raise RuntimeError(f"{op}: input must have at least 1 dim (C,) or (N, C, *), got a "
                           f"0-d input")
    if target.dtype != _np.int64 and target.dtype != _np.uint8:
        raise RuntimeError(f"{op}: expected target dtype to be int64 (or uint8) class indices, "
                           f"but got {target.dtype} (input shape {shape}, target shape "
                           f"{tshape})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(f"{op}: input of shape {shape} (C,) expects a 0-d target, but "
                               f"got target of shape {tshape}")
    elif target.ndim == 0 or tshape[0] != shape[0]:
        raise ValueError(f"{op}: expected input batch_size ({shape[0]}) to match target "
                         f"batch_size ({tshape[0] if target.ndim else 'a 0-d target'}): input "
                         f"shape {shape}, target shape {tshape}")
    elif tshape[1:] != shape[2:]:
        raise RuntimeError(f"{op}: expected target of shape {(shape[0],) + shape[2:]} for input "
                           f"of shape {shape}, but got target of shape {tshape}")
    t = target.data.astype(_np.int64, copy=False)
    C = shape[1] if input.ndim > 1 else shape[0]
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, _np.integer)):
        raise TypeError(f"{op}: argument 'ignore_index' must be int, not "
                        f"{type(ignore_index).__name__}")
    ignore = int(ignore_index)
    if t.size and t.view(_np.uint64).max() >= C:  # negatives wrap to huge values
        bad = t[((t < 0) | (t >= C)) & (t != ignore)]
        if bad.size:
            raise IndexError(f"{op}: target {int(bad.flat[0])} is out of bounds for {C} classes "
                             f"(input shape {shape}, target shape {tshape}, "
                             f"ignore_index={ignore_index})")
    elif not 0 <= ignore < C:
        ignore = None  # every target is a class in range: nothing can be ignored
    return t, ignore


def _class_weight(op, weight, input):
    if weight is None:
        return None
    _loss_tensor(op, "weight", weight)
    C = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight.ndim != 1 or weight.shape[0] != C:
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {C} classes "
                           f"or no classes, but got weight tensor of shape {tuple(weight.shape)} "
                           f"(input shape {tuple(input.shape)})")
    if weight.requires_grad and _grad_enabled():
        raise RuntimeError(f"{op}: the loss is not differentiable with respect to 'weight'; "
                           f"this input cannot have requires_grad=True")
    return weight.data.astype(input.dtype, copy=False)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits and class indices (or class probabilities).

    Fuses log-softmax and NLL with a stable backward (softmax - one-hot), finite for any
    finite logits.

    Args:
        input: logits (N, C), (N, C, d1, ...) or (C,).
        target: int64 class indices (N,), (N, d1, ...) or () -- or float class probabilities
            of input's shape.
        weight: optional (C,) class weights (not differentiable).
        size_average, reduce: deprecated, as in torch.
        ignore_index: class-index targets equal to it add nothing (and are not counted by
            'mean').
        reduction: 'none' | 'mean' | 'sum'.  'mean' divides by the summed weights of the
            counted targets (the batch size for probability targets).
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Returns:
        The loss: a 0-d tensor, or target's shape (batch shape) with reduction='none'.
    """
    op = "cross_entropy"
    _loss_tensor(op, "input", input)
    _loss_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point logits, got {input.dtype}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    w = _class_weight(op, weight, input)
    if input.ndim >= 1 and target.shape == input.shape:
        if target.dtype.kind != "f":
            raise RuntimeError(f"{op}: expected a floating point target for class "
                               f"probabilities (target shape equals input shape "
                               f"{tuple(input.shape)}), got {target.dtype}")
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        return _loss.CrossEntropyProbs.apply(input, target, weight=w, reduction=reduction,
                                             label_smoothing=float(label_smoothing))
    t, ignore = _class_target(op, input, target, ignore_index)
    return _loss.CrossEntropy.apply(input, target=t, weight=w, ignore_index=ignore,
                                    reduction=reduction, label_smoothing=float(label_smoothing))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities.

    Args:
        input: log-probabilities (N, C), (N, C, d1, ...) or (C,).
        target: int64 class indices (N,), (N, d1, ...) or ().
        weight: optional (C,) class weights (not differentiable).
        size_average, reduce: deprecated, as in torch.
        ignore_index: targets equal to it add nothing and are not counted by 'mean'.
        reduction: 'none' | 'mean' (divides by the summed weights of counted targets) | 'sum'.

    Returns:
        The loss: a 0-d tensor, or target's shape with reduction='none'.
    """
    op = "nll_loss"
    _loss_tensor(op, "input", input)
    _loss_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point input, got {input.dtype}")
    w = _class_weight(op, weight, input)
    t, ignore = _class_target(op, input, target, ignore_index)
    return _loss.NLLLoss.apply(input, target=t, weight=w, ignore_index=ignore,
                               reduction=reduction)


def _pointwise_args(op, input, target, size_average, reduce, reduction):
    _loss_tensor(op, "input", input)
    _loss_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if target.shape != input.shape:
        try:
            _np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(f"{op}: target of shape {tuple(target.shape)} cannot be broadcast "
                               f"to input of shape {tuple(input.shape)}") from None
        _warnings.warn(f"Using a target size ({tuple(target.shape)}) that is different to the "
                       f"input size ({tuple(input.shape)}). This will likely lead to incorrect "
                       f"results due to broadcasting. Please ensure they have the same size.",
                       UserWarning, stacklevel=3)
    return target, reduction


def _weighted(op, fn, input, target, reduction, weight, **kw):
    """torch's weighted pointwise loss: sum(w * l) / sum(w) for 'mean'."""
    if weight is None:
        return fn.apply(input, target, reduction=reduction, **kw)
    _loss_tensor(op, "weight", weight)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weights and input must have the same size, got weight of "
                         f"shape {tuple(weight.shape)} and input of shape {tuple(input.shape)}")
    lw = fn.apply(input, target, reduction="none", **kw) * weight
    if reduction == "none":
        return lw
    if reduction == "sum":
        return lw.sum()
    return lw.sum() / weight.sum()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (input - target)^2, optionally weighted per element.

    Args:
        input: float tensor.
        target: tensor broadcastable to input (a warning is raised when shapes differ).
        size_average, reduce: deprecated, as in torch.
        reduction: 'none' | 'mean' | 'sum'.
        weight: optional per-element weights of input's shape ('mean' divides by their sum).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("mse_loss", input, target, size_average, reduce,
                                        reduction)
    return _weighted("mse_loss", _loss.MSELoss, input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |input - target|, optionally weighted per element.

    Args:
        input: float tensor.
        target: tensor broadcastable to input (a warning is raised when shapes differ).
        size_average, reduce: deprecated, as in torch.
        reduction: 'none' | 'mean' | 'sum'.
        weight: optional per-element weights of input's shape ('mean' divides by their sum).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("l1_loss", input, target, size_average, reduce,
                                        reduction)
    return _weighted("l1_loss", _loss.L1Loss, input, target, reduction, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber-style loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target).

    Args:
        input: float tensor.
        target: tensor broadcastable to input.
        size_average, reduce: deprecated, as in torch.
        reduction: 'none' | 'mean' | 'sum'.
        beta: the threshold (>= 0; 0 gives the L1 loss).

    Returns:
        The loss: 0-d, or the broadcast shape with reduction='none'.
    """
    target, reduction = _pointwise_args("smooth_l1_loss", input, target, size_average, reduce,
                                        reduction)
    if not beta >= 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    return _loss.SmoothL1Loss.apply(input, target, reduction=reduction, beta=float(beta))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of sigmoid(input) against target, computed from logits stably.

    Args:
        input: logits, float tensor.
        target: probabilities of input's shape.
        weight: optional weights broadcastable to input (not differentiable).
        size_average, reduce: deprecated, as in torch.
        reduction: 'none' | 'mean' | 'sum'.
        pos_weight: optional weight of positive examples, broadcastable to input (usually
            (C,) for input (N, C); not differentiable).

    Returns:
        The loss: 0-d, or input's shape with reduction='none'.
    """
    op = "binary_cross_entropy_with_logits"
    _loss_tensor(op, "input", input)
    _loss_tensor(op, "target", target)
    reduction = _reduction_arg(op, size_average, reduce, reduction)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point logits, got {input.dtype}")
    if target.shape != input.shape:
        raise ValueError(f"{op}: target size {tuple(target.shape)} must be the same as input "
                         f"size {tuple(input.shape)}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    consts = {}
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is None:
            consts[name] = None
            continue
        _loss_tensor(op, name, t)
        try:
            if _np.broadcast_shapes(t.shape, input.shape) != tuple(input.shape):
                raise ValueError
        except ValueError:
            raise RuntimeError(f"{op}: {name} of shape {tuple(t.shape)} cannot be broadcast to "
                               f"input of shape {tuple(input.shape)}") from None
        if t.requires_grad and _grad_enabled():
            raise RuntimeError(f"{op}: the loss is not differentiable with respect to "
                               f"'{name}'; this input cannot have requires_grad=True")
        consts[name] = t.data.astype(input.dtype, copy=False)
    return _loss.BCEWithLogits.apply(input, target, reduction=reduction, **consts)


# ----------------------------------------------------------------------------- toolbox (issue 11)
# (unfold, fold: tinyconv/ops/fold.py; max_unpool2d, interpolate, pixel_shuffle,
# pixel_unshuffle: tinyconv/ops/upsample.py)
import math as _tbmath  # noqa: E402
import numbers as _tbnum  # noqa: E402

import numpy as _tbnp  # noqa: E402

from ..ops import fold as _fold  # noqa: E402
from ..ops import upsample as _up  # noqa: E402
from ..tensor import Tensor as _TBTensor  # noqa: E402


def _tb_int(v):
    return isinstance(v, _tbnum.Integral) and not isinstance(v, bool)


def _tb_pair(op, name, value):
    """An int or a pair of ints as a pair (torch's _pair for fold/unfold/unpool)."""
    if _tb_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_tb_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise TypeError(f"{op}: {name} must be an int or a tuple of two ints, not {value!r}")


def _tb_float_tensor(op, input):
    if not isinstance(input, _TBTensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.dtype not in (_tbnp.float32, _tbnp.float64):
        raise TypeError(f"{op}: expected a float32 or float64 input, got {input.dtype}")


def _tb_geometry(op, kernel_size, dilation, padding, stride):
    k = _tb_pair(op, "kernel_size", kernel_size)
    d = _tb_pair(op, "dilation", dilation)
    p = _tb_pair(op, "padding", padding)
    s = _tb_pair(op, "stride", stride)
    if min(k) < 1:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got "
                           f"kernel_size={k}")
    if min(d) < 1:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilation={d}")
    if min(p) < 0:
        raise RuntimeError(f"{op}: padding should be non-negative, but got padding={p}")
    if min(s) < 1:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride={s}")
    return k, d, p, s


def _tb_blocks(size, k, d, p, s):
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in (0, 1))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks as columns (im2col).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), float32 or float64.
        kernel_size, dilation, padding, stride: ints or pairs, as in conv2d (zero padding).

    Returns:
        The blocks, one column per block position in row-major order; row (c, i, j) holds
        channel c at kernel tap (i, j).  ``fold`` with the same arguments is its adjoint.

    Shape:
        (N, C, H, W) -> (N, C*KH*KW, L) with L = OH*OW and
        OH = (H + 2*padding - dilation*(KH-1) - 1) // stride + 1, likewise OW;
        (C, H, W) -> (C*KH*KW, L).
    """
    op = "unfold"
    _tb_float_tensor(op, input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, but got "
                           f"input of shape {tuple(input.shape)}")
    k, d, p, s = _tb_geometry(op, kernel_size, dilation, padding, stride)
    blocks = _tb_blocks(input.shape[-2:], k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"{op}: given input with spatial size {tuple(input.shape[-2:])}, kernel_size={k}, "
            f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks as "
            f"{blocks}, but its components must be at least one")
    if input.ndim == 3:
        x = input.reshape(1, *input.shape)
        return _fold.Unfold.apply(x, kernel=k, dilation=d, padding=p, stride=s,
                                  blocks=blocks).reshape(-1, blocks[0] * blocks[1])
    return _fold.Unfold.apply(input, kernel=k, dilation=d, padding=p, stride=s, blocks=blocks)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image (col2im); overlapping values add up.

    Args:
        input: (N, C*KH*KW, L) or unbatched (C*KH*KW, L), float32 or float64.
        output_size: (H, W) of the image (int or pair).
        kernel_size, dilation, padding, stride: ints or pairs, as in ``unfold``.

    Returns:
        The image; ``unfold`` with the same arguments is its adjoint (and gradient).

    Shape:
        (N, C*KH*KW, L) -> (N, C, H, W), where L must equal the number of blocks ``unfold``
        would extract from an (H, W) image.
    """
    op = "fold"
    _tb_float_tensor(op, input)
    out = _tb_pair(op, "output_size", output_size)
    k, d, p, s = _tb_geometry(op, kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"{op}: expected a 2-D (unbatched) or 3-D (batched) input with "
                           f"non-zero (C*KH*KW, L) dimensions, but got input of shape "
                           f"{tuple(input.shape)}")
    CK, L = input.shape[-2:]
    if CK % (k[0] * k[1]):
        raise RuntimeError(f"{op}: expected size of input's dimension {input.ndim - 2} to be "
                           f"divisible by the product of kernel_size, but got "
                           f"input.size({input.ndim - 2})={CK} and kernel_size={k}")
    if min(out) < 1:
        raise RuntimeError(f"{op}: output_size must be positive, but got output_size={out}")
    blocks = _tb_blocks(out, k, d, p, s)
    if min(blocks) < 1 or blocks[0] * blocks[1] != L:
        raise RuntimeError(
            f"{op}: given output_size={out}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension {input.ndim - 1} to match the "
            f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size({input.ndim - 1})={L}")
    C = CK // (k[0] * k[1])
    unbatched = input.ndim == 2
    x = input.reshape(1, CK, L) if unbatched else input
    y = _fold.Fold.apply(x, x_shape=(x.shape[0], C) + out, kernel=k, dilation=d, padding=p,
                         stride=s, blocks=blocks)
    return y.reshape(C, *out) if unbatched else y


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: put each value back at its argmax, zeros elsewhere.

    Args:
        input: (N, C, H, W) or (C, H, W) pooled values, float32 or float64.
        indices: int64 tensor of input's shape, flat positions h*OW+w in the output plane
            (``max_pool2d(..., return_indices=True)``'s second output).
        kernel_size, stride (default kernel_size), padding: the pooling's, int or pair.
        output_size: the (OH, OW) to produce (optionally with leading dims, which are
            ignored), to undo the rounding of the pooling; each must lie within ``stride``
            of the default (H - 1)*stride - 2*padding + KH.

    Returns:
        The unpooled tensor; its gradient gathers gy at the indices.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW).
    """
    op = "max_unpool2d"
    _tb_float_tensor(op, input)
    if not isinstance(indices, _TBTensor):
        raise TypeError(f"{op}: indices must be a Tensor, not {type(indices).__name__}")
    k = _tb_pair(op, "kernel_size", kernel_size)
    s = k if stride is None else _tb_pair(op, "stride", stride)
    p = _tb_pair(op, "padding", padding)
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{op}: expected a 3-D or 4-D input with non-zero C, H and W, but "
                           f"got input of shape {tuple(input.shape)}")
    if indices.dtype != _tbnp.int64:
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
        size = tuple(output_size.shape if isinstance(output_size, _TBTensor) else output_size)
        if len(size) == input.ndim:
            size = size[-2:]
        if len(size) != 2 or not all(_tb_int(v) for v in size):
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
    idx = indices.data
    if idx.size and (idx.min() < 0 or idx.max() >= out[0] * out[1]):
        bad = int(idx.max() if idx.max() >= out[0] * out[1] else idx.min())
        raise RuntimeError(f"{op}: found an invalid max index: {bad} (output volumes are of "
                           f"size {out[0]}x{out[1]})")
    return _up.MaxUnpool2d.apply(input, indices=idx, output_size=out)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims: nearest / nearest-exact / area (3-D to 5-D input), linear
    (3-D), bilinear / bicubic (4-D), trilinear (5-D), with torch's coordinate rules.

    Args:
        input: (N, C, *spatial), float32 or float64.
        size: output spatial size, an int or one int per spatial dim.
        scale_factor: a float or one per spatial dim; the output size is
            floor(in * scale_factor).  Unless ``recompute_scale_factor`` is True, the source
            coordinates use 1/scale_factor itself (not in/out), as torch.
        mode: 'nearest' (source floor(dst * in/out), torch's legacy rule), 'nearest-exact'
            (floor((dst + 0.5) * in/out)), 'linear', 'bilinear', 'trilinear', 'bicubic'
            (cubic convolution with a = -0.75 on 4x4 sources, edge-clamped; the output can
            overshoot the input's range) or 'area' (adaptive average pooling to the output
            size; a scale_factor only sets that size).
        align_corners: linear and cubic modes only.  True maps corner pixel centres onto
            each other (src = dst * (in-1)/(out-1)); False/None uses half-pixel centres
            (src = (dst + 0.5) * scale - 0.5, clamped at 0 for the linear modes).
        recompute_scale_factor: with a scale_factor, True derives the coordinates from the
            computed output size instead.
        antialias: only False is supported.

    Returns:
        The resampled tensor.

    Shape:
        (N, C, H, W) -> (N, C, OH, OW) (and likewise for 1 or 3 spatial dims).
    """
    op = "interpolate"
    _tb_float_tensor(op, input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the "
                             "interpolating modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    in_size = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"interpolate: input and output must have the same number of spatial "
                    f"dimensions, but got input with spatial dimensions of {list(in_size)} and "
                    f"output size of {size}. Please provide input tensor in (N, C, d1, d2, "
                    f"...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_tb_int(v) for v in size):
                raise TypeError(f"interpolate: expected size to be an int or a tuple of ints, "
                                f"but got size with types {[type(v) for v in size]}")
            out = tuple(int(v) for v in size)
        elif _tb_int(size):
            out = (int(size),) * max(dim, 0)
        else:
            raise TypeError(f"interpolate: expected size to be an int or a tuple of ints, but "
                            f"got {size!r}")
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"interpolate: input and scale_factor must have the same number of spatial "
                    f"dimensions, but got input with spatial dimensions of {list(in_size)} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    f"C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = tuple(float(v) for v in scale_factor)
        elif isinstance(scale_factor, _tbnum.Real) and not isinstance(scale_factor, bool):
            scales = (float(scale_factor),) * max(dim, 0)
        else:
            raise TypeError(f"interpolate: scale_factor must be a float or a tuple of floats, "
                            f"not {scale_factor!r}")
        if not all(_tbmath.isfinite(sc) for sc in scales):
            raise ValueError(f"interpolate: scale_factor must be finite, got {scale_factor!r}")
        out = tuple(int(_tbmath.floor(n * sc)) for n, sc in zip(in_size, scales))
    else:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size.")
    if recompute_scale_factor:
        scales = None
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by tinyconv")
    supported = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5),
                 "linear": (3,), "bilinear": (4,), "bicubic": (4,), "trilinear": (5,)}
    if mode not in supported or input.ndim not in supported[mode]:
        if mode in ("linear", "bilinear", "bicubic", "trilinear") and input.ndim in (3, 4, 5):
            need = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}[mode]
            raise NotImplementedError(f"interpolate: got {input.ndim}D input, but {mode} mode "
                                      f"needs {need}D input")
        raise NotImplementedError(
            f"interpolate: input Error: Only 3D, 4D and 5D input Tensors supported (got "
            f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | "
            f"area | nearest-exact (got {mode})")
    if min(out) < 1 or min(in_size) < 1:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, but "
                           f"got input {in_size} output {out} (input of shape "
                           f"{tuple(input.shape)})")
    plan = []
    for i in range(dim):
        sc = None if scales is None else scales[i]
        if mode.startswith("nearest"):
            idx = _up.nearest_index(in_size[i], out[i], sc, exact=mode == "nearest-exact")
            same = out[i] == in_size[i] and mode == "nearest"
            plan.append(("index", None if same else idx))
        elif out[i] == in_size[i] and mode != "bicubic":
            # torch leaves an axis of unchanged size as it is, except in bicubic mode, which
            # resamples it with scale 1/scale_factor
            plan.append(("index", None))
        elif mode == "area":
            plan.append(("matrix", _up.area_matrix(in_size[i], out[i], input.dtype)))
        elif mode == "bicubic":
            plan.append(("matrix", _up.cubic_matrix(in_size[i], out[i], sc, align_corners,
                                                    input.dtype)))
        else:
            plan.append(("matrix", _up.linear_matrix(in_size[i], out[i], sc, align_corners,
                                                     input.dtype)))
    return _up.Interpolate.apply(input, plan=tuple(plan))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (as torch's)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def _shuffle_args(op, input, factor, name):
    if not isinstance(input, _TBTensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if not _tb_int(factor):
        raise TypeError(f"{op}: {name} must be an int, not {factor!r}")
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s) (shape {tuple(input.shape)})")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")
    return int(factor)


def pixel_shuffle(input, upscale_factor):
    """Rearrange (*, C*r*r, H, W) into (*, C, H*r, W*r) (sub-pixel convolution upsampling).

    Args:
        input: tensor with at least 3 dims.
        upscale_factor: r, a positive int.

    Returns:
        out[..., c, h*r + i, w*r + j] = input[..., c*r*r + i*r + j, h, w].
    """
    r = _shuffle_args("pixel_shuffle", input, upscale_factor, "upscale_factor")
    C = input.shape[-3]
    if C % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={C} "
                           f"is not divisible by {r * r}")
    return _up.PixelShuffle.apply(input, upscale_factor=r)


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (*, C, H*r, W*r) into (*, C*r*r, H, W) (the inverse of pixel_shuffle).

    Args:
        input: tensor with at least 3 dims.
        downscale_factor: r, a positive int dividing H and W.

    Returns:
        out[..., c*r*r + i*r + j, h, w] = input[..., c, h*r + i, w*r + j].
    """
    r = _shuffle_args("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    for name, d in (("height", -2), ("width", -1)):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={input.shape[d]} is not "
                               f"divisible by {r}")
    return _up.PixelUnshuffle.apply(input, downscale_factor=r)
