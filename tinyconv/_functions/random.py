"""Random sampling from a tensor of probabilities: ``bernoulli``, as torch's.

Samples come from tinyconv's generator (NumPy's): the same seed gives other numbers than
torch's, with the same distribution.
"""
import numbers

from .._engine import TensorBase
from .._random import _gen
from ._methods import method

__all__ = ["bernoulli", "check_probability"]


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


@method
def bernoulli(input, p=None, generator=None):
    """Draw 0 or 1 per element: 1 with probability ``input`` (or ``p``).

    Args:
        input: a floating Tensor of probabilities in [0, 1] (or, with ``p``, the shape and
            dtype of the result).
        p: one probability for every element, instead of ``input``'s values.
        generator: a ``tc.Generator`` to draw from (default: the package generator, seeded by
            ``tc.manual_seed``).

    Returns:
        Tensor: 0s and 1s of ``input``'s shape and dtype (no gradient flows through a sample).
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    a = input._data
    if p is None:
        if a.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli: not implemented for dtype {a.dtype} (the "
                                      f"probabilities must be floating point)")
        if a.size and not (a.min() >= 0 and a.max() <= 1):
            raise RuntimeError("bernoulli: expected every probability in [0, 1]")
        prob = a
    else:
        prob = check_probability(p, "bernoulli")
    draw = _gen(generator).random(a.shape) < prob
    return input._make(draw.astype(a.dtype), False, None)
