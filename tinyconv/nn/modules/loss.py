"""Loss modules: CrossEntropyLoss, NLLLoss, MSELoss (a class weight is a buffer, as in torch)."""
from ..._docstrings import fill_docstring
from .. import functional as F
from ..functional.loss import REDUCTION_DOCS, legacy_reduction
from ..module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss"]


class _Loss(Module):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__doc__ = fill_docstring(cls.__doc__, REDUCTION_DOCS)

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce, stacklevel=2)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between logits (N, C, ...) and class indices or probabilities.

    Args:
        weight: per-class rescaling weight (C,).
        ignore_index: target value that contributes no loss or gradient.
        {reduction}
        label_smoothing: amount of smoothing in [0, 1].
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities at class indices.

    Args:
        weight: optional (C,) class weights.
        size_average: deprecated, as in torch.
        ignore_index: targets equal to it add nothing (and are not counted by 'mean').
        reduce: deprecated, as in torch.
        {reduction}

    Shape:
        input (N, C) or (N, C, d1, ...) log-probabilities; target (N,) or (N, d1, ...) int64;
        output () or, with 'none', the target's shape.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``, reduced.

    Args:
        {reductions}

    Shape:
        input and target of one shape; output () or, with 'none', that shape.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)
