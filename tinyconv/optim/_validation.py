"""Hyper-parameter checks shared by the optimizers, with torch's messages.

``not 0.0 <= x`` rather than ``x < 0.0``: NaN fails it too (torch's spelling).
"""

__all__ = ["check_lr", "check_nonneg", "check_betas"]


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
