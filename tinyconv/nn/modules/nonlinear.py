"""More activation modules (torch's names, arguments and ``extra_repr``): SiLU, Hardswish,
Hardsigmoid, Hardtanh, ReLU6, ELU, SELU, CELU, Softplus, Softsign, Mish, Tanhshrink, Threshold,
GLU, LogSigmoid, Softmin, Softmax2d, Hardshrink, Softshrink, PReLU, RReLU.

Each calls the function of the same name in ``nn.functional``; ``inplace=True`` is passed on.
"""
import warnings

from .. import functional as F
from .. import init
from ..module import Module
from ._utils import _check_device, empty_parameter

__all__ = ["SiLU", "Hardswish", "Hardsigmoid", "Hardtanh", "ReLU6", "ELU", "SELU", "CELU",
           "Softplus", "Softsign", "Mish", "Tanhshrink", "Threshold", "GLU", "LogSigmoid",
           "Softmin", "Softmax2d", "Hardshrink", "Softshrink", "PReLU", "RReLU"]


def _inplace_str(inplace, lead=", "):
    return f"{lead}inplace=True" if inplace else ""


class _Inplace(Module):
    """An activation whose only argument is ``inplace``."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, "")


class _Plain(Module):
    """An activation without arguments."""

    _fn = None

    def forward(self, input):
        return type(self)._fn(input)


class SiLU(_Inplace):
    """``x * sigmoid(x)`` elementwise (swish).

    Args:
        inplace: write the result into the input.

    Shape:
        input of any shape; output of the same shape.
    """

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))`` elementwise.

    Args:
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.mish)


class SELU(_Inplace):
    """Scaled ELU with the self-normalising constants.

    Args:
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.selu)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6`` elementwise.

    Args:
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.hardswish)

    def extra_repr(self):  # torch's Hardswish shows no arguments
        return ""


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6`` elementwise.

    Args:
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self):  # torch's Hardsigmoid shows no arguments
        return ""


class Hardtanh(Module):
    """Clip into ``[min_val, max_val]`` elementwise.

    Args:
        min_val: the lower bound.
        max_val: the upper bound.
        inplace: write the result into the input.
        min_value: deprecated spelling of ``min_val`` (warns, as torch).
        max_value: deprecated spelling of ``max_val`` (warns, as torch).
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)`` elementwise.

    Args:
        inplace: write the result into the input.
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, "")


class ELU(Module):
    """``x`` above 0, ``alpha * (exp(x) - 1)`` below.

    Args:
        alpha: the negative saturation value.
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.elu)

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha: the negative saturation value (not 0).
        inplace: write the result into the input.
    """

    _fn = staticmethod(F.celu)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold``.

    Args:
        beta: the sharpness.
        threshold: where ``beta * x > threshold`` the output is ``x``.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(_Plain):
    """``x / (1 + |x|)`` elementwise."""

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """``x - tanh(x)`` elementwise."""

    _fn = staticmethod(F.tanhshrink)


class LogSigmoid(_Plain):
    """``log(sigmoid(x))`` elementwise."""

    _fn = staticmethod(F.logsigmoid)


class Softmax2d(Module):
    """Softmax over the channels at every location of a (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input of 3 or 4 dimensions, got "
                             f"{input.ndim}-D input of shape {tuple(input.shape)}")
        return F.softmax(input, -3)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Args:
        threshold: the threshold.
        value: the replacement.
        inplace: write the result into the input.
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class GLU(Module):
    """Gated linear unit over ``dim``: ``a * sigmoid(b)`` of the two halves.

    Args:
        dim: the dimension split in half.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    Args:
        dim: the dimension that sums to 1.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Args:
        lambd: the threshold.
    """

    _fn = staticmethod(F.hardshrink)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self)._fn(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``x`` moved ``lambd`` towards 0 (0 where ``|x| <= lambd``).

    Args:
        lambd: the threshold (>= 0).
    """

    _fn = staticmethod(F.softshrink)


class PReLU(Module):
    """``x`` where positive, else ``weight * x``, with learnt slopes.

    Args:
        num_parameters: 1 (one slope) or the number of input channels.
        init: the slopes' initial value.
        device: accepted for torch compatibility ('cpu').
        dtype: the parameter dtype (default: the default dtype).

    Shape:
        input (N, C, *) or any shape with ``num_parameters=1``; output of the same shape.
        weight (num_parameters,).
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        _check_device(device)
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = empty_parameter((num_parameters,), dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Fill the slopes with ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: random negative slopes in training, their mean in eval.

    Args:
        lower: the smallest slope.
        upper: the largest slope.
        inplace: write the result into the input.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"
