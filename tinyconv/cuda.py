"""CUDA, as ``torch.cuda`` reports it on a CPU-only build: not available.

A script's ``if torch.cuda.is_available():`` branches and seeding lines run unchanged; calls
that need a GPU raise torch's ``AssertionError`` for a build without CUDA, naming tinyconv.
"""
from ._device import check_device, device

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "empty_cache", "synchronize", "current_device",
           "get_device_name", "get_device_properties", "set_device", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "is_bf16_supported"]


def _not_compiled():
    check_device("cuda")


def is_available():
    """Whether a CUDA device can be used.

    Returns:
        bool: False (tinyconv computes on the CPU).
    """
    return False


def device_count():
    """The number of CUDA devices.

    Returns:
        int: 0.
    """
    return 0


def is_initialized():
    """Whether CUDA has been initialised.

    Returns:
        bool: False.
    """
    return False


def is_bf16_supported(including_emulation=True):
    """Whether bfloat16 runs on the current CUDA device.

    Args:
        including_emulation: accepted, as torch's.

    Returns:
        bool: False.
    """
    return False


def manual_seed(seed):
    """Seed the generator of the current CUDA device: does nothing without CUDA (as torch).

    Args:
        seed: the seed (ignored).
    """


def manual_seed_all(seed):
    """Seed the generators of every CUDA device: does nothing without CUDA (as torch).

    Args:
        seed: the seed (ignored).
    """


def seed():
    """Seed the current CUDA device with a random number: does nothing without CUDA."""


def seed_all():
    """Seed every CUDA device with a random number: does nothing without CUDA."""


def empty_cache():
    """Release the CUDA caching allocator's unused memory: nothing to release."""


def memory_allocated(device=None):
    """Bytes of CUDA memory held by tensors.

    Args:
        device: accepted, as torch's.

    Returns:
        int: 0.
    """
    return 0


def max_memory_allocated(device=None):
    """The peak of ``memory_allocated``.

    Args:
        device: accepted, as torch's.

    Returns:
        int: 0.
    """
    return 0


def memory_reserved(device=None):
    """Bytes of CUDA memory held by the caching allocator.

    Args:
        device: accepted, as torch's.

    Returns:
        int: 0.
    """
    return 0


def synchronize(device=None):
    """Wait for the CUDA device's work to finish: raises, there is no CUDA.

    Args:
        device: accepted, as torch's.
    """
    _not_compiled()


def current_device():
    """The index of the current CUDA device: raises, there is no CUDA.

    Returns:
        int: never (AssertionError, as a CPU-only torch).
    """
    _not_compiled()


def get_device_name(device=None):
    """The name of a CUDA device: raises, there is no CUDA.

    Args:
        device: accepted, as torch's.

    Returns:
        str: never (AssertionError, as a CPU-only torch).
    """
    _not_compiled()


def get_device_properties(device=None):
    """The properties of a CUDA device: raises, there is no CUDA.

    Args:
        device: accepted, as torch's.

    Returns:
        never (AssertionError, as a CPU-only torch).
    """
    _not_compiled()


def set_device(device):
    """Select the current CUDA device: raises, there is no CUDA.

    Args:
        device: a CUDA device or index.
    """
    dev = device if not isinstance(device, (str, _Device)) else _Device(device)
    if isinstance(dev, _Device) and dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    _not_compiled()


_Device = device
