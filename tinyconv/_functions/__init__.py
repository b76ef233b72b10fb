"""The public functions of the tensor layer (``tinyconv.add``, ``tinyconv.cat``,
``tinyconv.relu``, ...): each validates its arguments with torch's rules and calls one op.
``tinyconv.Tensor``'s methods and dunders call these; ``nn.functional`` re-exports the
activations among them, as torch does."""
from .activation import log_softmax, relu, relu_, sigmoid, softmax, tanh
from .arith import (abs, add, clamp, div, exp, log, matmul, maximum, minimum, mul, neg, pow, sqrt,
                    sub, where)
from .reduction import amax, argmax, argmin, max, mean, min, std, sum, var
from .shape import (cat, expand, flatten, permute, repeat, reshape, squeeze, stack, t, transpose,
                    unsqueeze, view)

__all__ = ["abs", "add", "amax", "argmax", "argmin", "cat", "clamp", "div", "exp", "expand",
           "flatten", "log", "log_softmax", "matmul", "max", "maximum", "mean", "min",
           "minimum", "mul", "neg", "permute", "pow", "relu", "relu_", "repeat", "reshape",
           "sigmoid", "softmax", "sqrt", "squeeze", "stack", "std", "sub", "sum", "t", "tanh",
           "transpose", "unsqueeze", "var", "view", "where"]
