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
    clamp_max,
    clamp_min,
    clip,
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
)
from .bitwise import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                      bitwise_right_shift, bitwise_xor, logical_and, logical_not, logical_or,
                      logical_xor)
from .compare import (all, allclose, any, argwhere, eq, equal, ge, greater, greater_equal, gt,
                      isclose, isfinite, isin, isinf, isnan, isneginf, isposinf, isreal, le,
                      less, less_equal, lt, ne, nonzero, not_equal, where)
from .indexing import (gather, index_add, index_copy, index_fill, index_put, index_select,
                       masked_fill, masked_scatter, masked_select, scatter, scatter_add,
                       scatter_reduce, take, take_along_dim)
from .inplace import inplace_method
from .random import bernoulli, multinomial
from .math import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh,
                   atan, atanh, ceil, cos, cosh, erf, erfc, erfinv, exp2, expm1, fix, floor,
                   frac, log1p, log2, log10, reciprocal, round, rsqrt, sgn, sign, sin, sinh,
                   square, tan, trunc)
from .pointwise import (absolute, addcdiv, addcmul, arctan2, atan2, divide, floor_divide, fmod,
                        hypot, lerp, multiply, nan_to_num, negative, remainder, subtract,
                        true_divide)
from .rearrange import (diag, diag_embed, diagonal, diff, flip, fliplr, flipud, roll, rot90,
                        tril, triu)
from .norms import norm
from .linalg import det, inverse, logdet, slogdet
from .reduction import (amax, amin, aminmax, argmax, argmin, count_nonzero, cumprod, cumsum,
                        logsumexp, max, mean, min, nanmean, nansum, prod, std, std_mean, sum,
                        var, var_mean)
from .matrix import (addmm, addmv, baddbmm, bmm, cdist, dot, einsum, ger, kron, mm, mv, outer,
                     tensordot, trace, vdot)
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
from .sorting import (argsort, bincount, bucketize, cummax, cummin, histc, kthvalue, median,
                      mode, msort, searchsorted, sort, topk, unique, unique_consecutive)
from .statistics import corrcoef, cov, nanmedian, nanquantile, quantile
from .slicing import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors,
                      broadcast_to, chunk, column_stack, dstack, hstack, meshgrid, moveaxis,
                      movedim, narrow, repeat_interleave, select, split, swapaxes, swapdims,
                      tensor_split, tile, unbind, unflatten, vstack)

__all__ = ["abs", "add", "amax", "argmax", "argmin", "bernoulli", "cat", "clamp", "div", "exp",
           "expand", "flatten", "log", "log_softmax", "matmul", "max", "maximum", "mean", "min",
           "minimum", "mm", "mul", "neg", "permute", "pow", "relu", "relu_", "repeat", "reshape",
           "sigmoid", "softmax", "sqrt", "squeeze", "stack", "std", "sub", "sum", "t", "tanh",
           "transpose", "unsqueeze", "var", "view", "where",
           # indexing, slicing, joining
           "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_copy", "index_put", "masked_fill", "masked_select",
           "masked_scatter", "take", "take_along_dim", "narrow", "select", "chunk", "split",
           "tensor_split", "unbind",
           "movedim", "moveaxis", "swapaxes", "swapdims", "unflatten", "broadcast_to",
           "broadcast_tensors", "broadcast_shapes", "meshgrid", "atleast_1d", "atleast_2d",
           "atleast_3d", "hstack", "vstack", "dstack", "column_stack", "tile",
           "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu",
           "diag", "diagonal", "diag_embed", "diff",
           # comparisons, predicates, bitwise and logical ops
           "eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite",
           "isposinf", "isneginf", "isreal", "isin", "all", "any", "nonzero", "argwhere",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
           "bitwise_right_shift", "logical_and", "logical_or", "logical_xor", "logical_not",
           # sorting and selection
           "sort", "argsort", "msort", "topk", "kthvalue", "median", "mode", "cummax", "cummin",
           "unique", "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize",
           # statistics
           "quantile", "nanquantile", "nanmedian", "cov", "corrcoef",
           # pointwise math
           "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
           "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log1p",
           "log2", "log10", "expm1", "exp2", "erf", "erfc", "erfinv", "rsqrt", "reciprocal",
           "square", "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn", "atan2",
           "arctan2", "hypot", "remainder", "fmod", "floor_divide", "lerp", "addcmul",
           "addcdiv", "nan_to_num", "divide", "true_divide", "multiply", "subtract", "negative",
           "absolute", "clip", "clamp_min", "clamp_max",
           # reductions and norms
           "amin", "aminmax", "prod", "cumsum", "cumprod", "logsumexp", "std_mean", "var_mean",
           "count_nonzero", "nansum", "nanmean", "norm",
           # matrix products and random sampling
           "addmm", "addmv", "baddbmm", "bmm", "cdist", "dot", "einsum", "ger", "kron", "mv",
           "outer", "tensordot", "trace", "vdot", "multinomial",
           # inverses and determinants (tinyconv.linalg has the rest)
           "det", "inverse", "logdet", "slogdet"]


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
    # (this module exports tinyconv's ``any``: no builtin any here)
    both = sorted(n for n in METHODS if [c for c in own if n in c.__dict__])
    if both:
        raise RuntimeError(f"Tensor methods defined in the class and marked @method: {both}; "
                           f"define each in one place")
