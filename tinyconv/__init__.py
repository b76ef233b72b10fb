"""tinyconv: a PyTorch-style autograd framework on NumPy with Cython convolution kernels.

    import tinyconv as tc
    x = tc.randn(8, 3, 32, 32, requires_grad=True)

This module is the public namespace only: it imports the layers bottom-up (see
ARCHITECTURE.md) and re-exports torch's top-level names.
"""
from . import _environment  # first: sets what thread pools read when they load
from . import backends
from ._dtypes import (bfloat16, bool_, float16, float32, float64, get_default_dtype, int8,
                      int16, int32, int64, set_default_dtype, uint8)
from ._functions import (abs, add, amax, argmax, argmin, cat, clamp, div, exp, flatten, log,
                         log_softmax, matmul, max, maximum, mean, min, minimum, mul, neg,
                         permute, pow, relu, reshape, sigmoid, softmax, sqrt, squeeze, stack,
                         std, sub, sum, tanh, transpose, unsqueeze, var, where)
from ._functions.matrix import (addmm, addmv, baddbmm, bmm, cdist, dot, einsum, ger, kron, mm,
                                mv, outer, tensordot, trace, vdot)
from ._random import Generator, get_rng_state, manual_seed, set_rng_state
from .backends import get_conv_workspace_limit, set_conv_workspace_limit
from .tensor import Tensor
from .factory import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                      linspace, logspace, normal, ones, ones_like, rand, rand_like, randint,
                      randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from ._functions.introspect import finfo, iinfo, is_floating_point, is_tensor, numel
from ._functions.random import bernoulli, multinomial
from . import autograd
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
