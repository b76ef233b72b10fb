"""Parameter initialisation (torch.nn.init): in place, without recording a graph, keeping dtype.

Every function draws from the package generator (``tc.manual_seed``) unless ``generator=`` is
given, writes into ``tensor._data`` and returns ``tensor``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._docstrings import shared_docs
from .._random import _gen

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
    "kaiming_normal_", "orthogonal_", "sparse_",
    # torch's deprecated names (FutureWarning, then the in-place function)
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]


# Argument descriptions the init functions' docstrings share (a docstring line ``{name}``).
_ARGS = {
    "tensor": "tensor: the tensor to fill in place (under no_grad, so a Parameter works).",
    "generator": ("generator: a ``tc.Generator`` to draw from (default: the package generator, "
                  "seeded\n    by ``tc.manual_seed``)."),
    "filled": "Returns:\n    Tensor: ``tensor``, filled.",
    "fans": ("``fan_in`` is in_features (Linear) or in_channels * KH * KW (Conv2d); ``fan_out``\n"
             "alike."),
    "kaiming": ("a: negative slope of the following leaky_relu.\n"
                "mode: 'fan_in' (preserve the forward variance) or 'fan_out' (backward).\n"
                "nonlinearity: name passed to ``calculate_gain``."),
    "xavier": "gain: a factor (``calculate_gain``).",
}


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (torch's values).

    Args:
        nonlinearity: 'linear', 'conv{1,2,3}d', 'conv_transpose{1,2,3}d', 'sigmoid', 'tanh',
            'relu', 'leaky_relu' or 'selu'.
        param: negative slope for 'leaky_relu' (default 0.01).

    Returns:
        float
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _no_op_if_empty(tensor, name):
    if 0 in tensor._data.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def _write(tensor, values):
    # assignment casts into the tensor's own dtype; no graph is recorded (plain ndarray write)
    tensor._data[...] = values
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(shape {tuple(shape)})")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _xavier_std(tensor, gain):
    """``gain * sqrt(2 / (fan_in + fan_out))``, the spread both Glorot initialisations aim at."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def _kaiming_std(tensor, a, mode, nonlinearity):
    """``gain / sqrt(fan)``, the spread both He initialisations aim at (torch's order of
    operations, so a bound ``sqrt(3) * std`` rounds as torch's)."""
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


@shared_docs(_ARGS)
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b).

    Args:
        {tensor}
        a: the lower bound.
        b: the upper bound.
        {generator}

    {filled}
    """
    return _write(tensor, _gen(generator).uniform(a, b, size=tensor._data.shape))


@shared_docs(_ARGS)
def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std**2).

    Args:
        {tensor}
        mean: the mean.
        std: the standard deviation.
        {generator}

    {filled}

    Examples:
        >>> import tinyconv as tc
        >>> conv = tc.nn.Conv2d(3, 16, 3)
        >>> w = tc.nn.init.normal_(conv.weight, 0.0, 0.02)
        >>> w is conv.weight, round(float(w.std()), 2)
        (True, 0.02)
    """
    return _write(tensor, _gen(generator).normal(mean, std, size=tensor._data.shape))


@shared_docs(_ARGS)
def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std**2) truncated to [a, b] (values outside are redrawn).

    Args:
        {tensor}
        mean: the mean.
        std: the standard deviation.
        a: the lower bound of the truncation (absolute, not in standard deviations).
        b: the upper bound of the truncation.
        {generator}

    {filled}
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution "
            "of values may be incorrect.", UserWarning, stacklevel=2)
    rng = _gen(generator)
    n = tensor._data.size
    lo_p = 0.5 * (1.0 + math.erf((a - mean) / (std * math.sqrt(2.0))))
    hi_p = 0.5 * (1.0 + math.erf((b - mean) / (std * math.sqrt(2.0))))
    out = np.empty(n, dtype=np.float64)
    if hi_p - lo_p > 0.05:
        # rejection sampling: exact truncated normal
        filled = 0
        while filled < n:
            draw = rng.normal(mean, std, size=max(16, int((n - filled) / (hi_p - lo_p) * 1.1)))
            draw = draw[(draw >= a) & (draw <= b)][: n - filled]
            out[filled:filled + draw.size] = draw
            filled += draw.size
    else:
        # far tail: inverse CDF by bisection on erf (vectorised), exact up to float64
        u = rng.uniform(lo_p, hi_p, size=n)
        lo = np.full(n, a, dtype=np.float64)
        hi = np.full(n, b, dtype=np.float64)
        erf = np.vectorize(math.erf, otypes=[np.float64])
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            cdf = 0.5 * (1.0 + erf((mid - mean) / (std * math.sqrt(2.0))))
            below = cdf < u
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        out = 0.5 * (lo + hi)
    return _write(tensor, np.clip(out, a, b).reshape(tensor._data.shape))


@shared_docs(_ARGS)
def constant_(tensor, val):
    """Fill with ``val``.

    Args:
        {tensor}
        val: the value.

    {filled}
    """
    return _write(tensor, val)


@shared_docs(_ARGS)
def ones_(tensor):
    """Fill with 1.

    Args:
        {tensor}

    {filled}
    """
    return _write(tensor, 1)


@shared_docs(_ARGS)
def zeros_(tensor):
    """Fill with 0.

    Args:
        {tensor}

    {filled}
    """
    return _write(tensor, 0)


@shared_docs(_ARGS)
def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal).

    Args:
        {tensor}

    {filled}
    """
    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor._data.shape, dtype=tensor._data.dtype))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each of the first
    ``min(out/groups, in)`` output channels of every group passes its input channel through
    the kernel's centre unchanged (an identity convolution).

    Args:
        tensor: (out_channels, in_channels, *kernel) weight.
        groups: number of groups of output channels (must divide out_channels).
    """
    shape = tensor._data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = shape[0] // groups
    d = np.arange(min(out_per_group, shape[1]))
    centre = tuple(k // 2 for k in shape[2:])
    values = np.zeros(shape, dtype=tensor._data.dtype)
    for g in range(groups):
        values[(g * out_per_group + d, d) + centre] = 1
    return _write(tensor, values)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std**2) and zero ``ceil(sparsity * rows)`` random entries
    of every column.

    Args:
        tensor: a 2-D tensor.
        sparsity: the fraction of each column set to zero.
        std: standard deviation of the non-zero values.
    """
    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor._data.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _gen(generator)
    values = rng.normal(0.0, std, size=(rows, cols))
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0
    return _write(tensor, values)


@shared_docs(_ARGS)
def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    {fans}

    Args:
        {tensor}
        {xavier}
        {generator}

    {filled}
    """
    a = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -a, a, generator)


@shared_docs(_ARGS)
def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    {fans}

    Args:
        {tensor}
        {xavier}
        {generator}

    {filled}
    """
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator)


@shared_docs(_ARGS)
def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    torch's default initialisation of Conv2d and Linear weights is this with
    ``a=sqrt(5)``.
    {fans}

    Args:
        {tensor}
        {kaiming}
        {generator}

    {filled}
    """
    if _no_op_if_empty(tensor, "kaiming_uniform_"):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


@shared_docs(_ARGS)
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``.

    {fans}

    Args:
        {tensor}
        {kaiming}
        {generator}

    {filled}
    """
    if _no_op_if_empty(tensor, "kaiming_normal_"):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


@shared_docs(_ARGS)
def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix (trailing dimensions flattened), times ``gain``.

    Args:
        {tensor}
        gain: a factor.
        {generator}

    {filled}
    """
    if tensor._data.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor._data.size == 0:
        return tensor
    rows = tensor._data.shape[0]
    cols = tensor._data.size // rows
    flat = _gen(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # sign fix makes the result uniformly (Haar) distributed
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor._data.shape))


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated, use ``{new_name}``."
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
