"""The scheduler base class: ``step()`` bookkeeping, the order warning, state_dict."""
from __future__ import annotations

import functools
import warnings

from ..._docstrings import fill_docstring, shared_docs
from ..optimizer import Optimizer

__all__ = ["LRScheduler"]

_EPOCH_DEPRECATION = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available.")


def warns_outside_step(get_lr):
    """torch's schedulers' ``get_lr``: called by the user rather than by ``step()``, it warns
    that ``get_last_lr()`` is the way to read the lr (and still computes it)."""
    @functools.wraps(get_lr)
    def wrapped(self):
        if not getattr(self, "_get_lr_called_within_step", False):
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        return get_lr(self)
    return wrapped


# Argument descriptions the schedulers' docstrings share (a docstring line ``{name}``); every
# subclass's docstring is filled from it.
SCHEDULER_DOCS = {
    "optimizer": "optimizer (Optimizer): the wrapped optimizer.",
    "last_epoch": ("last_epoch (int): index of the last step taken, to resume a schedule "
                   "(default -1:\n    start, from each group's ``lr``; otherwise the groups "
                   "need ``initial_lr``)."),
}


def _lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


@shared_docs(SCHEDULER_DOCS)
class LRScheduler:
    """Base class: subclasses implement ``get_lr()`` (the lrs for the new ``last_epoch``).

    The constructor records each group's ``initial_lr`` and takes the first step.

    Args:
        {optimizer}
        {last_epoch}
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__doc__ = fill_docstring(cls.__doc__, SCHEDULER_DOCS)

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming scheduler with last_epoch >= 0 (load the optimizer state "
                        f"first)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self):
        """Every attribute but the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore attributes saved by ``state_dict()``."""
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The lrs set by the most recent step."""
        return self._last_lr

    def get_lr(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, epoch=None):
        """Advance one step (or, deprecated, jump to ``epoch`` using the closed form)."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                "1.1.0 and later, you should call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
                "result in PyTorch skipping the first value of the learning rate schedule.",
                UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            compute = self.get_lr
        else:
            self.last_epoch = epoch
            compute = getattr(self, "_get_closed_form_lr", None) or self.get_lr
        self._set_lrs(compute)

    def _set_lrs(self, compute):
        """Write ``compute()``'s lrs into the param groups (computed as from inside ``step()``,
        so ``get_lr`` does not warn) and remember them for ``get_last_lr()``."""
        self._get_lr_called_within_step = True
        try:
            values = compute()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _lrs(self.optimizer)


def _per_group(name, optimizer, value):
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n


