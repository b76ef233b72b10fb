"""torch.nn.utils.rnn's padding of variable-length sequences into one batch tensor
(``pad_sequence``); the packed-sequence helpers are not here (tinyconv has no recurrent
layers)."""
import numpy as np

from ..._checks import is_real
from ..._engine import TensorBase
from ..._functions import cat, stack, unbind

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths into one tensor, padding the shorter ones.

    Args:
        sequences: a list (or tuple) of Tensors of shape ``(L_i, *)`` with the same trailing
            shape, or one Tensor (its slices along dim 0 are the sequences).
        batch_first: put the batch first, ``(B, L, *)``, instead of ``(L, B, *)``.
        padding_value: the value of the padded positions (cast to the result's dtype).
        padding_side: ``'right'`` (pad after each sequence) or ``'left'`` (before).

    Returns:
        Tensor: ``(L, B, *)`` or ``(B, L, *)`` with ``L`` the longest length, in the first
        sequence's dtype; differentiable in every sequence.

    Examples:
        >>> import tinyconv as tc
        >>> from tinyconv.nn.utils.rnn import pad_sequence
        >>> pad_sequence([tc.tensor([1, 2, 3]), tc.tensor([4])], batch_first=True)
        tensor([[1, 2, 3],
                [4, 0, 0]])
    """
    if isinstance(sequences, TensorBase):
        sequences = unbind(sequences, 0)
    if not isinstance(sequences, (list, tuple)):
        raise TypeError(f"pad_sequence(): argument 'sequences' must be a list of Tensors, not "
                        f"{type(sequences).__name__}")
    for i, s in enumerate(sequences):
        if not isinstance(s, TensorBase):
            raise TypeError(f"pad_sequence(): expected Tensor as element {i} in argument 0, but "
                            f"got {type(s).__name__}")
    if not isinstance(padding_value, (bool, np.bool_)) and not is_real(padding_value):
        raise TypeError(f"pad_sequence(): argument 'padding_value' must be float, not "
                        f"{type(padding_value).__name__}")
    if not isinstance(padding_side, str):
        raise TypeError(f"pad_sequence(): argument 'padding_side' must be str, not "
                        f"{type(padding_side).__name__}")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence(): Expected padding_side to be one of left or right, "
                           f"but got {padding_side}.")
    if not sequences:
        raise RuntimeError("pad_sequence(): received an empty list of sequences")
    first = sequences[0]
    for i, s in enumerate(sequences):
        if s.ndim == 0:
            raise RuntimeError(f"pad_sequence(): element {i} is a 0-d tensor; sequences need at "
                               f"least one dimension (their length)")
        if s.shape[1:] != first.shape[1:]:
            raise RuntimeError(f"pad_sequence(): the trailing sizes of every sequence must match: "
                               f"element {i} has {tuple(s.shape[1:])}, element 0 "
                               f"{tuple(first.shape[1:])}")
    dt = first._data.dtype
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        if s._data.dtype != dt:
            s = s.to(dt)
        gap = longest - s.shape[0]
        if gap:
            pad = first._make(np.full((gap,) + tuple(s.shape[1:]), padding_value).astype(dt),
                              False, None)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)
