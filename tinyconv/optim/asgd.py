"""ASGD: SGD with a decaying step and a running (Polyak) average of the iterates."""
import numpy as np

from ..tensor import Tensor
from ._validation import check_lr, check_nonneg
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["ASGD"]


def _scalar(value):
    # torch keeps eta and mu as float32 0-d tensors; so does tinyconv (state_dicts interchange)
    return Tensor._make(np.array(value, dtype=np.float32), False, None)


class ASGD(Optimizer):
    """Averaged SGD as torch.optim.ASGD.

    Per step t: ``p *= 1 - lambd * eta``; ``p -= eta * g``; ``ax`` moves toward p by ``mu``
    (ax = p while mu is 1); then ``eta = lr / (1 + lambd * lr * t)^alpha`` and
    ``mu = 1 / max(1, t - t0)``.  ``eta`` and ``mu`` are float32 scalars, as torch keeps them.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-2).
        lambd: decay term.
        alpha: power of the eta update.
        t0: the step at which averaging starts.
        weight_decay: L2 penalty added to the gradient.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_lr(group["lr"])
        check_nonneg("weight_decay", group["weight_decay"])

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["lambd"]), float(group["alpha"]),
                float(group["t0"]))

    def _init_state(self, d, hp):
        return {"step": _step_tensor(), "eta": _scalar(hp[0]), "mu": _scalar(1.0),
                "ax": _zeros_state(d)}

    def _update(self, d, g, state, hp):
        lr, lambd, alpha, t0 = hp
        state["step"]._data += 1
        eta = float(state["eta"]._data)
        d *= 1.0 - lambd * eta
        d -= g * eta
        ax = state["ax"]._data
        mu = float(state["mu"]._data)
        if mu != 1.0:
            ax += (d - ax) * mu
        else:
            ax[...] = d
        step = float(state["step"]._data)
        # torch makes the new values float32 tensors before copying them into the state (which
        # is float64 after loading into a float64 parameter): round the same way
        state["eta"]._data[...] = np.float32(lr / ((1.0 + lambd * lr * step) ** alpha))
        state["mu"]._data[...] = np.float32(1.0 / max(1.0, step - t0))
