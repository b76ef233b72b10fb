"""The public functions of the tensor layer (``tinyconv.add``, ``tinyconv.cat``,
``tinyconv.relu``, ...): each validates its arguments with torch's rules and calls one op.
``tinyconv.Tensor``'s methods and dunders call these; ``nn.functional`` re-exports the
activations among them, as torch does.  Functions marked ``@method`` (``_methods``) are also
Tensor methods; ``Tensor`` inherits them from ``tensor_methods()``."""
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


def tensor_methods():
    """The class ``Tensor`` inherits its function-methods from: every function marked
    ``@method``, and the in-place methods derived from them."""
    ns = {name: inplace_method(fn, name) if in_place else fn
          for name, (fn, in_place) in METHODS.items()}
    ns["__slots__"] = ()
    ns["__module__"] = __name__
    return type("TensorMethods", (), ns)


def check_methods(cls):
    """Refuse a method defined both in ``cls`` or its own bases and by ``@method`` (one place
    each)."""
    own = [c for c in cls.__mro__ if c.__name__ != "TensorMethods" and c is not object]
    both = sorted(n for n in METHODS if any(n in c.__dict__ for c in own))
    if both:
        raise RuntimeError(f"Tensor methods defined in the class and marked @method: {both}; "
                           f"define each in one place")
