"""Adagrad and Adadelta: per-coordinate steps from accumulated squared gradients."""
import numpy as np

from ..tensor import Tensor
from ._validation import check_lr, check_nonneg
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["Adagrad", "Adadelta"]


def _check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    check_lr(lr)
    check_nonneg("lr_decay", lr_decay)
    check_nonneg("weight_decay", weight_decay)
    check_nonneg("initial_accumulator_value", initial_accumulator_value)
    check_nonneg("epsilon", eps)


class Adagrad(Optimizer):
    """Adagrad as torch.optim.Adagrad: ``p -= clr * g / (sqrt(sum g^2) + eps)`` with
    ``clr = lr / (1 + (step - 1) * lr_decay)``.

    As torch, the state of every parameter is created by the constructor (the accumulator
    starts at ``initial_accumulator_value``), so ``state_dict()`` has it before any step.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of the squared-gradient sums.
        eps: added to the denominator.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            hp = self._hyperparams(group)
            for p in group["params"]:
                self.state[p] = self._init_state(p._data, hp)

    def _validate_group(self, group):
        _check_adagrad(group["lr"], group["lr_decay"], group["weight_decay"],
                       group["initial_accumulator_value"], group["eps"])

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["lr_decay"]),
                float(group["initial_accumulator_value"]), float(group["eps"]))

    def _init_state(self, d, hp):
        return {"step": _step_tensor(),
                "sum": Tensor._make(np.full_like(d, hp[2]), False, None)}

    def _update(self, d, g, state, hp):
        lr, lr_decay, _, eps = hp
        state["step"]._data += 1
        clr = lr / (1.0 + (float(state["step"]._data) - 1.0) * lr_decay)
        s = state["sum"]._data
        tmp = np.multiply(g, g)
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        tmp *= clr
        d -= tmp


def _check_adadelta(lr, rho, eps, weight_decay):
    check_lr(lr)
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"Invalid rho value: {rho}")
    check_nonneg("epsilon", eps)
    check_nonneg("weight_decay", weight_decay)


class Adadelta(Optimizer):
    """Adadelta as torch.optim.Adadelta: the step is ``sqrt(acc_delta + eps) /
    sqrt(square_avg + eps) * g``, both averages decaying with ``rho``; ``p -= lr * step``.

    Args:
        params: parameters or parameter groups.
        lr: scale of the step (default 1.0).
        rho: decay of the running averages.
        eps: added inside both square roots.
        weight_decay: L2 penalty added to the gradient.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_adadelta(lr, rho, eps, weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check_adadelta(group["lr"], group["rho"], group["eps"], group["weight_decay"])

    def _hyperparams(self, group):
        return float(group["lr"]), float(group["rho"]), float(group["eps"])

    def _init_state(self, d, hp):
        return {"step": _step_tensor(), "square_avg": _zeros_state(d),
                "acc_delta": _zeros_state(d)}

    def _update(self, d, g, state, hp):
        lr, rho, eps = hp
        state["step"]._data += 1
        sq = state["square_avg"]._data
        acc = state["acc_delta"]._data
        sq *= rho
        sq += (1.0 - rho) * (g * g)
        std = sq + eps
        np.sqrt(std, out=std)
        delta = acc + eps
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc *= rho
        acc += (1.0 - rho) * (delta * delta)
        delta *= lr
        d -= delta
