"""Hyper-parameter checks shared by the optimizers, with torch's messages.

``not 0.0 <= x`` rather than ``x < 0.0``: NaN fails it too (torch's spelling).
"""

__all__ = ["check_lr", "check_nonneg", "check_betas", "check_adam", "AdamFamily"]


def check_lr(lr):
    """ValueError 'Invalid learning rate: {lr}' unless 0 <= lr."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(label, value):
    """ValueError 'Invalid {label} value: {value}' unless 0 <= value (label as torch words it:
    'epsilon', 'weight_decay', 'lr_decay'...)."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {label} value: {value}")


def check_betas(betas):
    """ValueError naming the index of a beta outside [0, 1)."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_adam(lr, betas, eps, weight_decay):
    """The checks of the Adam family's constructor arguments (Adam, AdamW, Adamax, NAdam,
    RAdam), in torch's order."""
    check_lr(lr)
    check_nonneg("epsilon", eps)
    check_betas(betas)
    check_nonneg("weight_decay", weight_decay)


class AdamFamily:
    """What the Adam-family optimizers share: the group check and the hyper-parameters
    ``(lr, beta1, beta2, eps)`` each step reads (a mixin before ``Optimizer``)."""

    def _validate_group(self, group):
        check_adam(group["lr"], group["betas"], group["eps"], group["weight_decay"])

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["betas"][0]), float(group["betas"][1]),
                float(group["eps"]))
