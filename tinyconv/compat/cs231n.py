"""The CS231n assignment layer API, backed by tinyconv's ops.

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
import numpy as np

from ..autograd import enable_grad
from ..nn import functional as F
from ..tensor import Tensor

__all__ = [
    "affine_forward", "affine_backward", "relu_forward", "relu_backward",
    "affine_relu_forward", "affine_relu_backward",
    "conv_forward_naive", "conv_backward_naive", "conv_forward_fast", "conv_backward_fast",
    "max_pool_forward_naive", "max_pool_backward_naive", "max_pool_forward_fast",
    "max_pool_backward_fast", "conv_relu_forward", "conv_relu_backward",
    "conv_relu_pool_forward", "conv_relu_pool_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "layernorm_forward", "layernorm_backward",
    "spatial_groupnorm_forward", "spatial_groupnorm_backward",
    "dropout_forward", "dropout_backward", "softmax_loss", "svm_loss",
    "eval_numerical_gradient", "eval_numerical_gradient_array", "rel_error",
    "sgd", "sgd_momentum", "rmsprop", "adam", "Solver",
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
    return out.data.copy(), _Graph(out, leaves)


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
    return tuple(np.zeros_like(t.data) if t.grad is None else t.grad.data.copy()
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
    """(dx, dw, db) of ``affine_forward`` for upstream ``dout`` (N, M)."""
    return _grads(dout, cache)


def relu_forward(x):
    """(out = max(x, 0), cache)."""
    return _run(F.relu, x)


def relu_backward(dout, cache):
    """dx of ``relu_forward`` (gy where x > 0)."""
    return _grads(dout, cache)[0]


def affine_relu_forward(x, w, b):
    """(relu(affine(x, w, b)), cache)."""
    N = np.shape(x)[0]
    return _run(lambda x, w, b: F.relu(x.reshape(N, -1) @ w + b), x, w, b)


def affine_relu_backward(dout, cache):
    """(dx, dw, db) of ``affine_relu_forward``."""
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
    """(dx, dw, db) of ``conv_forward_fast``."""
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
    """dx of ``max_pool_forward_fast`` (each gradient to its window's first maximum)."""
    return _grads(dout, cache)[0]


max_pool_forward_naive = max_pool_forward_fast
max_pool_backward_naive = max_pool_backward_fast


def conv_relu_forward(x, w, b, conv_param):
    """(relu(conv(x)), cache)."""
    conv = _conv(conv_param)
    return _run(lambda x, w, b: F.relu(conv(x, w, b)), x, w, b)


def conv_relu_backward(dout, cache):
    """(dx, dw, db) of ``conv_relu_forward``."""
    return _grads(dout, cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """(max_pool(relu(conv(x))), cache)."""
    conv, pool = _conv(conv_param), _pool(pool_param)
    return _run(lambda x, w, b: pool(F.relu(conv(x, w, b))), x, w, b)


def conv_relu_pool_backward(dout, cache):
    """(dx, dw, db) of ``conv_relu_pool_forward``."""
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
    """(dx, dgamma, dbeta) of ``batchnorm_forward``."""
    return _grads(dout, cache)


batchnorm_backward_alt = batchnorm_backward


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of (N, C, H, W) maps per channel (statistics over N, H, W).

    Args and conventions as ``batchnorm_forward`` with D = C.
    """
    return _bn(x, gamma, beta, bn_param, (0, 2, 3), "spatial_batchnorm_forward")


def spatial_batchnorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``spatial_batchnorm_forward``."""
    return _grads(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization of (N, D) features (statistics per sample); ln_param {'eps'}."""
    eps = float(ln_param.get("eps", 1e-5))
    D = np.shape(x)[1]
    return _run(lambda x, g, b: F.layer_norm(x, (D,), g, b, eps=eps), x, gamma, beta)


def layernorm_backward(dout, cache):
    """(dx, dgamma, dbeta) of ``layernorm_forward``."""
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
    """(dx, dgamma, dbeta) of ``spatial_groupnorm_forward``."""
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
    """dx of ``dropout_forward`` (dout * mask / p in train mode, dout in test mode)."""
    return _grads(dout, cache)[0]


# ------------------------------------------------------------------------------- losses
def _labels(y, N, op):
    y = np.asarray(y)
    if y.shape != (N,) or y.dtype.kind not in "iu":
        raise ValueError(f"{op}: y must be (N,) = ({N},) integer labels, got {y.dtype} {y.shape}")
    return y.astype(np.int64)


def softmax_loss(x, y):
    """Mean cross-entropy of scores x (N, C) for labels y (N,); returns (loss, dx)."""
    x = np.asarray(x)
    y = _labels(y, x.shape[0], "softmax_loss")
    t = _leaf(x)
    with enable_grad():
        loss = F.cross_entropy(t, Tensor(y))
    loss.backward()
    return float(loss.item()), t.grad.data


def svm_loss(x, y):
    """Mean multiclass hinge loss (margin 1) of scores x (N, C); returns (loss, dx).

    loss = sum over i and j != y_i of max(0, x_ij - x_iy_i + 1), divided by N; a margin of
    exactly 0 gets zero gradient.
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
    return float(loss.item()), t.grad.data


# ------------------------------------------------------------------------------- gradient checks
def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Centred-difference gradient of the scalar function f at x (x is perturbed in place
    and restored).

    Args:
        f: callable taking x and returning a float.
        x: float ndarray.
        verbose: print each coordinate's gradient.
        h: step.

    Returns:
        An array of x's shape.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of sum(f(x) * df) at x, for an array-valued f."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), copy=True)
        x[ix] = old - h
        neg = np.array(f(x), copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(x, y):
    """max |x - y| / max(1e-8, |x| + |y|), the assignment's comparison."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


# ------------------------------------------------------------------------------- update rules
def sgd(w, dw, config=None):
    """w - learning_rate * dw; config {'learning_rate': 1e-2}."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """v = momentum * v - learning_rate * dw; w + v.  config {'learning_rate': 1e-2,
    'momentum': 0.9, 'velocity'}."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """cache = decay * cache + (1 - decay) * dw**2; w - lr * dw / (sqrt(cache) + eps).
    config {'learning_rate': 1e-2, 'decay_rate': 0.99, 'epsilon': 1e-8, 'cache'}."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    d = config["decay_rate"]
    cache = d * cache + (1 - d) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam with bias correction; config {'learning_rate': 1e-3, 'beta1': 0.9,
    'beta2': 0.999, 'epsilon': 1e-8, 'm', 'v', 't'}."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] += 1
    t = config["t"]
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
    mt = config["m"] / (1 - b1 ** t)
    vt = config["v"] / (1 - b2 ** t)
    return w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"]), config


_RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop, "adam": adam}


# ------------------------------------------------------------------------------- Solver
class Solver:
    """Minibatch training of a CS231n-style model, with the assignment's Solver interface.

    The model has ``params`` (a dict name -> ndarray) and ``loss(X, y=None)``, returning the
    class scores (N, C) when y is None and ``(loss, grads)`` otherwise (grads keyed like
    params).

    Args:
        model: the model.
        data: {'X_train', 'y_train', 'X_val', 'y_val'}.
        **kwargs: the options below, by keyword (the assignment's).

    Other Parameters:
        update_rule: 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam', or a callable
            ``(w, dw, config) -> (next_w, config)``.
        optim_config: hyper-parameters for the rule (copied for every parameter).
        lr_decay: learning_rate is multiplied by this after every epoch.
        batch_size: minibatch size.
        num_epochs: epochs to train.
        num_train_samples: training images used to estimate the training accuracy (None:
            all).
        num_val_samples: likewise for validation.
        checkpoint_name: if given, save a checkpoint (tc.save) after every epoch.
        print_every: print the loss every this many iterations.
        verbose: print at all.

    Attributes (after ``train()``): loss_history, train_acc_history, val_acc_history,
    best_val_acc, best_params (and ``model.params`` is set to best_params).
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        if kwargs:
            raise ValueError("Solver: unrecognized arguments " + ", ".join(f'"{k}"'
                                                                         for k in kwargs))
        if not callable(self.update_rule):
            if self.update_rule not in _RULES:
                raise ValueError(f'Solver: invalid update_rule "{self.update_rule}" (choose '
                                 f"from {sorted(_RULES)} or pass a function)")
            self.update_rule = _RULES[self.update_rule]
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        n = self.X_train.shape[0]
        idx = np.random.choice(n, self.batch_size)
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(float(loss))
        for p, w in self.model.params.items():
            next_w, cfg = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = cfg

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        from ..utils.serialization import save

        ck = {"update_rule": getattr(self.update_rule, "__name__", "custom"),
              "lr_decay": self.lr_decay, "batch_size": self.batch_size,
              "num_train_samples": self.num_train_samples,
              "num_val_samples": self.num_val_samples, "epoch": self.epoch,
              "loss_history": self.loss_history, "train_acc_history": self.train_acc_history,
              "val_acc_history": self.val_acc_history,
              "params": {k: Tensor(np.asarray(v)) for k, v in self.model.params.items()}}
        save(ck, f"{self.checkpoint_name}_epoch_{self.epoch}.pkl")

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of X (subsampled to num_samples if given) that the model classifies as y."""
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N, X, y = num_samples, X[mask], y[mask]
        preds = []
        for i in range((N + batch_size - 1) // batch_size):
            scores = self.model.loss(X[i * batch_size:(i + 1) * batch_size])
            preds.append(np.argmax(scores, axis=1))
        return float(np.mean(np.concatenate(preds) == y))

    def train(self):
        """Run the optimization; keeps the best validation parameters in model.params."""
        num_train = self.X_train.shape[0]
        per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * per_epoch
        for t in range(num_iterations):
            self._step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: "
                      f"{self.loss_history[-1]:f}")
            epoch_end = (t + 1) % per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for cfg in self.optim_configs.values():
                    if "learning_rate" in cfg:
                        cfg["learning_rate"] *= self.lr_decay
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train,
                                                num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val,
                                              num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()
                if self.verbose:
                    print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                          f"val_acc: {val_acc:f}")
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.best_params:
            self.model.params = self.best_params
