"""conv1d, conv3d and their transposes, with torch's signatures, built on the 2-D ops.

A 1-D convolution is a 2-D one over a height-1 image (the input (N, C, L) viewed as
(N, C, 1, L), the weight (F, C/g, K) as (F, C/g, 1, K)): the same kernels and speed.  A 3-D
convolution is a sum over the depth taps kd of 2-D convolutions of the depth slices
``x[:, :, od*sd + kd*dd]`` (batched over the output depths) with ``w[:, :, kd]``: KD 2-D
convolutions of N*OD images, each as fast as conv2d (no 3-D im2col).  The transposed 3-D
convolution scatters KD transposed 2-D convolutions into the strided output depths.  All are
compositions of differentiable ops.

Legend: x input, w weight, b bias, y output; N batch, C/F channels in/out, D/H/W (or L)
spatial sizes, KD/KH/KW the kernel, OD/OH/OW the output.
"""
from ..._checks import ArgumentError, DtypeError, check_tensor, int_tuple
from ..._geometry import conv_output_size, conv_transpose_output_size
from ...ops import elementwise as E
from ...ops import shape as S
from .conv import convolution2d, convolution_transpose2d, is_padding_string

__all__ = ["conv1d", "conv3d", "conv_transpose1d", "conv_transpose3d"]


def _ints(op, name, value, n):
    return int_tuple(op, name, value, n, error=ArgumentError)


def _ranks(op, input, weight, n):
    """input of n + 1 (unbatched) or n + 2 dims, weight of n + 2."""
    check_tensor(op, "input", input)
    check_tensor(op, "weight", weight)
    if weight.ndim != n + 2:
        raise ArgumentError(f"{op}: weight must be {n + 2}-D, but got weight of shape "
                            f"{tuple(weight.shape)}")
    if input.ndim not in (n + 1, n + 2):
        raise ArgumentError(f"{op}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) "
                            f"input, but got input of shape {tuple(input.shape)}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over an (N, C, L) input.

    Args:
        input: (N, C, L) or unbatched (C, L), float32 or float64.
        weight: (F, C/groups, K).
        bias: optional (F,).
        stride: int or 1-tuple.
        padding: int or 1-tuple of zeros on both sides, or 'valid' or 'same'.
        dilation: int or 1-tuple.
        groups: channel groups.

    Returns:
        Tensor (N, F, OL) (or (F, OL)).

    Shape:
        OL = (L + 2*padding - dilation*(K - 1) - 1) // stride + 1.
    """
    op = "conv1d"
    _ranks(op, input, weight, 1)
    s, d = _ints(op, "stride", stride, 1), _ints(op, "dilation", dilation, 1)
    p = padding if isinstance(padding, str) else (0,) + _ints(op, "padding", padding, 1)
    y = convolution2d(op, S.Reshape.apply(input, shape=input.shape[:-1] + (1, input.shape[-1])),
                      S.Reshape.apply(weight, shape=weight.shape[:2] + (1, weight.shape[2])),
                      bias, (1,) + s, p, (1,) + d, groups)
    return S.Reshape.apply(y, shape=y.shape[:-2] + (y.shape[-1],))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of conv1d with respect to its input).

    Args:
        input: (N, Cin, L) or unbatched (Cin, L).
        weight: (Cin, Cout/groups, K).
        bias: optional (Cout,).
        stride: the stride of the convolution this one transposes.
        padding: that convolution's padding (trimmed from both ends).
        output_padding: added to one end of the output (smaller than stride or dilation).
        groups: channel groups.
        dilation: that convolution's dilation.

    Returns:
        Tensor (N, Cout, OL).

    Shape:
        OL = (L - 1)*stride - 2*padding + dilation*(K - 1) + output_padding + 1.
    """
    op = "conv_transpose1d"
    _ranks(op, input, weight, 1)
    one = [(1,) + _ints(op, n, v, 1) for n, v in (("stride", stride), ("dilation", dilation))]
    p = (0,) + _ints(op, "padding", padding, 1)
    op_ = (0,) + _ints(op, "output_padding", output_padding, 1)
    y = convolution_transpose2d(
        op, S.Reshape.apply(input, shape=input.shape[:-1] + (1, input.shape[-1])),
        S.Reshape.apply(weight, shape=weight.shape[:2] + (1, weight.shape[2])), bias, one[0], p,
        op_, groups, one[1])
    return S.Reshape.apply(y, shape=y.shape[:-2] + (y.shape[-1],))


def _depth_pad(x, lo, hi):
    """x (N, C, D, H, W) with ``lo``/``hi`` zero slices added in depth (differentiable)."""
    if not lo and not hi:
        return x
    N, C, D, H, W = x.shape
    return S.IndexScatter.apply(x, shape=(N, C, D + lo + hi, H, W),
                                index=(slice(None), slice(None), slice(lo, lo + D)))


def _batched5(op, input):
    if input.ndim == 5:
        return input, True
    return S.Reshape.apply(input, shape=(1,) + input.shape), False


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over an (N, C, D, H, W) input.

    Args:
        input: (N, C, D, H, W) or unbatched (C, D, H, W), float32 or float64.
        weight: (F, C/groups, KD, KH, KW).
        bias: optional (F,).
        stride: int or triple.
        padding: int or triple of zeros on both sides, or 'valid' or 'same'.
        dilation: int or triple.
        groups: channel groups.

    Returns:
        Tensor (N, F, OD, OH, OW) (or without N).

    Shape:
        OD = (D + 2*pd - dd*(KD - 1) - 1) // sd + 1, likewise OH, OW.
    """
    op = "conv3d"
    _ranks(op, input, weight, 3)
    s, d = _ints(op, "stride", stride, 3), _ints(op, "dilation", dilation, 3)
    KD = weight.shape[2]
    if is_padding_string(op, padding):
        if padding == "same" and s != (1, 1, 1):
            raise ArgumentError(f"{op}: padding='same' is not supported for strided "
                                f"convolutions (stride={s})")
        total = d[0] * (KD - 1) if padding == "same" else 0
        dlo, dhi, p2 = total // 2, total - total // 2, padding
    else:
        p = _ints(op, "padding", padding, 3)
        if min(p) < 0:
            raise ArgumentError(f"{op}: negative padding is not supported, got padding={p}")
        dlo, dhi, p2 = p[0], p[0], p[1:]
    x, batched = _batched5(op, input)
    N, C, D = x.shape[:3]
    if D + dlo + dhi < d[0] * (KD - 1) + 1:
        raise ArgumentError(f"{op}: kernel depth {KD} with dilation {d[0]} is larger than the "
                            f"padded input depth {D + dlo + dhi} (input shape "
                            f"{tuple(input.shape)}, weight shape {tuple(weight.shape)})")
    OD = conv_output_size(D, KD, s[0], dlo + dhi, d[0])
    x = _depth_pad(x, dlo, dhi)
    y = None
    for kd in range(KD):
        start = kd * d[0]
        xs = S.GetItem.apply(x, index=(slice(None), slice(None),
                                       slice(start, start + (OD - 1) * s[0] + 1, s[0])))
        xs = S.Permute.apply(xs, dims=(0, 2, 1, 3, 4))  # (N, OD, C, H, W)
        xs = S.Reshape.apply(xs, shape=(N * OD,) + xs.shape[2:])
        wk = S.GetItem.apply(weight, index=(slice(None), slice(None), kd))
        yk = convolution2d(op, xs, wk, bias if kd == 0 else None, s[1:], p2, d[1:], groups)
        y = yk if y is None else E.Add.apply(y, yk)  # (N*OD, F, OH, OW)
    y = S.Reshape.apply(y, shape=(N, OD) + y.shape[1:])
    y = S.Permute.apply(y, dims=(0, 2, 1, 3, 4))  # (N, F, OD, OH, OW)
    y = S.Contiguous.apply(y)
    return y if batched else S.Reshape.apply(y, shape=y.shape[1:])


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (the gradient of conv3d with respect to its input).

    Args:
        input: (N, Cin, D, H, W) or unbatched (Cin, D, H, W).
        weight: (Cin, Cout/groups, KD, KH, KW).
        bias: optional (Cout,).
        stride: the stride of the convolution this one transposes (int or triple).
        padding: that convolution's padding (trimmed from both ends of each dim).
        output_padding: added to one end of each output dim (smaller than stride or dilation).
        groups: channel groups.
        dilation: that convolution's dilation.

    Returns:
        Tensor (N, Cout, OD, OH, OW).

    Shape:
        OD = (D - 1)*sd - 2*pd + dd*(KD - 1) + output_padding_d + 1, likewise OH, OW.
    """
    op = "conv_transpose3d"
    _ranks(op, input, weight, 3)
    s, d = _ints(op, "stride", stride, 3), _ints(op, "dilation", dilation, 3)
    p, op_ = _ints(op, "padding", padding, 3), _ints(op, "output_padding", output_padding, 3)
    if min(p) < 0:
        raise ArgumentError(f"{op}: negative padding is not supported, got padding={p}")
    if min(op_) < 0 or any(o >= max(si, di) for o, si, di in zip(op_, s, d)):
        raise ArgumentError(
            f"{op}: output padding must be non-negative and smaller than either stride or "
            f"dilation, but got output_padding={op_}, stride={s}, dilation={d}")
    x, batched = _batched5(op, input)
    N, Cin, D = x.shape[:3]
    KD = weight.shape[2]
    OD = conv_transpose_output_size(D, KD, s[0], p[0], d[0], op_[0])
    if OD < 1:
        raise ArgumentError(f"{op}: calculated output depth {OD} is too small for input of "
                            f"shape {tuple(input.shape)}, weight of shape "
                            f"{tuple(weight.shape)}")
    full = (D - 1) * s[0] + d[0] * (KD - 1) + 1 + op_[0]  # before trimming the padding
    xs = S.Reshape.apply(S.Permute.apply(x, dims=(0, 2, 1, 3, 4)),
                         shape=(N * D, Cin) + x.shape[3:])  # (N*D, Cin, H, W)
    y = None
    for kd in range(KD):
        wk = S.GetItem.apply(weight, index=(slice(None), slice(None), kd))
        zk = convolution_transpose2d(op, xs, wk, None, s[1:], p[1:], op_[1:], groups, d[1:])
        zk = S.Reshape.apply(zk, shape=(N, D) + zk.shape[1:])  # (N, D, Cout, OH, OW)
        start = kd * d[0]
        zk = S.IndexScatter.apply(zk, shape=(N, full) + zk.shape[2:],
                                  index=(slice(None), slice(start, start + (D - 1) * s[0] + 1,
                                                            s[0])))
        y = zk if y is None else E.Add.apply(y, zk)
    y = S.GetItem.apply(y, index=(slice(None), slice(p[0], p[0] + OD)))
    y = S.Contiguous.apply(S.Permute.apply(y, dims=(0, 2, 1, 3, 4)))  # (N, Cout, OD, OH, OW)
    if bias is not None:
        check_tensor(op, "bias", bias)
        if bias.dtype != y.dtype:
            raise DtypeError(f"{op}: input dtype {y.dtype} and bias dtype {bias.dtype} must "
                             f"be the same")
        if tuple(bias.shape) != (y.shape[1],):
            raise ArgumentError(f"{op}: bias must have shape ({y.shape[1]},), but got bias of "
                                f"shape {tuple(bias.shape)}")
        y = E.Add.apply(y, S.Reshape.apply(bias, shape=(-1, 1, 1, 1)))
    return y if batched else S.Reshape.apply(y, shape=y.shape[1:])

