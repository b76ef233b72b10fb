"""Apple's Metal (MPS), as ``torch.backends.mps`` reports it off macOS: not there."""

__all__ = ["is_available", "is_built"]


def is_available():
    """Whether an MPS device can be used.

    Returns:
        bool: False (tinyconv computes on the CPU).
    """
    return False


def is_built():
    """Whether tinyconv was built with MPS support.

    Returns:
        bool: False.
    """
    return False
