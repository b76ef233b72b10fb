"""tinyconv.nn.functional: every op's public function, with torch's signature.

Each function validates its arguments (naming the argument and the shapes), then calls one
``Function`` from ``tinyconv.ops``.  Sections by family; each is owned by its ops module.
"""
from ..tensor import flatten  # noqa: F401  (torch.nn.functional has no flatten, torch does)

# ----------------------------------------------------------------------------- convolution
# (conv2d, conv_transpose2d, pad: tinyconv/ops/conv.py)

# ----------------------------------------------------------------------------- pooling
# (max_pool2d, avg_pool2d, adaptive_avg_pool2d: tinyconv/ops/pool.py)

# ----------------------------------------------------------------------------- normalization
# (batch_norm, group_norm, layer_norm, instance_norm: tinyconv/ops/norm.py)

# ----------------------------------------------------------------------------- activations
# (relu, leaky_relu, gelu, sigmoid, tanh, softmax, log_softmax, dropout: tinyconv/ops/activation.py)

# ----------------------------------------------------------------------------- linear
# (linear: tinyconv/ops/linalg.py)

# ----------------------------------------------------------------------------- losses
# (cross_entropy, nll_loss, mse_loss, ...: tinyconv/ops/loss.py)
