"""The assignment's layers (its ``layers.py``, ``fast_layers.py``, ``layer_utils.py``).

Every forward builds its computation with tinyconv's differentiable ops and keeps the graph
in ``cache``; the matching backward seeds it with ``dout``.  The conventions are in the
package docstring (``tinyconv.compat.cs231n``).
"""
import numpy as np

from ...autograd import enable_grad
from ...nn import functional as F
from ...tensor import Tensor

__all__ = [
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "affine_relu_forward",
    "affine_relu_backward", "conv_forward_naive", "conv_backward_naive", "conv_forward_fast",
    "conv_backward_fast", "max_pool_forward_naive", "max_pool_backward_naive",
    "max_pool_forward_fast", "max_pool_backward_fast", "conv_relu_forward", "conv_relu_backward",
    "conv_relu_pool_forward", "conv_relu_pool_backward", "batchnorm_forward", "batchnorm_backward",
    "batchnorm_backward_alt", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "layernorm_forward", "layernorm_backward", "spatial_groupnorm_forward",
    "spatial_groupnorm_backward", "dropout_forward", "dropout_backward", "softmax_loss",
    "svm_loss",
]


# ------------------------------------------------------------------------------- plumbing
class _Graph:
    """What a forward pass leaves in ``cache``: the output tensor and the leaf inputs."""

    __slots__ = ("out", "leaves")

    def __init__(self, out, leaves):
        self.out = out
        self.leaves = leaves


def _leaf(a, dtype=None):
    arr = np.asarray(a)
    if arr.dtype.kind != "f":
        arr = arr.astype(dtype or np.float64)
    return Tensor(arr, requires_grad=True)


def _run(fn, *arrays):
    """(out ndarray, cache) for ``fn`` applied to leaf tensors made from ``arrays``."""
    leaves = [_leaf(a) for a in arrays]
    with enable_grad():
        out = fn(*leaves)
    return out._data.copy(), _Graph(out, leaves)


def _grads(dout, cache):
    """Gradients of the cached graph's leaves for the upstream gradient ``dout``."""
    if not isinstance(cache, _Graph):
        raise TypeError(f"cs231n: expected the cache returned by the matching forward function, "
                        f"got {type(cache).__name__}")
    out = cache.out
    dout = np.asarray(dout, dtype=out.dtype)
    if dout.shape != out.shape:
        raise ValueError(f"cs231n: dout has shape {dout.shape} but the forward output has shape "
                         f"{out.shape}")
    for t in cache.leaves:
        t.grad = None
    out.backward(Tensor(dout), retain_graph=True)
    return tuple(np.zeros_like(t._data) if t.grad is None else t.grad._data.copy()
                 for t in cache.leaves)


def _get(param, name, op, default=None):
    if name in param:
        return param[name]
    if default is None:
        raise KeyError(f"{op}: missing '{name}' in the parameter dict {sorted(param)}")
    return default


# ------------------------------------------------------------------------------- affine / relu
def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b.

    Args:
        x: (N, d_1, ..., d_k) inputs, D = d_1 * ... * d_k.
        w: (D, M) weights (CS231n layout, the transpose of torch's Linear weight).
        b: (M,) biases.

    Returns:
        (out (N, M), cache).
    """
    N = np.shape(x)[0]
    return _run(lambda x, w, b: x.reshape(N, -1) @ w + b, x, w, b)


def affine_backward(dout, cache):
    """(dx, dw, db) of ``affine_forward`` for upstream ``dout`` (N, M).

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dw, db): gradients of x (N, d1, ...), w (D, M) and b (M,).
    """
    return _grads(dout, cache)


def relu_forward(x):
    """ReLU on an array: ``(out, cache)`` with ``out = max(x, 0)``.

    Args:
        x: an array of any shape.

    Returns:
        (out, cache): out of x's shape; cache for ``relu_backward``.
    """
    return _run(F.relu, x)


def relu_backward(dout, cache):
    """dx of ``relu_forward`` (gy where x > 0).

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        dx: of x's shape.
    """
    return _grads(dout, cache)[0]


def affine_relu_forward(x, w, b):
    """Affine layer then ReLU: ``(relu(affine(x, w, b)), cache)``.

    Args:
        x: (N, d1, ..., dk) inputs, flattened to (N, D).
        w: (D, M) weights.
        b: (M,) biases.

    Returns:
        (out, cache): out (N, M); cache for ``affine_relu_backward``.
    """
    N = np.shape(x)[0]
    return _run(lambda x, w, b: F.relu(x.reshape(N, -1) @ w + b), x, w, b)


def affine_relu_backward(dout, cache):
    """(dx, dw, db) of ``affine_relu_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dw, db).
    """
    return _grads(dout, cache)


# ------------------------------------------------------------------------------- conv / pool
def _conv(conv_param):
    s = _get(conv_param, "stride", "conv_forward", 1)
    p = _get(conv_param, "pad", "conv_forward", 0)
    return lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p)


def _pool(pool_param):
    ph = _get(pool_param, "pool_height", "max_pool_forward")
    pw = _get(pool_param, "pool_width", "max_pool_forward")
    s = _get(pool_param, "stride", "max_pool_forward")
    return lambda x: F.max_pool2d(x, (ph, pw), stride=s)


def conv_forward_fast(x, w, b, conv_param):
    """Convolution (cross-correlation) with zero padding ``pad`` and step ``stride``.

    Args:
        x: (N, C, H, W); w: (F, C, HH, WW); b: (F,).
        conv_param: {'stride': int, 'pad': int}.

    Returns:
        (out, cache), out of shape (N, F, 1 + (H + 2*pad - HH) // stride, likewise W).
    """
    return _run(_conv(conv_param), x, w, b)


def conv_backward_fast(dout, cache):
    """(dx, dw, db) of ``conv_forward_fast``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dw, db): gradients of x (N, C, H, W), w (F, C, HH, WW), b (F,).
    """
    return _grads(dout, cache)


conv_forward_naive = conv_forward_fast
conv_backward_naive = conv_backward_fast


def max_pool_forward_fast(x, pool_param):
    """Max pooling.

    Args:
        x: (N, C, H, W).
        pool_param: {'pool_height', 'pool_width', 'stride'}.

    Returns:
        (out, cache), out of shape (N, C, 1 + (H - pool_height) // stride, likewise W).
    """
    return _run(_pool(pool_param), x)


def max_pool_backward_fast(dout, cache):
    """dx of ``max_pool_forward_fast`` (each gradient to its window's first maximum).

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        dx: of x's shape (N, C, H, W).
    """
    return _grads(dout, cache)[0]


max_pool_forward_naive = max_pool_forward_fast
max_pool_backward_naive = max_pool_backward_fast


def conv_relu_forward(x, w, b, conv_param):
    """Convolution then ReLU.

    Args:
        x: (N, C, H, W) inputs.
        w: (F, C, HH, WW) filters.
        b: (F,) biases.
        conv_param: ``{'stride', 'pad'}``, as ``conv_forward_fast``.

    Returns:
        (out, cache): out (N, F, H', W'); cache for ``conv_relu_backward``.
    """
    conv = _conv(conv_param)
    return _run(lambda x, w, b: F.relu(conv(x, w, b)), x, w, b)


def conv_relu_backward(dout, cache):
    """(dx, dw, db) of ``conv_relu_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dw, db).
    """
    return _grads(dout, cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Convolution, ReLU, then max pooling.

    Args:
        x: (N, C, H, W) inputs.
        w: (F, C, HH, WW) filters.
        b: (F,) biases.
        conv_param: ``{'stride', 'pad'}``, as ``conv_forward_fast``.
        pool_param: ``{'pool_height', 'pool_width', 'stride'}``.

    Returns:
        (out, cache): the pooled maps; cache for ``conv_relu_pool_backward``.
    """
    conv, pool = _conv(conv_param), _pool(pool_param)
    return _run(lambda x, w, b: pool(F.relu(conv(x, w, b))), x, w, b)


def conv_relu_pool_backward(dout, cache):
    """(dx, dw, db) of ``conv_relu_pool_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dw, db).
    """
    return _grads(dout, cache)


# ------------------------------------------------------------------------------- normalization
def _bn(x, gamma, beta, bn_param, axes, op):
    """Batch norm over ``axes`` with CS231n's running statistics (see the module docstring)."""
    mode = _get(bn_param, "mode", op)
    if mode not in ("train", "test"):
        raise ValueError(f"{op}: invalid forward batchnorm mode {mode!r} (use 'train' or 'test')")
    eps = float(bn_param.get("eps", 1e-5))
    momentum = float(bn_param.get("momentum", 0.9))
    x = np.asarray(x)
    C = x.shape[1]
    rm = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    rv = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    if mode == "train":
        # output: batch statistics (biased variance) -- torch's training batch_norm
        out, cache = _run(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True,
                                                       eps=eps), x, gamma, beta)
        # running statistics: CS231n weights the OLD value by momentum and keeps the biased
        # batch variance (torch: new = (1 - m) * old + m * batch, unbiased variance)
        mu = x.mean(axis=axes)
        var = x.var(axis=axes)
        bn_param["running_mean"] = momentum * rm + (1.0 - momentum) * mu
        bn_param["running_var"] = momentum * rv + (1.0 - momentum) * var
        return out, cache
    rm_t = Tensor(np.ascontiguousarray(rm, dtype=x.dtype))
    rv_t = Tensor(np.ascontiguousarray(rv, dtype=x.dtype))
    out, cache = _run(lambda x, g, b: F.batch_norm(x, rm_t, rv_t, g, b, training=False,
                                                   eps=eps), x, gamma, beta)
    bn_param["running_mean"], bn_param["running_var"] = rm, rv
    return out, cache


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of (N, D) features.

    Args:
        x: (N, D); gamma, beta: (D,).
        bn_param: {'mode': 'train'|'test', 'eps': 1e-5, 'momentum': 0.9,
            'running_mean': (D,), 'running_var': (D,)} (running statistics updated in train
            mode: old * momentum + batch * (1 - momentum), biased variance).

    Returns:
        (out (N, D), cache).
    """
    return _bn(x, gamma, beta, bn_param, 0, "batchnorm_forward")


def batchnorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``batchnorm_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dgamma, dbeta): of shapes (N, D), (D,), (D,).
    """
    return _grads(dout, cache)


batchnorm_backward_alt = batchnorm_backward


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of (N, C, H, W) maps per channel (statistics over N, H, W).

    Conventions as ``batchnorm_forward`` with D = C (``bn_param['momentum']`` weights the old
    running value, as the assignment's).

    Args:
        x: (N, C, H, W) inputs.
        gamma: (C,) scales.
        beta: (C,) shifts.
        bn_param: ``{'mode': 'train' | 'test', 'eps', 'momentum', 'running_mean',
            'running_var'}``; the running statistics are updated in it.

    Returns:
        (out, cache): out of x's shape; cache for ``spatial_batchnorm_backward``.
    """
    return _bn(x, gamma, beta, bn_param, (0, 2, 3), "spatial_batchnorm_forward")


def spatial_batchnorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``spatial_batchnorm_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dgamma, dbeta): of shapes (N, C, H, W), (C,), (C,).
    """
    return _grads(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization of (N, D) features (statistics per sample).

    Args:
        x: (N, D) inputs.
        gamma: (D,) scales.
        beta: (D,) shifts.
        ln_param: ``{'eps'}``.

    Returns:
        (out, cache): out (N, D); cache for ``layernorm_backward``.
    """
    eps = float(ln_param.get("eps", 1e-5))
    D = np.shape(x)[1]
    return _run(lambda x, g, b: F.layer_norm(x, (D,), g, b, eps=eps), x, gamma, beta)


def layernorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``layernorm_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dgamma, dbeta): of shapes (N, D), (D,), (D,).
    """
    return _grads(dout, cache)


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization of (N, C, H, W) maps: statistics per sample over C/G channels.

    Args:
        x: (N, C, H, W); gamma, beta: (1, C, 1, 1); G: groups dividing C;
        gn_param: {'eps': 1e-5}.

    Returns:
        (out, cache); the backward returns dgamma, dbeta of shape (1, C, 1, 1).
    """
    eps = float(gn_param.get("eps", 1e-5))
    C = np.shape(x)[1]
    return _run(lambda x, g, b: F.group_norm(x, G, g.reshape(C), b.reshape(C), eps=eps),
                x, gamma, beta)


def spatial_groupnorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``spatial_groupnorm_forward``.

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        (dx, dgamma, dbeta): dgamma and dbeta of shape (1, C, 1, 1).
    """
    return _grads(dout, cache)


# ------------------------------------------------------------------------------- dropout
def dropout_forward(x, dropout_param):
    """Inverted dropout with KEEP probability ``p`` (torch's drop probability is 1 - p).

    Args:
        x: any shape.
        dropout_param: {'p': keep probability in (0, 1], 'mode': 'train'|'test',
            'seed': optional int seeding NumPy's global RNG}.

    Returns:
        (out, cache): in train mode out = x * mask / p with mask ~ Bernoulli(p)
        (``np.random.rand(*x.shape) < p``); in test mode out = x.
    """
    p = float(_get(dropout_param, "p", "dropout_forward"))
    mode = _get(dropout_param, "mode", "dropout_forward")
    if not 0.0 < p <= 1.0:
        raise ValueError(f"dropout_forward: keep probability p must be in (0, 1], got {p}")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_forward: invalid mode {mode!r} (use 'train' or 'test')")
    if "seed" in dropout_param and dropout_param["seed"] is not None:
        np.random.seed(dropout_param["seed"])
    x = np.asarray(x)
    if mode == "test":
        return _run(lambda t: t * 1.0, x)
    mask = (np.random.rand(*x.shape) < p).astype(x.dtype) / x.dtype.type(p)
    m = Tensor(mask)
    out, cache = _run(lambda t: t * m, x)
    return out, cache


def dropout_backward(dout, cache):
    """dx of ``dropout_forward`` (dout * mask / p in train mode, dout in test mode).

    Args:
        dout: upstream gradient, of the forward output's shape.
        cache: the cache the forward function returned.

    Returns:
        dx: of dout's shape.
    """
    return _grads(dout, cache)[0]


# ------------------------------------------------------------------------------- losses
def _labels(y, N, op):
    y = np.asarray(y)
    if y.shape != (N,) or y.dtype.kind not in "iu":
        raise ValueError(f"{op}: y must be (N,) = ({N},) integer labels, got {y.dtype} {y.shape}")
    return y.astype(np.int64)


def softmax_loss(x, y):
    """Mean cross-entropy of scores ``x`` (N, C) for labels ``y`` (N,).

    Args:
        x: (N, C) class scores.
        y: (N,) integer labels in [0, C).

    Returns:
        (loss, dx): the mean loss (a float) and its gradient with respect to x.
    """
    x = np.asarray(x)
    y = _labels(y, x.shape[0], "softmax_loss")
    t = _leaf(x)
    with enable_grad():
        loss = F.cross_entropy(t, Tensor(y))
    loss.backward()
    return float(loss.item()), t.grad._data


def svm_loss(x, y):
    """Mean multiclass hinge loss (margin 1) of scores ``x`` (N, C).

    loss = sum over i and j != y_i of max(0, x_ij - x_iy_i + 1), divided by N; a margin of
    exactly 0 gets zero gradient.

    Args:
        x: (N, C) class scores.
        y: (N,) integer labels in [0, C).

    Returns:
        (loss, dx): the mean loss (a float) and its gradient with respect to x.
    """
    x = np.asarray(x)
    N = x.shape[0]
    y = _labels(y, N, "svm_loss")
    t = _leaf(x)
    onehot = np.zeros(x.shape, dtype=x.dtype)
    onehot[np.arange(N), y] = 1.0
    oh = Tensor(onehot)
    with enable_grad():
        correct = (t * oh).sum(dim=1, keepdim=True)
        margins = F.relu(t - correct + 1.0) * (1.0 - oh)
        loss = margins.sum() / float(N)
    loss.backward()
    return float(loss.item()), t.grad._data
