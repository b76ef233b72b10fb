"""Random sampling from tensors of parameters, with torch's signatures: bernoulli,
multinomial, and normal's tensor forms (``tinyconv.factory.normal`` is the public function).
Draws come from the package generator or a ``tc.Generator`` (``tinyconv._random``); the
values are NumPy's stream, not torch's, while shapes, dtypes, distributions and seeding
behave as torch's."""
import numbers

import numpy as np

from .._engine import TensorBase
from .._random import _gen
from ._methods import method

__all__ = ["normal_tensors", "bernoulli", "multinomial", "check_probability"]


def check_probability(p, op):
    """torch's check of a probability given as a number.

    Args:
        p: the probability.
        op: the function, for the message.

    Returns:
        float: ``p``.
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{op}: p must be a float or a Tensor, not {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")
    return float(p)


def _new(like, arr):
    return like._make(arr, False, None)


def normal_tensors(mean, std, generator=None):
    """``normal`` when ``mean`` or ``std`` is a Tensor (``tinyconv.normal`` dispatches here):
    samples of their broadcast shape, in the tensor's dtype, without gradient."""
    rng = _gen(generator)
    tm, ts = isinstance(mean, TensorBase), isinstance(std, TensorBase)
    like = mean if tm else std
    m = mean._data if tm else np.asarray(mean, dtype=like.dtype)
    s = std._data if ts else np.asarray(std, dtype=like.dtype)
    if like.dtype.kind != "f":
        raise RuntimeError(f"normal expects floating point mean and std, got {like.dtype}")
    if np.any(s < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0 (got "
                           f"{float(s.min())})")
    try:
        shape = np.broadcast_shapes(m.shape, s.shape)
    except ValueError:
        raise RuntimeError(f"normal: mean of shape {m.shape} and std of shape {s.shape} do "
                           f"not broadcast") from None
    z = rng.standard_normal(shape)
    return _new(like, (m + s * z).astype(like.dtype))


# (Tensor.bernoulli_ is not its in-place form: torch's draws with p=0.5 by default)
@method
def bernoulli(input, p=None, *, generator=None):
    """0/1 samples: 1 with probability ``input`` (or ``p``) per element.

    Args:
        input: probabilities in [0, 1] (its shape and dtype are the result's).
        p: a probability (a number) used for every element instead of ``input``'s values.
        generator: a ``tc.Generator`` to draw from.

    Returns:
        Tensor: ``input``'s shape and dtype, values 0 or 1.
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"bernoulli(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    if p is None and input.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli: not implemented for dtype {input.dtype} (the "
                                  f"probabilities must be floating point)")
    probs = input._data if p is None else np.full(input.shape, float(p))
    if probs.size and (np.any(probs < 0) or np.any(probs > 1) or np.isnan(probs).any()):
        raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got "
                           "false.")
    draw = _gen(generator).random(input.shape) < probs
    return _new(input, draw.astype(input.dtype))


@method
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn with the (unnormalised) weights of each row of ``input``.

    Args:
        input: non-negative weights (C,) or (N, C).
        num_samples: how many draws per row.
        replacement: draw with replacement; without it, at most the number of non-zero
            weights per row.
        generator: a ``tc.Generator`` to draw from.

    Returns:
        Tensor: int64 indices, (num_samples,) or (N, num_samples).
    """
    op = "multinomial"
    if not isinstance(input, TensorBase):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    w = np.atleast_2d(input._data).astype(np.float64)
    if num_samples <= 0:
        raise RuntimeError(f"{op}: cannot sample n_sample <= 0 samples (got {num_samples})")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise RuntimeError(f"{op}: probability tensor contains either `inf`, `nan` or element "
                           f"< 0")
    rng = _gen(generator)
    out = np.empty((w.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(w):
        total = row.sum()
        if total <= 0:
            raise RuntimeError(f"{op}: invalid multinomial distribution (sum of probabilities "
                               f"<= 0)")
        if not replacement and num_samples > np.count_nonzero(row):
            raise RuntimeError(f"{op}: cannot sample n_sample > prob_dist.size(-1) samples "
                               f"without replacement")
        out[i] = rng.choice(row.shape[0], size=num_samples, replace=replacement, p=row / total)
    return _new(input, out if input.ndim == 2 else out[0])
