"""Normalization with torch's signatures: batch, group, layer and instance norm (ops:
``tinyconv.ops.norm``)."""
import numpy as np

from ..._checks import check_float, check_tensor, is_int, is_real
from ..._engine import same_version
from ...ops import norm as N

__all__ = ["batch_norm", "group_norm", "layer_norm", "instance_norm"]


def _float_input(op, input, min_dim=0, layout=""):
    check_float(op, input, exact=False)
    if input.ndim < min_dim:
        raise ValueError(f"{op}: expected an input of at least {min_dim} dims {layout}, but got "
                         f"input of shape {tuple(input.shape)}")


def _per_channel(op, name, t, C, input, dtype=None):
    """Check an optional per-channel tensor (C elements) and return its flat 1-D view."""
    if t is None:
        return None
    check_tensor(op, name, t, optional=True)
    if t._data.size != C:
        raise RuntimeError(
            f"{op}: {name} should contain {C} elements (one per channel of input of shape "
            f"{tuple(input.shape)}), but got {name} of shape {tuple(t.shape)}")
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    return t if t.ndim == 1 else t.reshape(C)


def _running_arrays(op, running_mean, running_var, C, input):
    """The running statistics as 1-D Tensors around views of their memory (updated in place by
    the op in training; version-checked where the op saves them), or (None, None)."""
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
        a = t._data.reshape(C)
        if not np.shares_memory(a, t._data):
            raise ValueError(f"{op}: {name} must be contiguous to be updated in place")
        arrays.append(same_version(t, a))
    return arrays[0], arrays[1]


def _affine(op, input, weight, bias, C):
    """The checked (C,) weight and bias in input's dtype (None where not given)."""
    return (_per_channel(op, "weight", weight, C, input, input.dtype),
            _per_channel(op, "bias", bias, C, input, input.dtype))


def _check_eps_momentum(op, eps, momentum, training):
    if not is_real(momentum):
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
        running_mean: (C,) tensors or None.  When training they are updated in
            place: ``new = (1 - momentum) * old + momentum * batch`` with the unbiased batch
            variance.  Eval mode (``training=False``) normalises with them.
        running_var: the same for the variance.
        weight: optional (C,) affine parameters.
        bias: the shift, like ``weight``.
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
    w, b = _affine("batch_norm", input, weight, bias, C)
    if training:
        m = input._data.size // C if C else 0
        if m == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(shape)}")
        if m == 0:
            raise ValueError(f"batch_norm: cannot compute batch statistics of an empty input "
                             f"(shape {tuple(shape)})")
    elif rm is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in "
                           "evaluation mode (training=False)")
    return N.BatchNorm.apply(input, w, b, running_mean=rm, running_var=rv,
                             training=bool(training), momentum=float(momentum), eps=float(eps))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: normalise each sample over groups of C/num_groups channels.

    Args:
        input: (N, C, *) float tensor.
        num_groups: number of groups; must divide C.
        weight: optional (C,) per-channel affine parameters.
        bias: the shift, like ``weight``.
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("group_norm", input, 2, "(N, C, *)")
    C = input.shape[1]
    if not is_int(num_groups) or num_groups <= 0 or C % num_groups:
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
    w, b = _affine("group_norm", input, weight, bias, C)
    return N.GroupNorm.apply(input, w, b, num_groups=int(num_groups), eps=float(eps))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the trailing dims given by ``normalized_shape``.

    Args:
        input: (*, normalized_shape...) float tensor.
        normalized_shape: int or sequence of ints: the trailing shape to normalise over.
        weight: optional affine parameters of shape ``normalized_shape``.
        bias: the shift, like ``weight``.
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("layer_norm", input)
    ns = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
    if not ns or not all(is_int(s) for s in ns):
        raise TypeError(f"layer_norm: normalized_shape must be an int or a non-empty sequence "
                        f"of ints, got {normalized_shape!r}")
    nd = len(ns)
    if not float(eps) >= 0.0:
        raise ValueError(f"layer_norm: eps must be non-negative, but got {eps}")
    if input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != ns:
        raise RuntimeError(
            f"layer_norm: given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of shape {tuple(input.shape)}")
    affine = []
    for name, t in (("weight", weight), ("bias", bias)):
        check_tensor("layer_norm", name, t, optional=True)
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(
                f"layer_norm: expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {tuple(t.shape)} and normalized_shape={list(ns)}")
        affine.append(t if t is None or t.dtype == input.dtype else t.to(input.dtype))
    return N.LayerNorm.apply(input, *affine, nd=nd, eps=float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalization: normalise each (sample, channel) over its spatial dims.

    Args:
        input: (N, C, *) float tensor with at least one spatial dim.
        running_mean: optional (C,) tensors; with ``use_input_stats`` they are
            updated in place with the per-sample statistics averaged over N.
        running_var: the same for the variance.
        weight: optional (C,) affine parameters.
        bias: the shift, like ``weight``.
        use_input_stats: normalise with each instance's own statistics; otherwise with the
            running statistics (which must then be given).
        momentum: as in ``batch_norm``.
        eps: added to the variance.

    Returns:
        A tensor of input's shape and dtype.
    """
    _float_input("instance_norm", input, 2, "(N, C, *)")
    _check_eps_momentum("instance_norm", eps, momentum, use_input_stats)
    C = input.shape[1]
    rm, rv = _running_arrays("instance_norm", running_mean, running_var, C, input)
    w, b = _affine("instance_norm", input, weight, bias, C)
    if not use_input_stats:
        if rm is None:
            raise RuntimeError("instance_norm: expected running_mean and running_var to be "
                               "defined when use_input_stats is False")
        # torch normalises with copies of the running statistics here (repeated per sample):
        # writing into them before backward is allowed
        return N.BatchNorm.apply(input, w, b, running_mean=rm._data.copy(),
                                 running_var=rv._data.copy(), training=False, eps=float(eps))
    spatial = input._data.size // (input.shape[0] * C) if input._data.size else 0
    if spatial <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {tuple(input.shape)}")
    return N.InstanceNorm.apply(input, w, b, eps=float(eps), running_mean=rm, running_var=rv,
                                momentum=float(momentum))
