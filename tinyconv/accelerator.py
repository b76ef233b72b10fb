"""The current accelerator, as ``torch.accelerator`` reports it without one: none.

``device = tc.accelerator.current_accelerator() or tc.device("cpu")`` picks the CPU.
"""
from ._device import no_accelerator

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available():
    """Whether an accelerator (CUDA, MPS, XPU...) is available.

    Returns:
        bool: False (tinyconv computes on the CPU).
    """
    return False


def current_accelerator(check_available=False):
    """The accelerator's device type.

    Args:
        check_available: accepted, as torch's.

    Returns:
        None: there is none.
    """
    return None


def device_count():
    """The number of accelerator devices.

    Returns:
        int: 0.
    """
    return 0


def current_device_index():
    """The index of the current accelerator device: raises, there is none.

    Returns:
        int: never (torch's RuntimeError).
    """
    raise no_accelerator()


def set_device_index(device):
    """Select the current accelerator device: raises, there is none.

    Args:
        device: an index or device.
    """
    raise no_accelerator()


def synchronize(device=None):
    """Wait for the accelerator's work to finish: raises, there is none.

    Args:
        device: accepted, as torch's.
    """
    raise no_accelerator()
