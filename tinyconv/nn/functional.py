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
            only).
        mode: 'constant' (fill with value), 'reflect' (mirror without repeating the edge) or
            'replicate' (repeat the edge).  reflect/replicate pad the last 1, 2 or 3 dims of an
            input with one or two more leading dims.
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
    if mode not in ("reflect", "replicate"):
        raise NotImplementedError(f"{op}: unrecognised padding mode {mode!r} (expected "
                                  f"'constant', 'reflect' or 'replicate')")
    if value is not None and value != 0:
        raise ConvArgumentError(f"{op}: padding mode {mode!r} doesn't take a value argument")
    if nd not in (1, 2, 3) or input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(
            f"{op}: {mode} padding of {nd} dims (pad of length {len(pads)}) is not supported "
            f"for input of shape {shape}; it needs an input with {nd + 1} or {nd + 2} dims")
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

# ----------------------------------------------------------------------------- activations
# (relu, leaky_relu, gelu, sigmoid, tanh, softmax, log_softmax, dropout: tinyconv/ops/activation.py)

# ----------------------------------------------------------------------------- linear
# (linear: tinyconv/ops/linalg.py)

# ----------------------------------------------------------------------------- losses
# (cross_entropy, nll_loss, mse_loss, ...: tinyconv/ops/loss.py)
