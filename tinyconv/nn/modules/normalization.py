"""BatchNorm1d/2d, InstanceNorm2d, GroupNorm, LayerNorm (parameters, buffers, keys as torch's)."""
import numbers
import warnings

import numpy as np

from .. import functional as F
from .. import init
from ..module import Module
from ._utils import _check_device, _dtype, buffer, empty_parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "InstanceNorm2d", "GroupNorm", "LayerNorm"]


def _init_affine(module, affine, bias, shape, dtype):
    """Register ``weight`` (and ``bias`` when asked) of ``shape``, or None when not affine."""
    module.register_parameter("weight", empty_parameter(shape, dtype) if affine else None)
    module.register_parameter("bias", empty_parameter(shape, dtype) if affine and bias else None)


def _reset_affine(module):
    """Weight 1 and bias 0, where they exist."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Shared state of batch and instance norm: affine weight/bias and running statistics."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, bias=True):
        super().__init__()
        _check_device(device)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _init_affine(self, affine, bias, (num_features,), dtype)
        if track_running_stats:
            dt = _dtype(dtype)
            self.register_buffer("running_mean", buffer(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", buffer(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", buffer(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, batch count 0."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def _optional_state_keys(self):
        # torch fills in a missing num_batches_tracked (checkpoints older than the buffer)
        return ("num_batches_tracked",) if self.track_running_stats else ()

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch norm of any rank: a subclass names the input ranks it takes in ``_INPUT_DIMS``."""

    _INPUT_DIMS = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def _check_input_dim(self, input):
        if input.ndim not in self._INPUT_DIMS:
            expected = " or ".join(f"{d}D" for d in self._INPUT_DIMS)
            raise ValueError(f"expected {expected} input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        rm, rv, use_batch_stats, factor = self._count_batch()
        return F.batch_norm(input, rm, rv, self.weight, self.bias, use_batch_stats, factor,
                            self.eps)

    def _count_batch(self):
        """Count this forward's batch (in training) and say how to normalize it.

        Returns:
            ``(running_mean, running_var, use_batch_stats, momentum)`` for ``F.batch_norm``:
            the running statistics to read or update (None when training without tracking),
            whether the batch's own statistics are used, and the update factor (with
            ``momentum=None``, 1 / num_batches_tracked: the cumulative average).
        """
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return (self.running_mean if keep else None, self.running_var if keep else None,
                use_batch_stats, factor)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: running-statistics update factor (None: cumulative average).
        affine: learn weight and bias.
        track_running_stats: keep running_mean / running_var / num_batches_tracked.
        bias: learn a bias (with affine).
    """

    _INPUT_DIMS = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs: per channel, over N, H and W.

    In training mode it normalises with the batch's mean and (biased) variance and updates the
    running statistics, ``running = (1 - momentum) * running + momentum * batch`` with the
    unbiased variance; in eval mode it normalises with the running statistics.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance.
        momentum: weight of the batch statistics in the running ones (None: cumulative average).
        affine: learn a per-channel scale (``weight``) and shift (``bias``).
        track_running_stats: keep running statistics (otherwise batch statistics always).
        device: accepted for torch compatibility.
        dtype: the parameters' dtype.
        bias: learn the shift (with ``affine``).

    Shape:
        input (N, C, H, W); output the same. weight, bias, running_mean, running_var (C,).
    """

    _INPUT_DIMS = (4,)


class InstanceNorm2d(_NormBase):
    """Instance normalisation over (N, C, H, W) or (C, H, W) inputs.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance.
        momentum: weight of the new statistics in the running ones.
        affine: learn a per-channel scale and shift (default False, as in torch).
        track_running_stats: keep running statistics for eval mode (default False).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def _optional_state_keys(self):
        return ()

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.ndim}D input)")
        cdim = input.ndim - 3
        if input.shape[cdim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={cdim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[cdim]}.")
            warnings.warn(
                f"input's size at dim={cdim} does not match num_features. You can silence "
                f"this warning by not passing in num_features, which is not used because "
                f"affine=False", UserWarning, stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == 3 else input
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if input.ndim == 3 else y


class GroupNorm(Module):
    """Group normalisation: channels split into num_groups groups, each normalised per sample.

    Args:
        num_groups: number of groups (must divide num_channels).
        num_channels: C.
        eps: added to the variance.
        affine: learn per-channel weight and bias.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        _check_device(device)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _init_affine(self, affine, bias, (num_channels,), dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dimensions.

    Args:
        normalized_shape: int or tuple: the trailing shape to normalise over.
        eps: added to the variance.
        elementwise_affine: learn weight (and bias) of shape normalized_shape.
        bias: learn a bias (with elementwise_affine).
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device(device)
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _init_affine(self, elementwise_affine, bias, self.normalized_shape, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
