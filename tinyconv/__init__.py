"""tinyconv: a PyTorch-style autograd framework on NumPy with Cython convolution kernels.

    import tinyconv as tc
    x = tc.randn(8, 3, 32, 32, requires_grad=True)
"""
import os as _os
import sys as _sys

# OpenBLAS (NumPy's BLAS) keeps its worker threads spinning for 2^28 cycles (about 0.1 s)
# after every GEMM.  tinyconv runs OpenMP kernels (transforms, im2col, norms) between GEMMs,
# and with as many threads as cores the spinning workers take the cores from them: measured
# in issue 9 on 2 cores, a MiniVGG training step (N=128, 1x28x28) 1630 -> 1340 ms and a
# Winograd 64->128 14x14 forward+backward 227 -> 157 ms with 2^20 cycles (about 0.3 ms, still
# enough to bridge back-to-back GEMMs).  OpenBLAS reads the variable once, when NumPy loads
# it, so this applies only when tinyconv is imported before NumPy; a value the user set wins.
# ``python -m tinyconv doctor`` says whether it took effect.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
_BLAS_ENV_APPLIED = "numpy" not in _sys.modules
from . import autograd
from ._random import Generator, get_rng_state, manual_seed, set_rng_state
from .autograd import enable_grad, gradcheck, is_grad_enabled, no_grad, set_grad_enabled
from .factory import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                      linspace, ones, ones_like, rand, randint, randn, randperm, tensor, zeros,
                      zeros_like)
from .tensor import (Tensor, abs, add, bool_, cat, clamp, div, exp, flatten, float16, float32,
                     float64, get_default_dtype, int8, int16, int32, int64, log, matmul, maximum,
                     minimum, mul, neg, pow, set_default_dtype, sqrt, stack, sub, uint8, where)
from .ops import _kernels  # noqa: F401  - fail at import, with build instructions, if unbuilt
from . import nn, optim  # noqa: E402,F401  (Module/optimizers; issue 4)
from .utils.serialization import load, save  # noqa: E402,F401
from . import datasets, models, transforms, utils  # noqa: E402,F401  (data, model zoo; issue 5)
from . import distributed  # noqa: E402,F401  (MPI data parallel; mpi4py loads in init(); issue 6)
from .ops.conv import get_conv_workspace_limit, set_conv_workspace_limit
from . import backends  # noqa: E402,F401  (conv algorithm switches; issue 8)
from . import debug  # noqa: E402,F401  (compare_with_torch; issue 10)
from . import profiler  # noqa: E402,F401  (per-module/op-category step profile; issue 9)

__version__ = "0.1.0"

# torch's short dtype names (they shadow builtins only inside this namespace)
bool = bool_  # noqa: A001
half, float, double, long, int = float16, float32, float64, int64, int32  # noqa: A001


def _tensor_method(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"Functional form of ``Tensor.{name}``."
    return fn


sum = _tensor_method("sum")
mean = _tensor_method("mean")
max = _tensor_method("max")
min = _tensor_method("min")
amax = _tensor_method("amax")
argmax = _tensor_method("argmax")
argmin = _tensor_method("argmin")
var = _tensor_method("var")
std = _tensor_method("std")
reshape = _tensor_method("reshape")
permute = _tensor_method("permute")
transpose = _tensor_method("transpose")
unsqueeze = _tensor_method("unsqueeze")
squeeze = _tensor_method("squeeze")
relu = _tensor_method("relu")
sigmoid = _tensor_method("sigmoid")
tanh = _tensor_method("tanh")
softmax = _tensor_method("softmax")
log_softmax = _tensor_method("log_softmax")
