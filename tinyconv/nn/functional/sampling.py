"""Sampling and rearranging with torch's signatures: unfold/fold (im2col/col2im),
interpolate, pixel_shuffle/pixel_unshuffle (ops: ``tinyconv.ops.fold``, ``tinyconv.ops.upsample``).
"""
import math
import numbers

from ..._checks import check_float, check_tensor, is_int
from ..._geometry import conv_output_size
from ...ops import fold as Fo
from ...ops import upsample as U
from .pooling import _exact_pair

__all__ = ["unfold", "fold", "interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"]


def _geometry(op, kernel_size, dilation, padding, stride):
    k = _exact_pair(op, "kernel_size", kernel_size)
    d = _exact_pair(op, "dilation", dilation)
    p = _exact_pair(op, "padding", padding)
    s = _exact_pair(op, "stride", stride)
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


def _blocks(size, k, d, p, s):
    """Sliding blocks along each spatial axis: the convolution output size."""
    return tuple(conv_output_size(size[i], k[i], s[i], 2 * p[i], d[i]) for i in (0, 1))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks as columns (im2col).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), float32 or float64.
        kernel_size: int or pair, as in conv2d.
        dilation: int or pair, as in conv2d.
        padding: int or pair, as in conv2d (zero padding).
        stride: int or pair, as in conv2d.

    Returns:
        The blocks, one column per block position in row-major order; row (c, i, j) holds
        channel c at kernel tap (i, j).  ``fold`` with the same arguments is its adjoint.

    Shape:
        (N, C, H, W) -> (N, C*KH*KW, L) with L = OH*OW and
        OH = (H + 2*padding - dilation*(KH-1) - 1) // stride + 1, likewise OW;
        (C, H, W) -> (C*KH*KW, L).
    """
    op = "unfold"
    check_float(op, input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, but got "
                           f"input of shape {tuple(input.shape)}")
    k, d, p, s = _geometry(op, kernel_size, dilation, padding, stride)
    blocks = _blocks(input.shape[-2:], k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"{op}: given input with spatial size {tuple(input.shape[-2:])}, kernel_size={k}, "
            f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks as "
            f"{blocks}, but its components must be at least one")
    if input.ndim == 3:
        x = input.reshape(1, *input.shape)
        return Fo.Unfold.apply(x, kernel=k, dilation=d, padding=p, stride=s,
                                  blocks=blocks).reshape(-1, blocks[0] * blocks[1])
    return Fo.Unfold.apply(input, kernel=k, dilation=d, padding=p, stride=s, blocks=blocks)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image (col2im); overlapping values add up.

    Args:
        input: (N, C*KH*KW, L) or unbatched (C*KH*KW, L), float32 or float64.
        output_size: (H, W) of the image (int or pair).
        kernel_size: int or pair, as in ``unfold``.
        dilation: int or pair, as in ``unfold``.
        padding: int or pair, as in ``unfold``.
        stride: int or pair, as in ``unfold``.

    Returns:
        The image; ``unfold`` with the same arguments is its adjoint (and gradient).

    Shape:
        (N, C*KH*KW, L) -> (N, C, H, W), where L must equal the number of blocks ``unfold``
        would extract from an (H, W) image.
    """
    op = "fold"
    check_float(op, input)
    out = _exact_pair(op, "output_size", output_size)
    k, d, p, s = _geometry(op, kernel_size, dilation, padding, stride)
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
    blocks = _blocks(out, k, d, p, s)
    if min(blocks) < 1 or blocks[0] * blocks[1] != L:
        raise RuntimeError(
            f"{op}: given output_size={out}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension {input.ndim - 1} to match the "
            f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size({input.ndim - 1})={L}")
    C = CK // (k[0] * k[1])
    unbatched = input.ndim == 2
    x = input.reshape(1, CK, L) if unbatched else input
    y = Fo.Fold.apply(x, x_shape=(x.shape[0], C) + out, kernel=k, dilation=d, padding=p,
                         stride=s, blocks=blocks)
    return y.reshape(C, *out) if unbatched else y


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
    check_float(op, input)
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
            if not all(is_int(v) for v in size):
                raise TypeError(f"interpolate: expected size to be an int or a tuple of ints, "
                                f"but got size with types {[type(v) for v in size]}")
            out = tuple(int(v) for v in size)
        elif is_int(size):
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
        elif isinstance(scale_factor, numbers.Real) and not isinstance(scale_factor, bool):
            scales = (float(scale_factor),) * max(dim, 0)
        else:
            raise TypeError(f"interpolate: scale_factor must be a float or a tuple of floats, "
                            f"not {scale_factor!r}")
        if not all(math.isfinite(sc) for sc in scales):
            raise ValueError(f"interpolate: scale_factor must be finite, got {scale_factor!r}")
        out = tuple(int(math.floor(n * sc)) for n, sc in zip(in_size, scales))
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
    plan = U.interpolate_plan(mode, in_size, out, scales, align_corners, input.dtype)
    return U.Interpolate.apply(input, plan=plan)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (as torch's).

    Args:
        input: (N, C, H, W) or (N, C, L) or (N, C, D, H, W).
        size: output size.
        scale_factor: multiplier of the input size.
        mode: as ``interpolate``.
        align_corners: as ``interpolate``.

    Returns:
        Tensor: ``interpolate(input, size, scale_factor, mode, align_corners)``.
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def _shuffle_args(op, input, factor, name):
    check_tensor(op, "input", input)
    if not is_int(factor):
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
    return U.PixelShuffle.apply(input, upscale_factor=r)


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
    return U.PixelUnshuffle.apply(input, downscale_factor=r)
