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
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
)
from . import random  # noqa: F401  (marks Tensor.bernoulli/multinomial)
from .inplace import inplace_method
from .matrix import (addmm, addmv, baddbmm, bmm, cdist, dot, einsum, ger, kron, mm, mv, outer,
                     tensordot, trace, vdot)
from .reduction import amax, argmax, argmin, max, mean, min, std, sum, var
from .shape import (
    cat,
    expand,
    flatten,
    permute,
    repeat,
    reshape,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
    view,
)

__all__ = ["abs", "add", "amax", "argmax", "argmin", "cat", "clamp", "div", "exp", "expand",
           "flatten", "log", "log_softmax", "matmul", "max", "maximum", "mean", "min",
           "minimum", "mul", "neg", "permute", "pow", "relu", "relu_", "repeat", "reshape",
           "sigmoid", "softmax", "sqrt", "squeeze", "stack", "std", "sub", "sum", "t", "tanh",
           "transpose", "unsqueeze", "var", "view", "where", "addmm", "addmv", "baddbmm", "bmm",
           "cdist", "dot", "einsum", "ger", "kron", "mm", "mv", "outer", "tensordot", "trace",
           "vdot"]


def install_methods(cls):
    """Install every function marked ``@method`` on ``cls`` (the Tensor class)."""
    for name, (fn, in_place) in METHODS.items():
        if name in cls.__dict__:
            raise RuntimeError(f"Tensor.{name} is defined in the class and marked @method in "
                               f"{fn.__module__}: define it in one place")
        setattr(cls, name, inplace_method(fn, name) if in_place else fn)
