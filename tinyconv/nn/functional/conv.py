"""conv2d and conv_transpose2d with torch's signatures (ops: ``tinyconv.ops.conv``)."""
from ..._checks import FLOATS, ArgumentError, DtypeError, check_tensor, int_tuple, is_int
from ..._geometry import conv_output_size, conv_transpose_output_size
from ...ops import conv as C

__all__ = ["conv2d", "conv_transpose2d", "ConvArgumentError", "ConvDtypeError"]

# the names these errors had before they moved to tinyconv._checks
ConvArgumentError = ArgumentError
ConvDtypeError = DtypeError


def _pair(op, name, value):
    return int_tuple(op, name, value, error=ArgumentError)


def _tensors(op, input, weight, bias):
    """Type, dtype and rank checks shared by conv2d and conv_transpose2d."""
    check_tensor(op, "input", input)
    check_tensor(op, "weight", weight)
    check_tensor(op, "bias", bias, optional=True)
    if input.dtype not in FLOATS:
        raise DtypeError(f"{op}: expected a float32 or float64 input, got {input.dtype}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise DtypeError(f"{op}: input dtype {input.dtype} and {name} dtype {t.dtype} "
                             f"must be the same")
    if weight.ndim != 4:
        raise ArgumentError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, "
                            f"kH, kW), but got weight of shape {tuple(weight.shape)}")
    if input.ndim not in (3, 4):
        raise ArgumentError(
            f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, but got input of shape "
            f"{tuple(input.shape)}")


def _common(op, stride, dilation, groups):
    s = _pair(op, "stride", stride)
    d = _pair(op, "dilation", dilation)
    if min(s) < 1:
        raise ArgumentError(f"{op}: stride must be positive, but got stride={s}")
    if min(d) < 1:
        raise ArgumentError(f"{op}: dilation must be positive, but got dilation={d}")
    if not is_int(groups) or groups < 1:
        raise ArgumentError(f"{op}: groups must be a positive int, but got groups={groups!r}")
    return s, d, int(groups)


def _batched(input):
    """(the input as a 4-D tensor, whether it was batched)."""
    return (input, True) if input.ndim == 4 else (input.unsqueeze(0), False)


def _same_pads(op, s, d, KH, KW):
    if s != (1, 1):
        raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                            f"(stride={s})")
    th, tw = d[0] * (KH - 1), d[1] * (KW - 1)
    return (th // 2, th - th // 2, tw // 2, tw - tw // 2)


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
    return convolution2d("conv2d", input, weight, bias, stride, padding, dilation, groups)


def is_padding_string(op, padding):
    """Whether ``padding`` is given as a string: 'same' or 'valid' (ArgumentError otherwise)."""
    if not isinstance(padding, str):
        return False
    if padding not in ("same", "valid"):
        raise ArgumentError(f"{op}: invalid padding string {padding!r} (expected 'same' or "
                            f"'valid')")
    return True


def convolution2d(op, input, weight, bias, stride, padding, dilation, groups):
    """conv2d, with errors naming ``op`` (conv1d and conv3d are built on it)."""
    _tensors(op, input, weight, bias)
    s, d, G = _common(op, stride, dilation, groups)
    F, Cg, KH, KW = weight.shape
    if is_padding_string(op, padding):
        pads = _same_pads(op, s, d, KH, KW) if padding == "same" else (0, 0, 0, 0)
    else:
        p = _pair(op, "padding", padding)
        if min(p) < 0:
            raise ArgumentError(f"{op}: negative padding is not supported, got padding={p}")
        pads = (p[0], p[0], p[1], p[1])
    C_, H, W = input.shape[-3:]
    if F % G:
        raise ArgumentError(
            f"{op}: groups={G} must divide the output channels, but got weight of shape "
            f"{tuple(weight.shape)}")
    if C_ % G:
        raise ArgumentError(
            f"{op}: groups={G} must divide the input channels, but got input of shape "
            f"{tuple(input.shape)}")
    if C_ != Cg * G:
        raise ArgumentError(
            f"{op}: input has {C_} channels but weight of shape {tuple(weight.shape)} with "
            f"groups={G} expects {Cg * G} (input shape {tuple(input.shape)})")
    if bias is not None and tuple(bias.shape) != (F,):
        raise ArgumentError(f"{op}: bias must have shape ({F},) for weight of shape "
                            f"{tuple(weight.shape)}, but got bias of shape "
                            f"{tuple(bias.shape)}")
    Hp, Wp = H + pads[0] + pads[1], W + pads[2] + pads[3]
    if Hp < d[0] * (KH - 1) + 1 or Wp < d[1] * (KW - 1) + 1:
        raise ArgumentError(
            f"{op}: kernel of size ({KH}, {KW}) with dilation {d} is larger than the padded "
            f"input ({Hp}, {Wp}) (input shape {tuple(input.shape)}, weight shape "
            f"{tuple(weight.shape)})")
    out = (conv_output_size(H, KH, s[0], pads[0] + pads[1], d[0]),
           conv_output_size(W, KW, s[1], pads[2] + pads[3], d[1]))
    x, batched = _batched(input)
    y = C.Conv2d.apply(x, weight, bias, geom=C.ConvGeometry(s, pads, d, G, out))
    return y if batched else y.squeeze(0)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    Args:
        input: (N, Cin, H, W) or unbatched (Cin, H, W), float32 or float64.
        weight: (Cin, Cout/groups, KH, KW), same dtype as input.
        bias: optional (Cout,).
        stride: the stride of the convolution this one transposes (int or pair).
        padding: that convolution's padding (int or pair): trims that many rows/columns
            from each side of the full output.
        output_padding: int or pair added to the bottom/right of the output size; must be
            smaller than stride or dilation.
        groups: channel groups, as in conv2d.
        dilation: the dilation of the convolution this one transposes (int or pair).

    Returns:
        Tensor (N, Cout, OH, OW).

    Shape:
        OH = (H - 1)*sh - 2*ph + dh*(KH - 1) + output_padding_h + 1, likewise OW.
    """
    return convolution_transpose2d("conv_transpose2d", input, weight, bias, stride, padding,
                                   output_padding, groups, dilation)


def convolution_transpose2d(op, input, weight, bias, stride, padding, output_padding, groups,
                            dilation):
    """conv_transpose2d, with errors naming ``op`` (the 1-D and 3-D forms use it)."""
    _tensors(op, input, weight, bias)
    s, d, G = _common(op, stride, dilation, groups)
    p = _pair(op, "padding", padding)
    op_ = _pair(op, "output_padding", output_padding)
    if min(p) < 0:
        raise ArgumentError(f"{op}: negative padding is not supported, got padding={p}")
    if min(op_) < 0 or op_[0] >= max(s[0], d[0]) or op_[1] >= max(s[1], d[1]):
        raise ArgumentError(
            f"{op}: output padding must be non-negative and smaller than either stride or "
            f"dilation, but got output_padding={op_}, stride={s}, dilation={d}")
    Cin, Cog, KH, KW = weight.shape
    C_, H, W = input.shape[-3:]
    if Cin % G:
        raise ArgumentError(
            f"{op}: groups={G} must divide weight's first dimension, but got weight of shape "
            f"{tuple(weight.shape)}")
    if C_ != Cin:
        raise ArgumentError(
            f"{op}: input has {C_} channels but weight of shape {tuple(weight.shape)} expects "
            f"{Cin} (input shape {tuple(input.shape)})")
    Cout = Cog * G
    if bias is not None and tuple(bias.shape) != (Cout,):
        raise ArgumentError(f"{op}: bias must have shape ({Cout},) for weight of shape "
                            f"{tuple(weight.shape)} and groups={G}, but got bias of shape "
                            f"{tuple(bias.shape)}")
    OH = conv_transpose_output_size(H, KH, s[0], p[0], d[0], op_[0])
    OW = conv_transpose_output_size(W, KW, s[1], p[1], d[1], op_[1])
    if OH < 1 or OW < 1:
        raise ArgumentError(
            f"{op}: calculated output size ({OH}, {OW}) is too small for input of shape "
            f"{tuple(input.shape)}, weight of shape {tuple(weight.shape)}, stride={s}, "
            f"padding={p}, dilation={d}")
    x, batched = _batched(input)
    geom = C.ConvGeometry(s, (p[0], p[0], p[1], p[1]), d, G, (H, W))
    y = C.ConvTranspose2d.apply(x, weight, bias, geom=geom,
                                out_shape=(x.shape[0], Cout, OH, OW))
    return y if batched else y.squeeze(0)
