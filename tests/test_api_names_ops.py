"""The issue-20 names of the tensor ops (items 1-5: comparisons and predicates, sorting and
selection, indexing/slicing/joining, pointwise math, reductions and norms), as data: each must
exist in tinyconv under the listed path (functions at the top level, methods on Tensor,
in-place methods, operators), and each torch name must exist in torch.  Behaviour against
torch is tested through the op registry (tinyconv.testing.opinfo: compare, sorting, indexing,
math, reduction), which test_ops.py runs."""

import pytest
import torch

import tinyconv  # noqa: F401
from tests.utils import resolve

COMPARISON = ["eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less",
              "less_equal", "not_equal", "isclose", "allclose", "equal", "isnan", "isinf",
              "isfinite", "isneginf", "isposinf", "isreal", "all", "any", "maximum", "minimum",
              "where", "nonzero", "argwhere"]
SORTING = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "unique", "unique_consecutive", "cummax", "cummin"]
INDEXING = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
            "index_fill", "index_copy", "masked_fill", "masked_select", "masked_scatter", "take",
            "take_along_dim", "chunk", "split", "tensor_split", "unbind", "narrow", "select",
            "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "diag", "diagonal",
            "diag_embed", "repeat_interleave", "tile", "movedim", "moveaxis", "swapaxes",
            "swapdims", "unflatten", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
            "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack",
            "column_stack"]
MATH = ["sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
        "acosh", "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh",
        "arctanh", "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn", "square",
        "rsqrt", "reciprocal", "log1p", "log2", "log10", "expm1", "exp2", "erf", "erfc",
        "erfinv", "lerp", "hypot", "clip", "clamp", "div", "divide", "true_divide",
        "floor_divide", "remainder", "fmod", "addcmul", "addcdiv", "nan_to_num", "multiply",
        "subtract", "negative", "absolute", "bitwise_and", "bitwise_or", "bitwise_xor",
        "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "logical_and",
        "logical_or", "logical_xor", "logical_not"]
REDUCTION = ["norm", "prod", "cumsum", "cumprod", "amin", "amax", "aminmax", "logsumexp",
             "std_mean", "var_mean", "count_nonzero", "nansum", "nanmean", "sum", "mean",
             "quantile", "nanquantile", "cov", "corrcoef"]
# top-level functions that torch does not have as Tensor methods
NOT_METHODS = {"broadcast_tensors", "broadcast_shapes", "meshgrid", "atleast_1d", "atleast_2d",
               "atleast_3d", "hstack", "vstack", "dstack", "column_stack", "std_mean",
               "var_mean", "where"}
INPLACE = ["unsqueeze_", "squeeze_", "t_", "transpose_", "swapdims_", "swapaxes_",
           "eq_", "ne_", "gt_", "ge_", "lt_", "le_", "scatter_", "scatter_add_",
           "scatter_reduce_", "index_add_", "index_fill_", "index_copy_", "masked_fill_",
           "masked_scatter_", "tril_", "triu_", "exp_", "sqrt_", "relu_", "sigmoid_", "tanh_",
           "pow_", "clamp_", "clip_", "sin_", "cos_", "tan_", "asin_", "acos_", "atan_",
           "atan2_", "sinh_", "cosh_", "asinh_", "acosh_", "atanh_", "floor_", "ceil_",
           "round_", "trunc_", "frac_", "sign_", "sgn_", "square_", "rsqrt_", "reciprocal_",
           "log1p_", "log2_", "log10_", "expm1_", "exp2_", "erf_", "erfc_", "erfinv_", "lerp_",
           "hypot_", "div_", "floor_divide_", "remainder_", "fmod_", "addcmul_", "addcdiv_",
           "nan_to_num_", "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_",
           "logical_and_", "logical_or_", "logical_xor_", "logical_not_", "cumsum_",
           "cumprod_", "fix_", "negative_", "absolute_", "multiply_", "subtract_",
           "divide_", "true_divide_"]
OPERATORS = ["__and__", "__or__", "__xor__", "__invert__", "__lshift__", "__rshift__",
             "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__iand__", "__ior__",
             "__ixor__", "__ifloordiv__", "__imod__", "__rand__", "__ror__", "__rxor__"]

# (reference name, tinyconv name)
NAMES = [(f"torch.{n}", f"tinyconv.{n}") for n in COMPARISON + SORTING + INDEXING + MATH
         + REDUCTION]
NAMES += [(f"torch.Tensor.{n}", f"tinyconv.Tensor.{n}")
          for n in COMPARISON + SORTING + INDEXING + MATH + REDUCTION if n not in NOT_METHODS]
NAMES += [(f"torch.Tensor.{n}", f"tinyconv.Tensor.{n}") for n in INPLACE + OPERATORS]
NAMES += [("torch.Tensor.unfold", "tinyconv.Tensor.unfold")]  # a method only
NAMES += [(f"torch.linalg.{n}", f"tinyconv.linalg.{n}")
          for n in ("norm", "vector_norm", "matrix_norm")]



@pytest.mark.parametrize("ref,ours", NAMES, ids=[n for _, n in NAMES])
def test_name_exists(ref, ours):
    assert callable(resolve(ours))
    assert callable(resolve(ref))


def test_the_list_has_no_duplicates():
    assert len({n for _, n in NAMES}) == len(NAMES)
    assert torch.__version__.startswith("2.")
