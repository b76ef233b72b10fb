"""Collation: a list of samples -> one batch with the structure of a sample.

``default_collate`` and ``default_convert`` are torch's (they return Tensors). The DataLoader
collates into NumPy arrays first (``collate_arrays``; cheap to send from a worker process) and
turns the leaves into Tensors without copying (``to_tensors``).
"""
import numbers

import numpy as np

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def collate_arrays(batch):
    """``default_collate`` with ndarray leaves."""
    if not batch:
        raise ValueError("default_collate: empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return np.stack([b._data for b in batch])
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USO":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found array of dtype {elem.dtype}")
        return np.stack(batch)
    if isinstance(elem, np.generic):
        return np.array(batch, dtype=elem.dtype)
    if isinstance(elem, bool):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, numbers.Integral):
        return np.array(batch, dtype=np.int64)
    if isinstance(elem, numbers.Real):
        return np.array(batch, dtype=np.float64)
    if isinstance(elem, (str, bytes)):
        return batch            # as given: a list at the top, a tuple inside a sample
    if isinstance(elem, dict):
        return {k: collate_arrays([b[k] for b in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return type(elem)(*(collate_arrays(s) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [collate_arrays(s) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def to_tensors(obj):
    """Turn the ndarray leaves of a collated batch into tinyconv tensors (no copy)."""
    if isinstance(obj, np.ndarray):
        return Tensor._make(obj, False, None)
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, dict):
        return {k: to_tensors(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_tensors(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (str, bytes)) for v in obj):
            return obj          # a batch of strings stays as collated
        return [to_tensors(v) for v in obj]
    return obj


def default_collate(batch):
    """Stack a list of samples into Tensors, recursing into tuples, lists and dicts (torch's).

    Tensors and arrays are stacked along a new first dimension; Python ints become int64,
    floats float64 and bools bool tensors; strings stay a list.

    Args:
        batch (list): samples as returned by ``dataset[i]``.
    Returns:
        the batch with the structure of one sample, leaves being Tensors.
    Raises:
        TypeError: a sample type that cannot be batched.
        RuntimeError: sequences of different lengths.
    """
    return to_tensors(collate_arrays(batch))


def default_convert(data):
    """Turn the NumPy arrays and scalars in one sample into Tensors, keeping its structure
    (torch's; what the DataLoader applies without batching, ``batch_size=None``).

    Args:
        data: a sample.
    Returns:
        the sample with numeric ndarrays and NumPy scalars as Tensors, tuples as lists.
    """
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "USO" else Tensor._make(data, False, None)
    if isinstance(data, np.generic):
        if data.dtype.kind in "biuf":
            return Tensor._make(np.asarray(data), False, None)
        return data
    if isinstance(data, dict):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(v) for v in data]
    return data
