"""Stochastic Weight Averaging and EMA of weights (torch.optim.swa_utils).

``AveragedModel`` keeps a copy of a model whose parameters are the running average (SWA, by
default) or an exponential moving average (``get_ema_multi_avg_fn``) of the model's over the
calls to ``update_parameters``; ``SWALR`` anneals each group's lr to a constant SWA lr;
``update_bn`` recomputes BatchNorm statistics for the averaged weights with one pass over the
data.
"""
from __future__ import annotations

import copy
import itertools
import math
import warnings

import numpy as np

from ..autograd import no_grad
from ..nn.module import Module
from ..nn.modules.normalization import _BatchNorm
from ..tensor import Tensor
from .lr_scheduler._base import LRScheduler, _per_group

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _lerp_(a, b, weight):
    """a <- lerp(a, b, weight) in a's dtype, with torch's two-sided formula."""
    if weight < 0.5:
        a += (b - a) * weight
    else:
        a[...] = b - (b - a) * (1.0 - weight)


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """The in-place EMA update ``ema = decay * ema + (1 - decay) * current`` of lists of
    tensors, for ``AveragedModel(multi_avg_fn=...)``."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            for e, c in zip(ema_param_list, current_param_list):
                if e._data.dtype.kind == "f":
                    _lerp_(e._data, c._data, 1.0 - decay)
                else:
                    e._data[...] = e._data * decay + c._data * (1.0 - decay)

    return ema_update


def get_swa_multi_avg_fn():
    """The in-place running-mean update of lists of tensors, for
    ``AveragedModel(multi_avg_fn=...)``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = float(num_averaged._data if isinstance(num_averaged, Tensor) else num_averaged)
        with no_grad():
            for a, c in zip(averaged_param_list, current_param_list):
                if a._data.dtype.kind == "f":
                    _lerp_(a._data, c._data, 1.0 / (n + 1.0))
                else:
                    a._data[...] = a._data + (c._data - a._data) / (n + 1.0)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """``avg_fn(ema, current, n) = decay * ema + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """``avg_fn(avg, current, n) = avg + (current - avg) / (n + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` holding the average of its parameters over
    ``update_parameters(model)`` calls (``n_averaged`` counts them).

    Args:
        model: the model to average (deep-copied).
        device: accepted for torch compatibility (CPU only).
        avg_fn: ``avg_fn(averaged, current, n_averaged) -> Tensor`` per parameter.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n_averaged)`` updating in
            place (one of the two at most; default: the running mean).
        use_buffers: average the buffers too (else they are copied from ``model``).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor._make(np.zeros((), dtype=np.int64), False,
                                                        None))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the
        average; the first call copies them."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        mine, theirs = mine[:len(theirs)], theirs[:len(mine)]
        n = int(self.n_averaged._data)
        with no_grad():
            if n == 0:
                for a, c in zip(mine, theirs):
                    a._data[...] = c._data
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a.detach() for a in mine], [c.detach() for c in theirs],
                                  self.n_averaged)
            elif self.avg_fn is None:
                for a, c in zip(mine, theirs):
                    a._data[...] = a._data + (c._data - a._data) / float(n + 1)
            else:
                for a, c in zip(mine, theirs):
                    out = self.avg_fn(a.detach(), c.detach(), self.n_averaged)
                    a._data[...] = out._data if isinstance(out, Tensor) else out
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg._data[...] = b_model._data
        self.n_averaged._data += 1


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every BatchNorm of ``model`` with one pass over
    ``loader`` (a cumulative average: momentum None while it runs).

    Args:
        loader: an iterable of batches (the first element of a list/tuple batch is the input).
        model: the model (its train/eval mode is restored afterwards).
        device: accepted for torch compatibility (CPU only).
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its current value to ``swa_lr`` over ``anneal_epochs``
    epochs ('cos' or 'linear'), then hold it.

    Args:
        optimizer: the optimizer.
        swa_lr: the target lr (one value or one per group).
        anneal_epochs: epochs of the annealing (int >= 0).
        anneal_strategy: 'cos' or 'linear'.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        swa_lrs = _per_group("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" \
            else self._linear_anneal

    def get_lr(self):
        if not getattr(self, "_get_lr_called_within_step", False):
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def state_dict(self):
        """Attributes but the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
