"""Helpers shared by the tests: paired tinyconv/torch tensors, and the tolerance-aware
comparison (whose one home is tinyconv.testing.compare)."""
import importlib

import numpy as np
import torch

import tinyconv as tc
from tinyconv.testing import assert_close  # noqa: F401  (re-exported for the tests)


def pair(arr, requires_grad=True):
    """The same values as a tinyconv tensor and a torch tensor (separate copies)."""
    arr = np.asarray(arr)
    a = tc.tensor(arr.copy(), requires_grad=requires_grad and arr.dtype.kind == "f")
    b = torch.tensor(arr.copy(), requires_grad=requires_grad and arr.dtype.kind == "f")
    return a, b


def resolve(path):
    """The object a user reaches as the dotted ``path``: attributes first
    (``nn.functional.embedding`` is the function, not the module of that name), submodules
    imported where needed."""
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for i in range(1, len(parts)):
        if not hasattr(obj, parts[i]):
            importlib.import_module(".".join(parts[:i + 1]))
        obj = getattr(obj, parts[i])
    return obj
