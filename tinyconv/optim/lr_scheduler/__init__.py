"""Learning-rate schedulers with torch's formulas (chainable/recursive forms included).

Each scheduler changes ``group['lr']`` of its optimizer when ``step()`` is called (after
``optimizer.step()``), keeps ``base_lrs``/``last_epoch``/``_last_lr``, and has
``state_dict()``/``load_state_dict()`` (every attribute except the optimizer, as torch).
"""
from ._base import LRScheduler
from ._compose import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from ._cyclic import CyclicLR, OneCycleLR
from ._decay import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
    "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler",
    "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
    "PolynomialLR",
]
