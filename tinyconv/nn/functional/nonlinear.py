"""More activations with torch's signatures: silu, hardswish, hardsigmoid, relu6, hardtanh,
elu, selu, celu, softplus, softsign, mish, tanhshrink, threshold, glu, logsigmoid, softmin,
hardshrink, softshrink, prelu, rrelu (ops: ``tinyconv.ops.nonlinear``).

``inplace=True`` writes the result into ``input`` with torch's in-place autograd semantics
(``tinyconv._functions.inplace``).
"""
import numpy as np

from ..._checks import ArgumentError, check_tensor, is_real, normalize_dims
from ..._functions.activation import float_input, softmax
from ..._functions.inplace import inplace as inplace_op
from ..._random import default_rng
from ...ops import activation as A
from ...ops import elementwise as E
from ...ops import nonlinear as N
from ...ops import shape as S

__all__ = ["silu", "hardswish", "hardsigmoid", "relu6", "hardtanh", "elu", "selu", "celu",
           "softplus", "softsign", "mish", "tanhshrink", "threshold", "glu", "logsigmoid",
           "softmin", "hardshrink", "softshrink", "prelu", "rrelu"]

# SELU's constants (Klambauer et al.), as torch's
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _apply(op, input, fn, inplace):
    """``fn(input)`` for a float ``input``, or written into ``input`` when ``inplace``."""
    input = float_input(op, input)
    if inplace:
        return inplace_op(input, fn, op + "_")
    return fn(input)


def _number(op, name, value):
    if not is_real(value):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def silu(input, inplace=False):
    """Sigmoid linear unit (swish): ``input * sigmoid(input)``.

    Args:
        input: a Tensor (integers become the default float dtype).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _apply("silu", input, N.SiLU.apply, inplace)


def hardswish(input, inplace=False):
    """``input * relu6(input + 3) / 6`` (MobileNetV3's hard swish).

    Args:
        input: a Tensor.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _apply("hardswish", input, N.Hardswish.apply, inplace)


def hardsigmoid(input, inplace=False):
    """``relu6(input + 3) / 6``: a piecewise-linear sigmoid.

    Args:
        input: a Tensor.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _apply("hardsigmoid", input, N.Hardsigmoid.apply, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clip into ``[min_val, max_val]``; the gradient is zero outside and on the bounds.

    Args:
        input: a Tensor.
        min_val: the lower bound.
        max_val: the upper bound.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    lo, hi = _number("hardtanh", "min_val", min_val), _number("hardtanh", "max_val", max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val ({lo}) cannot be greater than max_val ({hi})")
    return _apply("hardtanh", input, lambda t: N.Hardtanh.apply(t, min_val=lo, max_val=hi),
                  inplace)


def relu6(input, inplace=False):
    """``min(max(0, input), 6)`` (``hardtanh(input, 0, 6)``).

    Args:
        input: a Tensor.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _apply("relu6", input, lambda t: N.Hardtanh.apply(t, min_val=0.0, max_val=6.0),
                  inplace)


def _elu(op, input, alpha, scale, input_scale, inplace, backward_input_scale=None):
    return _apply(op, input, lambda t: N.ELU.apply(
        t, alpha=alpha, scale=scale, input_scale=input_scale,
        backward_input_scale=backward_input_scale), inplace)


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit: ``input`` above 0, ``alpha * (exp(input) - 1)`` below.

    Args:
        input: a Tensor.
        alpha: the negative saturation value.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _elu("elu", input, _number("elu", "alpha", alpha), 1.0, 1.0, inplace)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants (scale 1.0507, alpha 1.6733).

    Args:
        input: a Tensor.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _elu("selu", input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        input: a Tensor.
        alpha: the negative saturation value (not 0).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    alpha = _number("celu", "alpha", alpha)
    if alpha == 0:
        raise ArgumentError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    # torch's backward uses 1 / alpha with alpha rounded to float32
    return _elu("celu", input, alpha, 1.0, 1.0 / alpha, inplace,
                1.0 / float(np.float32(alpha)))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``.

    Args:
        input: a Tensor.
        beta: the sharpness.
        threshold: above ``beta * input > threshold`` the result is ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    beta = _number("softplus", "beta", beta)
    threshold = _number("softplus", "threshold", threshold)
    return N.Softplus.apply(float_input("softplus", input), beta=beta, threshold=threshold)


def softsign(input):
    """``input / (1 + |input|)``.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape.
    """
    x = float_input("softsign", input)
    return E.Div.apply(x, E.Add.apply(E.Abs.apply(x), E.const(x, 1.0)))


def mish(input, inplace=False):
    """``input * tanh(softplus(input))``.

    Args:
        input: a Tensor.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return _apply("mish", input, N.Mish.apply, inplace)


def tanhshrink(input):
    """``input - tanh(input)``.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape.
    """
    x = float_input("tanhshrink", input)
    return E.Sub.apply(x, A.Tanh.apply(x))


def threshold(input, threshold, value, inplace=False):
    """``input`` where ``input > threshold``, else ``value``.

    Args:
        input: a Tensor.
        threshold: the threshold.
        value: the replacement below or at the threshold.
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    th = _number("threshold", "threshold", threshold)
    v = _number("threshold", "value", value)
    return _apply("threshold", input, lambda t: N.Threshold.apply(t, threshold=th, value=v),
                  inplace)


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` with ``a, b`` the two halves of ``input``.

    Args:
        input: a Tensor whose size along ``dim`` is even.
        dim: the dimension split in half.

    Returns:
        Tensor: ``input``'s shape with ``dim`` halved.
    """
    x = float_input("glu", input)
    if x.ndim == 0:
        raise RuntimeError("glu: glu does not support scalars because halving size must be "
                           "even")
    d = normalize_dims(dim, x.ndim, "glu")[0]
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size "
                           f"{n} (input shape {tuple(x.shape)})")
    lead = (slice(None),) * d
    a = S.GetItem.apply(x, index=lead + (slice(0, n // 2),))
    b = S.GetItem.apply(x, index=lead + (slice(n // 2, n),))
    return E.Mul.apply(a, A.Sigmoid.apply(b))


def logsigmoid(input):
    """``log(sigmoid(input))``, computed without overflow.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape.
    """
    return N.LogSigmoid.apply(float_input("logsigmoid", input))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)`` along ``dim``.

    Args:
        input: a float Tensor.
        dim: the dimension that sums to 1 (None: torch's deprecated implicit choice).
        dtype: cast the input to this dtype first.

    Returns:
        Tensor: of ``input``'s shape.
    """
    check_tensor("softmin", "input", input)
    return softmax(E.Neg.apply(input), dim, _stacklevel + 1, dtype)


def _shrink_lambd(op, lambd):
    lam = _number(op, "lambd", lambd)
    if lam < 0:
        raise ArgumentError(f"{op}: lambda must be greater or equal to 0, but found to be {lam}")
    return lam


def hardshrink(input, lambd=0.5):
    """``input`` where ``|input| > lambd``, else 0.

    Args:
        input: a Tensor.
        lambd: the threshold (>= 0).

    Returns:
        Tensor: of ``input``'s shape.
    """
    return N.Hardshrink.apply(float_input("hardshrink", input),
                              lambd=_shrink_lambd("hardshrink", lambd))


def softshrink(input, lambd=0.5):
    """``input`` moved ``lambd`` towards 0 (0 where ``|input| <= lambd``).

    Args:
        input: a Tensor.
        lambd: the threshold (>= 0).

    Returns:
        Tensor: of ``input``'s shape.
    """
    return N.Softshrink.apply(float_input("softshrink", input),
                              lambd=_shrink_lambd("softshrink", lambd))


def prelu(input, weight):
    """``input`` where positive, else ``weight * input``, with a learnt slope per channel.

    Args:
        input: a Tensor; its channel dimension is dim 1 (none for a 0-d or 1-D input).
        weight: the slopes, one element or one per channel (a Tensor).

    Returns:
        Tensor: of ``input``'s shape; gradients reach ``input`` and ``weight``.
    """
    x = float_input("prelu", input)
    check_tensor("prelu", "weight", weight)
    n = weight._data.size
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-d or 1-D, got shape {tuple(weight.shape)}")
    w = weight if weight._data.dtype == x._data.dtype else weight.to(x.dtype)
    if n != 1:
        C = x.shape[1] if x.ndim >= 2 else 1
        if n != C:
            raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                               f"Found parameter numbers = {n} and channel size = {C} (input "
                               f"shape {tuple(x.shape)})")
        w = S.Reshape.apply(w, shape=(n,) + (1,) * (x.ndim - 2))
    elif w.ndim:
        w = S.Reshape.apply(w, shape=())
    return E.Where.apply(x, E.Mul.apply(w, x), cond=x._data > 0)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: a random slope in ``[lower, upper]`` per negative element when
    training, the mean slope ``(lower + upper) / 2`` otherwise.

    Args:
        input: a Tensor.
        lower: the smallest slope.
        upper: the largest slope.
        training: draw random slopes (from the package generator, ``tc.manual_seed``).
        inplace: write the result into ``input``.

    Returns:
        Tensor: of ``input``'s shape.
    """
    lo, hi = _number("rrelu", "lower", lower), _number("rrelu", "upper", upper)
    if lo > hi:
        raise ArgumentError(f"rrelu: Lower bound should be less than or equal to the upper "
                            f"bound (lower={lo}, upper={hi})")
    if not training:
        slope = (lo + hi) / 2.0
        return _apply("rrelu", input, lambda t: A.LeakyReLU.apply(t, negative_slope=slope),
                      inplace)

    def fn(t):
        a = default_rng().uniform(lo, hi, t.shape).astype(t.dtype)
        return E.Where.apply(t, E.Mul.apply(t, E.const(t, a)), cond=t._data > 0)
    return _apply("rrelu", input, fn, inplace)
