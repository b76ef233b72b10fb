"""Unary pointwise math with torch's signatures and dtype rules: trigonometric and hyperbolic
functions and their inverses (with torch's ``arc*`` aliases), log1p/log2/log10/expm1/exp2,
erf/erfc/erfinv, rsqrt/reciprocal/square, floor/ceil/round/trunc/fix/frac/sign/sgn.

Each is a Tensor method too, with an in-place ``_`` form (``x.sin_()``).  Integer inputs of the
floating functions are converted to the default float dtype, as torch does; rounding and sign
keep integer dtypes.
"""
from .. import _dtypes as D
from .._checks import check_tensor, is_int
from ..ops import math as M
from ._methods import method
from .arith import cast, pow

__all__ = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
           "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log1p",
           "log2", "log10", "expm1", "exp2", "erf", "erfc", "erfinv", "rsqrt", "reciprocal",
           "square", "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn"]


def _float_input(op, input):
    check_tensor(op, "input", input)
    if not D.is_float(input._data.dtype):
        return cast(input, D.get_default_dtype())
    return input


def _unary(name, op, summary, domain="any real number", alias_of=None):
    """The public function ``name`` (and its method and in-place method) running ``op``."""
    def fn(input):
        return op.apply(_float_input(name, input))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary}, elementwise{f' (alias of ``{alias_of}``)' if alias_of else ''}.

    Args:
        input: a Tensor ({domain}); integer tensors are converted to the default float dtype.

    Returns:
        Tensor: of ``input``'s shape and floating dtype; differentiable (twice).
    """
    return method(inplace=f"{name}_")(fn)


sin = _unary("sin", M.Sin, "Sine (radians)")
cos = _unary("cos", M.Cos, "Cosine (radians)")
tan = _unary("tan", M.Tan, "Tangent (radians)")
asin = _unary("asin", M.Asin, "Inverse sine, in [-pi/2, pi/2]", "in [-1, 1]; NaN outside")
acos = _unary("acos", M.Acos, "Inverse cosine, in [0, pi]", "in [-1, 1]; NaN outside")
atan = _unary("atan", M.Atan, "Inverse tangent, in (-pi/2, pi/2)")
sinh = _unary("sinh", M.Sinh, "Hyperbolic sine")
cosh = _unary("cosh", M.Cosh, "Hyperbolic cosine")
asinh = _unary("asinh", M.Asinh, "Inverse hyperbolic sine")
acosh = _unary("acosh", M.Acosh, "Inverse hyperbolic cosine", ">= 1; NaN below")
atanh = _unary("atanh", M.Atanh, "Inverse hyperbolic tangent", "in [-1, 1]; +-inf at +-1")
arcsin = _unary("arcsin", M.Asin, "Inverse sine", "in [-1, 1]", "asin")
arccos = _unary("arccos", M.Acos, "Inverse cosine", "in [-1, 1]", "acos")
arctan = _unary("arctan", M.Atan, "Inverse tangent", alias_of="atan")
arcsinh = _unary("arcsinh", M.Asinh, "Inverse hyperbolic sine", alias_of="asinh")
arccosh = _unary("arccosh", M.Acosh, "Inverse hyperbolic cosine", ">= 1", "acosh")
arctanh = _unary("arctanh", M.Atanh, "Inverse hyperbolic tangent", "in [-1, 1]", "atanh")
log1p = _unary("log1p", M.Log1p, "``log(1 + input)``, accurate for small input", ">= -1")
log2 = _unary("log2", M.Log2, "Base-2 logarithm", ">= 0")
log10 = _unary("log10", M.Log10, "Base-10 logarithm", ">= 0")
expm1 = _unary("expm1", M.Expm1, "``exp(input) - 1``, accurate for small input")
exp2 = _unary("exp2", M.Exp2, "``2 ** input``")
erf = _unary("erf", M.Erf, "The error function")
erfc = _unary("erfc", M.Erfc, "The complementary error function ``1 - erf(input)``")
erfinv = _unary("erfinv", M.Erfinv, "The inverse error function",
                "in [-1, 1]; +-inf at +-1, NaN outside")
rsqrt = _unary("rsqrt", M.Rsqrt, "``1 / sqrt(input)``", ">= 0")
reciprocal = _unary("reciprocal", M.Reciprocal, "``1 / input``")


@method(inplace="square_")
def square(input):
    """``input * input``, elementwise (integer tensors stay integers).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    check_tensor("square", "input", input)
    return pow(input, 2)


def _rounding(input, mode, op, decimals=0):
    check_tensor(op, "input", input)
    return M.Rounding.apply(input, mode=mode, decimals=decimals)


@method(inplace="floor_")
def floor(input):
    """The largest integer <= each element (integer tensors are returned as they are).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is zero, as torch's.
    """
    return _rounding(input, "floor", "floor")


@method(inplace="ceil_")
def ceil(input):
    """The smallest integer >= each element.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is zero, as torch's.
    """
    return _rounding(input, "ceil", "ceil")


@method(inplace="trunc_")
def trunc(input):
    """Each element rounded toward zero.

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is zero, as torch's.
    """
    return _rounding(input, "trunc", "trunc")


@method(inplace="fix_")
def fix(input):
    """Each element rounded toward zero (alias of ``trunc``).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    return _rounding(input, "trunc", "fix")


@method(inplace="round_")
def round(input, *, decimals=0):
    """Each element rounded to ``decimals`` decimal places, halves to even (torch's rule:
    ``round(2.5) == 2``).

    Args:
        input: a Tensor.
        decimals: the number of decimal places (negative rounds to tens, hundreds...).

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is zero, as torch's.

    Examples:
        >>> import tinyconv as tc
        >>> tc.round(tc.tensor([0.5, 1.5, 2.5, 1.2345]), decimals=0)
        tensor([0., 2., 2., 1.])
    """
    if not is_int(decimals):
        raise TypeError(f"round(): argument 'decimals' must be int, not "
                        f"{type(decimals).__name__}")
    return _rounding(input, "round", "round", int(decimals))


@method(inplace="frac_")
def frac(input):
    """The fractional part ``input - trunc(input)`` (its sign is ``input``'s).

    Args:
        input: a floating-point Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient passes unchanged.
    """
    check_tensor("frac", "input", input)
    if not D.is_float(input._data.dtype):
        raise TypeError(f"frac(): expected a floating point tensor, got dtype {input.dtype}")
    return M.Frac.apply(input)


@method(inplace="sign_")
def sign(input):
    """-1, 0 or 1 by the sign of each element (NaN stays NaN).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype; the gradient is zero, as torch's.
    """
    return _rounding(input, "sign", "sign")


@method(inplace="sgn_")
def sgn(input):
    """The sign of each element (``sign`` for real tensors; torch's complex-aware name).

    Args:
        input: a Tensor.

    Returns:
        Tensor: of ``input``'s shape and dtype.
    """
    return _rounding(input, "sign", "sgn")

