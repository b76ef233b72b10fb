"""The core activations (torch has them on Tensor and at the top level): relu, sigmoid,
tanh, softmax, log_softmax.  ``nn.functional`` re-exports them, as torch's does."""
import warnings

from .. import _dtypes as D
from .._checks import check_tensor, normalize_dims
from ..ops import activation as A
from ._methods import method
from .arith import cast
from .inplace import inplace

__all__ = ["relu", "relu_", "sigmoid", "tanh", "softmax", "log_softmax", "float_input"]


def float_input(op, input):
    """``input`` checked to be a Tensor; integer tensors become the default float dtype."""
    check_tensor(op, "input", input)
    if input._data.dtype.kind != "f":
        return cast(input, D.get_default_dtype())
    return input


@method(inplace="relu_")
def relu(input):
    """``max(input, 0)``, elementwise (any dtype).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is 0 where ``input <= 0``.
    """
    check_tensor("relu", "input", input)
    return A.ReLU.apply(input)


def relu_(input):
    """``relu`` in place (recorded for backward as torch's in-place ops are)."""
    check_tensor("relu_", "input", input)
    return inplace(input, A.ReLU.apply, "relu_")


@method(inplace="sigmoid_")
def sigmoid(input):
    """1 / (1 + exp(-input)), computed without overflow.

    Args:
        input: tensor (integers are converted to the default float dtype).

    Returns:
        A float tensor of input's shape.
    """
    return A.Sigmoid.apply(float_input("sigmoid", input))


@method(inplace="tanh_")
def tanh(input):
    """Hyperbolic tangent, elementwise.

    Args:
        input: tensor (integers are converted to the default float dtype).

    Returns:
        A float tensor of input's shape.
    """
    return A.Tanh.apply(float_input("tanh", input))


def _softmax_args(op, input, dim, dtype, stacklevel):
    check_tensor(op, "input", input)
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input (or dtype=), got {input.dtype}")
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                      f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    axis = normalize_dims(dim, input.ndim, op)
    if len(axis) != 1:
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return input, (axis[0] if input.ndim else None)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / sum(exp(input)) along ``dim``, computed stably.

    Args:
        input: float tensor.
        dim: the dimension to normalise over (None: torch's deprecated implicit choice).
        dtype: cast the input to this dtype first.

    Returns:
        A tensor of input's shape.
    """
    input, axis = _softmax_args("softmax", input, dim, dtype, _stacklevel)
    return A.Softmax.apply(input, dim=axis)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input)) along ``dim``, computed stably (finite for any finite input).

    Args:
        input: float tensor.
        dim: the dimension to normalise over (None: torch's deprecated implicit choice).
        dtype: cast the input to this dtype first.

    Returns:
        A tensor of input's shape.
    """
    input, axis = _softmax_args("log_softmax", input, dim, dtype, _stacklevel)
    return A.LogSoftmax.apply(input, dim=axis)
