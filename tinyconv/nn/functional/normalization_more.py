"""More normalisation with torch's signatures: rms_norm, local_response_norm, and
channel_shuffle; written with differentiable ops after torch's formulas."""
import numpy as np

from ..._checks import check_tensor, is_int
from ..._functions.activation import float_input
from ...ops import shape as S
from .pooling import avg_pool2d
from .pooling_nd import avg_pool3d

__all__ = ["rms_norm", "local_response_norm", "channel_shuffle"]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalisation over the last dimensions:
    ``x / sqrt(mean(x^2) + eps) * weight``.

    Args:
        input: a float Tensor whose last dimensions are ``normalized_shape``.
        normalized_shape: an int or a sequence of the trailing sizes.
        weight: optional elementwise scale of ``normalized_shape``.
        eps: added to the mean square (None: the dtype's machine epsilon, as torch).

    Returns:
        Tensor: of ``input``'s shape.
    """
    op = "rms_norm"
    x = float_input(op, input)
    ns = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
    nd = len(ns)
    if x.ndim < nd or tuple(x.shape[x.ndim - nd:]) != ns:
        raise RuntimeError(f"{op}: Given normalized_shape={list(ns)}, expected input with "
                           f"shape [*, {', '.join(str(v) for v in ns)}], but got input of size "
                           f"{list(x.shape)}")
    if weight is not None:
        check_tensor(op, "weight", weight)
        if tuple(weight.shape) != ns:
            raise RuntimeError(f"{op}: weight of shape {tuple(weight.shape)} must be "
                               f"normalized_shape {ns}")
    e = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    axes = tuple(range(x.ndim - nd, x.ndim))
    ms = (x * x).mean(dim=axes, keepdim=True)
    y = x * (1.0 / (ms + e).sqrt())  # torch: x * rsqrt(mean(x^2) + eps)
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalisation across neighbouring channels (AlexNet's):
    ``x / (k + alpha * mean of x^2 over size channels) ** beta``.

    Args:
        input: (N, C, *) with at least 3 dims.
        size: the number of neighbouring channels.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.

    Returns:
        Tensor: of ``input``'s shape.
    """
    op = "local_response_norm"
    x = float_input(op, input)
    if x.ndim < 3:
        raise ValueError(f"{op}: Expected 3D or higher dimensionality input (got {x.ndim} "
                         f"dimensions)")
    if x.shape[0] == 0 or x.shape[1] == 0:
        return x
    div = (x * x).unsqueeze(1)  # (N, 1, C, *)
    N, _, C = div.shape[:3]
    if x.ndim == 3:
        # zero padding of the channels: size // 2 before, (size - 1) // 2 after
        div = S.IndexScatter.apply(div, shape=(N, 1, C + size - 1, div.shape[3]),
                                   index=(slice(None), slice(None),
                                          slice(size // 2, size // 2 + C)))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        rest = div.shape[3:]
        div = S.Reshape.apply(S.Contiguous.apply(div), shape=(N, 1, C, rest[0], -1))
        div = S.IndexScatter.apply(div, shape=(N, 1, C + size - 1) + div.shape[3:],
                                   index=(slice(None), slice(None),
                                          slice(size // 2, size // 2 + C)))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = S.Reshape.apply(div, shape=(N, C) + tuple(rest))
    div = (div * float(alpha) + float(k)) ** float(beta)
    return x / div


def channel_shuffle(input, groups):
    """Interleave the channels of ``groups`` groups (ShuffleNet's shuffle).

    Args:
        input: (N, C, *) with C divisible by ``groups``.
        groups: the number of groups.

    Returns:
        Tensor: of ``input``'s shape, channel ``g * (C/groups) + i`` moved to ``i * groups + g``.
    """
    op = "channel_shuffle"
    check_tensor(op, "input", input)
    if not is_int(groups) or groups <= 0:
        raise ValueError(f"{op}: Number of groups to divide channels in must be positive. "
                         f"Value of groups:{groups}")
    if input.ndim < 3:
        raise RuntimeError(f"{op}: channel_shuffle expects input to have at least 3 "
                           f"dimensions, but got input with sizes {list(input.shape)}")
    N, C = input.shape[:2]
    if C % groups:
        raise RuntimeError(f"{op}: Number of channels must be divisible by groups. Got {C} "
                           f"channels and {groups} groups.")
    rest = input.shape[2:]
    x = S.Reshape.apply(input, shape=(N, groups, C // groups) + rest)
    x = S.Permute.apply(x, dims=(0, 2, 1) + tuple(range(3, x.ndim)))
    return S.Reshape.apply(S.Contiguous.apply(x), shape=(N, C) + rest)
