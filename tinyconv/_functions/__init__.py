"""The public functions of the tensor layer (``tinyconv.add``, ``tinyconv.cat``,
``tinyconv.relu``, ...): each validates its arguments with torch's rules and calls one op.
``tinyconv.Tensor``'s methods and dunders call these; ``nn.functional`` re-exports the
activations among them, as torch does.  Functions marked ``@method`` (``_methods``) are also
Tensor methods; ``install_methods`` puts them on the class."""
from ._methods import METHODS
from .activation import log_softmax, relu, relu_, sigmoid, softmax, tanh
from .arith import (
    abs,
    add,
    clamp,
    div,
    exp,
    log,
    matmul,
    maximum,
    mm,
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
)
from .inplace import inplace_method
from .random import bernoulli
from .reduction import amax, argmax, argmin, max, mean, min, std, sum, var
from .shape import (
    cat,
    expand,
    diagonal,
    flatten,
    narrow,
    permute,
    repeat,
    reshape,
    select,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
    view,
)

__all__ = ["abs", "add", "amax", "argmax", "argmin", "bernoulli", "cat", "clamp", "diagonal",
           "div", "exp", "expand", "flatten", "log", "log_softmax", "matmul", "max", "maximum",
           "mean", "min", "minimum", "mm", "mul", "narrow", "neg", "permute", "pow", "relu",
           "relu_", "repeat", "reshape", "select", "sigmoid", "softmax", "sqrt", "squeeze",
           "stack", "std", "sub", "sum", "t", "tanh", "transpose", "unsqueeze", "var", "view",
           "where"]


def install_methods(cls):
    """Install every function marked ``@method`` on ``cls`` (the Tensor class)."""
    for name, (fn, in_place) in METHODS.items():
        if any(name in c.__dict__ for c in cls.__mro__[:-1]):
            raise RuntimeError(f"Tensor.{name} is defined in the class and marked @method in "
                               f"{fn.__module__}: define it in one place")
        setattr(cls, name, inplace_method(fn, name) if in_place else fn)
