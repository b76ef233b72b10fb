"""BatchNorm3d, InstanceNorm1d/3d, RMSNorm, LocalResponseNorm, CrossMapLRN2d (torch's
arguments, parameter and buffer names, repr)."""
import numbers

import numpy as np

from ...ops import elementwise as E
from ...ops import matrix as Mx
from .. import functional as F
from .. import init
from ..module import Module
from ._utils import _check_device, empty_parameter
from .normalization import InstanceNorm2d, _BatchNorm

__all__ = ["BatchNorm3d", "InstanceNorm1d", "InstanceNorm3d", "RMSNorm", "LocalResponseNorm",
           "CrossMapLRN2d"]


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) inputs: per channel, over N, D, H and W.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: running-statistics update factor (None: cumulative average).
        affine: learn weight and bias.
        track_running_stats: keep running statistics.
        device: accepted for torch compatibility.
        dtype: the parameters' dtype.
        bias: learn the shift (with ``affine``).
    """

    _INPUT_DIMS = (5,)


class _InstanceNormNd(InstanceNorm2d):
    """InstanceNorm2d's behaviour for ``_n`` spatial dimensions."""

    _n = None

    def forward(self, input):
        n = self._n
        if input.ndim not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.ndim}D input)")
        batched = input.ndim == n + 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim={1 if batched else 0} to match "
                             f"num_features ({self.num_features}), but got: {x.shape[1]}.")
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y if batched else y.squeeze(0)


class InstanceNorm1d(_InstanceNormNd):
    """Instance normalisation over (N, C, L) or (C, L) inputs.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: weight of the new statistics in the running ones.
        affine: learn a per-channel scale and shift.
        track_running_stats: keep running statistics for eval mode.
        device: accepted for torch compatibility.
        dtype: the parameters' dtype.
        bias: learn the shift (with ``affine``).
    """

    _n = 1


class InstanceNorm3d(_InstanceNormNd):
    """Instance normalisation over (N, C, D, H, W) or (C, D, H, W) inputs.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: weight of the new statistics in the running ones.
        affine: learn a per-channel scale and shift.
        track_running_stats: keep running statistics for eval mode.
        device: accepted for torch compatibility.
        dtype: the parameters' dtype.
        bias: learn the shift (with ``affine``).
    """

    _n = 3


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dimensions, with a learnt scale.

    Args:
        normalized_shape: an int or the trailing sizes normalised over.
        eps: added to the mean square (None: the dtype's machine epsilon).
        elementwise_affine: learn ``weight`` (initialised to ones).
        device: accepted for torch compatibility.
        dtype: the parameter's dtype.

    Shape:
        input (*, normalized_shape); output the same.  weight normalized_shape.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        _check_device(device)
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = empty_parameter(self.normalized_shape, dtype)
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Ones in ``weight``."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Normalisation across neighbouring channels (AlexNet's LRN).

    Args:
        size: the number of neighbouring channels.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _legacy_windows(C, size):
    """(C, C) 0/1 matrix: the channels torch's legacy CrossMapLRN2d sums for each channel
    (its running-sum recurrence, which keeps channel 0 in later windows)."""
    pre = int((size - 1) / 2 + 1)
    w = np.zeros((C, C))
    w[0, :min(pre, C)] = 1
    for c in range(1, C):
        w[c] = w[c - 1]
        if c < C - pre + 1:
            w[c, c + pre - 1] += 1
        if c > pre:
            w[c, c - pre] -= 1
    return w


class CrossMapLRN2d(Module):
    """Local response normalisation of (N, C, H, W) inputs across channels, torch's legacy
    form: its forward values exactly (its channel windows differ from
    ``LocalResponseNorm``'s); the gradient is that of these values.

    Args:
        size: the number of neighbouring channels.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D "
                             f"instead.")
        w = _legacy_windows(input.shape[1], self.size).astype(input.dtype)
        sq = Mx.Einsum.apply(E.const(input, w), input * input, subscripts="cd,ndhw->nchw")
        scale = sq * (self.alpha / self.size) + float(self.k)
        return input * scale ** (-float(self.beta))

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
