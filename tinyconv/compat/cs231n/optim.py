"""The assignment's ``optim.py``: update rules ``(w, dw, config) -> (next_w, config)``."""
import numpy as np

__all__ = [
    "sgd", "sgd_momentum", "rmsprop", "adam",
]


# ------------------------------------------------------------------------------- update rules
def sgd(w, dw, config=None):
    """w - learning_rate * dw; config {'learning_rate': 1e-2}.

    Args:
        w: the parameter array.
        dw: its gradient, of w's shape.
        config: the rule's hyper-parameters and state (None: the defaults); updated in place.

    Returns:
        (next_w, config): the updated parameter and the config holding the new state.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """v = momentum * v - learning_rate * dw; w + v.  config {'learning_rate': 1e-2,
    'momentum': 0.9, 'velocity'}.

    Args:
        w: the parameter array.
        dw: its gradient, of w's shape.
        config: the rule's hyper-parameters and state (None: the defaults); updated in place.

    Returns:
        (next_w, config): the updated parameter and the config holding the new state.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """cache = decay * cache + (1 - decay) * dw**2; w - lr * dw / (sqrt(cache) + eps).
    config {'learning_rate': 1e-2, 'decay_rate': 0.99, 'epsilon': 1e-8, 'cache'}.

    Args:
        w: the parameter array.
        dw: its gradient, of w's shape.
        config: the rule's hyper-parameters and state (None: the defaults); updated in place.

    Returns:
        (next_w, config): the updated parameter and the config holding the new state.
    """
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
    'beta2': 0.999, 'epsilon': 1e-8, 'm', 'v', 't'}.

    Args:
        w: the parameter array.
        dw: its gradient, of w's shape.
        config: the rule's hyper-parameters and state (None: the defaults); updated in place.

    Returns:
        (next_w, config): the updated parameter and the config holding the new state.
    """
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
