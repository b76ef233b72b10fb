"""tinyconv: a PyTorch-style autograd framework on NumPy with Cython convolution kernels.

    import tinyconv as tc
    x = tc.randn(8, 3, 32, 32, requires_grad=True)

This module is the public namespace only: it imports the layers bottom-up (see
ARCHITECTURE.md) and re-exports torch's top-level names.
"""
from . import _environment  # first: sets what thread pools read when they load
from . import accelerator, backends, cuda, random
from ._device import device, get_default_device, set_default_device
from ._dtypes import (bfloat16, bool_, float16, float32, float64, get_default_dtype, int8,
                      int16, int32, int64, set_default_dtype, uint8)
from ._functions import (abs, add, amax, argmax, argmin, cat, clamp, clamp_max, clamp_min, div,
                         exp, flatten, log, log_softmax, matmul, max, maximum, mean, min, minimum,
                         mul, neg, permute, pow, relu, reshape, sigmoid, softmax, sqrt, squeeze,
                         stack, std, sub, sum, tanh, transpose, unsqueeze, var, where)
from ._functions import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,
                         broadcast_tensors, broadcast_to, chunk, column_stack, diag, diag_embed,
                         diagonal, diff, dstack, flip, fliplr, flipud, gather, hstack, index_add,
                         index_copy, index_fill, index_put, index_select, masked_fill,
                         masked_scatter, masked_select, meshgrid, moveaxis, movedim, narrow,
                         repeat_interleave, roll, rot90, scatter, scatter_add, scatter_reduce,
                         select, split, swapaxes, swapdims, take, take_along_dim, tensor_split,
                         tile, tril, triu, unbind, unflatten, vstack)
from ._functions import (all, allclose, any, argwhere, bitwise_and, bitwise_left_shift,
                         bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, eq, equal,
                         ge, greater, greater_equal, gt, isclose, isfinite, isin, isinf,
                         isnan, isneginf, isposinf, isreal, le, less, less_equal, logical_and,
                         logical_not, logical_or, logical_xor, lt, ne, nonzero, not_equal)
from ._functions import (absolute, acos, acosh, addcdiv, addcmul, arccos, arccosh, arcsin,
                         arcsinh, arctan, arctan2, arctanh, asin, asinh, atan, atan2, atanh,
                         ceil, clip, cos, cosh, divide, erf, erfc, erfinv, exp2, expm1, fix,
                         floor, floor_divide, fmod, frac, hypot, lerp, log1p, log2, log10,
                         multiply, nan_to_num, negative, reciprocal, remainder, round, rsqrt,
                         sgn, sign, sin, sinh, square, subtract, tan, trunc, true_divide)
from ._functions import (amin, aminmax, count_nonzero, cumprod, cumsum, logsumexp, nanmean,
                         nansum, norm, prod, std_mean, var_mean)
from ._functions import (argsort, bincount, bucketize, cummax, cummin, histc, kthvalue, median,
                         mode, msort, searchsorted, sort, topk, unique, unique_consecutive)
from ._functions import corrcoef, cov, nanmedian, nanquantile, quantile
from ._functions.linalg import det, inverse, logdet, slogdet
from ._functions.matrix import (addmm, addmv, baddbmm, bmm, cdist, dot, einsum, ger, kron, mm,
                                mv, outer, tensordot, trace, vdot)
from ._random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from ._size import Size
from ._tensor_str import set_printoptions
from .backends import (are_deterministic_algorithms_enabled, get_conv_workspace_limit,
                       get_deterministic_debug_mode, get_num_threads,
                       is_deterministic_algorithms_warn_only_enabled, set_conv_workspace_limit,
                       set_num_threads, use_deterministic_algorithms)
from .tensor import Tensor
from .factory import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                      HalfTensor, IntTensor, LongTensor, ShortTensor)
from .factory import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                      linspace, logspace, normal, ones, ones_like, rand, rand_like, randint,
                      randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from ._functions.introspect import finfo, iinfo, is_floating_point, is_tensor, numel
from ._functions.random import bernoulli, multinomial
from . import autograd, linalg
from .autograd import (enable_grad, gradcheck, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import nn, optim
from .utils.serialization import load, save
from . import datasets, models, transforms, utils
from . import distributed  # mpi4py loads in distributed.init()
from . import debug, profiler

__version__ = "0.1.0"
_BLAS_ENV_APPLIED = _environment.BLAS_ENV_APPLIED

# torch's short dtype names (they shadow builtins only inside this namespace)
bool = bool_
half, float, double, long, int = float16, float32, float64, int64, int32
