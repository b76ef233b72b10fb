"""The CS231n assignment layer API, backed by tinyconv's ops.

The submodules mirror the assignment's files (``layers``, ``gradient_check``, ``optim``,
``solver``); every name is also here, so ``from tinyconv.compat.cs231n import *`` works.

Assignment-style code (``out, cache = conv_forward_fast(x, w, b, conv_param)`` ...
``dx, dw, db = conv_backward_fast(dout, cache)``, ``Solver(model, data, ...).train()``) runs
unchanged on NumPy arrays.  Every forward function builds the computation with tinyconv's
differentiable ops and keeps the graph in ``cache``; the matching backward function seeds the
graph with ``dout`` and returns the input gradients as NumPy arrays of the inputs' dtypes.
The ``_naive`` and ``_fast`` variants are the same tinyconv ops (tinyconv has one
convolution, which already runs on im2col kernels); both names exist so that code calling
either runs.

Conventions that differ from torch, translated here explicitly:

- Affine weights are ``(D, M)`` (``out = x.reshape(N, D) @ w + b``); torch's Linear stores
  ``(M, D)``.
- Batch normalization (``bn_param``): ``momentum`` (default 0.9) is the weight of the OLD
  running value, ``running = momentum * running + (1 - momentum) * batch``; torch's momentum
  (default 0.1) is the weight of the NEW value, so CS231n 0.9 is torch 0.1.  The running
  variance is the BIASED batch variance (divide by m); torch stores the unbiased one
  (m / (m - 1) times larger).  ``bn_param['mode']`` is ``'train'`` or ``'test'``; running
  statistics live in ``bn_param['running_mean'/'running_var']`` (created as zeros).
- Dropout (``dropout_param``): ``p`` is the KEEP probability; kept units are scaled by 1/p
  (inverted dropout).  torch's ``p`` is the DROP probability: CS231n p == torch 1 - p.  The
  mask comes from NumPy's global RNG, seeded with ``dropout_param['seed']`` when given, as in
  the assignment.
- Group normalization: ``gamma``/``beta`` have shape ``(1, C, 1, 1)``; ``G`` groups.
- Pooling: ``pool_param = {'pool_height', 'pool_width', 'stride'}``; convolution:
  ``conv_param = {'stride', 'pad'}`` (zero padding on every side).
- The update rules (``sgd``, ``sgd_momentum``, ``rmsprop``, ``adam``) take
  ``(w, dw, config)`` and return ``(next_w, config)``; ``sgd_momentum`` keeps
  ``v = momentum * v - lr * dw`` (torch keeps ``v = momentum * v + dw`` and steps by lr * v:
  the same weights for a constant learning rate).
"""
from .gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from .layers import *  # noqa: F403  (the layer functions, listed in layers.__all__)
from .layers import __all__ as _layers_all
from .optim import adam, rmsprop, sgd, sgd_momentum
from .solver import Solver

__all__ = [*_layers_all, "eval_numerical_gradient", "eval_numerical_gradient_array",
           "rel_error", "sgd", "sgd_momentum", "rmsprop", "adam", "Solver"]
