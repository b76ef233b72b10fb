"""Devices, as ``torch.device``: tinyconv computes on the CPU.

``tinyconv.device`` parses every device torch parses ("cpu", "cuda:1", "mps", "meta", ...), so a
script's device lines run unchanged; placing a tensor on anything but the CPU fails with the
exception torch raises on a CPU-only build (``AssertionError: ... not compiled with CUDA
enabled`` for CUDA), naming tinyconv.  ``check_device`` is the one place factories, ``to()``
and ``Module.to()`` send their device argument; the default device of ``set_default_device``
lives here too.
"""
__all__ = ["device", "check_device", "cpu", "cuda_error", "get_default_device",
           "set_default_device", "no_accelerator"]

# the device types torch knows, in its order (its error message lists them so)
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU"}  # torch asserts these are compiled in


def no_accelerator():
    """torch's error for a device given as a bare index (an accelerator's): there is none.

    Returns:
        RuntimeError: to raise.
    """
    return RuntimeError("Cannot access accelerator device when none is available.")


def _parse(spec):
    """(type, index) of a device string such as "cuda:1", with torch's errors."""
    kind, sep, idx = spec.partition(":")
    if kind not in DEVICE_TYPES:
        if kind.strip() in DEVICE_TYPES or not kind.isalpha():
            raise RuntimeError(f"Invalid device string: '{spec}'")
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                           f"of device string: {spec}")
    if not sep:
        return kind, None
    if not idx.isdigit() or not idx.isascii() or (len(idx) > 1 and idx[0] == "0"):
        raise RuntimeError(f"Invalid device string: '{spec}'")
    return kind, int(idx)


class device:
    """Where a tensor lives (torch's ``torch.device``); tinyconv's tensors are all on the CPU.

    ``tc.device("cuda:1")`` and ``tc.device("cuda", 1)`` parse as in torch, so scripts that
    pick a device run unchanged; creating a tensor on a device other than the CPU raises
    torch's error for a CPU-only build.  Used as a context manager, it sets the default
    device inside the block (``set_default_device``).

    Args:
        type: a device string ("cpu", "cuda", "cuda:0", "mps", "meta", ...) or a device.
        index: the device ordinal, or None (not allowed when ``type`` has one).

    Attributes:
        type: the device type, a string such as "cpu".
        index: the ordinal, or None.
    """

    __slots__ = ("_type", "_index", "_prev")

    def __init__(self, type, index=None):  # noqa: A002  (torch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): a device and an index cannot both be given")
            kind, idx = type._type, type._index
        elif isinstance(type, str):
            kind, idx = _parse(type)
            if index is not None:
                if idx is not None:
                    raise RuntimeError(f"type (string) must not include an index because "
                                       f"index was passed explicitly: {type}")
                if isinstance(index, bool) or not isinstance(index, int):
                    raise TypeError(f"device(): argument 'index' (position 2) must be int, "
                                    f"not {index.__class__.__name__}")
                if index < 0:
                    raise RuntimeError("Device index must not be negative")
                idx = index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise no_accelerator()  # torch reads a bare index as the accelerator's
        else:
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type.__class__.__name__}), but expected one of:\n"
                            f" * (tinyconv.device device)\n * (str type, int index = -1)")
        self._type, self._index = kind, idx
        self._prev = None

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __eq__(self, other):
        return isinstance(other, device) and (self._type, self._index) == (other._type,
                                                                           other._index)

    def __hash__(self):
        return hash((self._type, self._index))

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self):
        self._prev = _state.default
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _state.default = self._prev
        return False


_Device = device  # for functions whose torch argument is named ``device``
cpu = device("cpu")


class _State:
    __slots__ = ("default",)

    def __init__(self):
        self.default = None  # None: the CPU; else the device set_default_device was given


_state = _State()


def check_device(dev, op="to", creating=True):
    """``dev`` as a device where tensors can be made: the CPU, or torch's error.

    Args:
        dev: a device, a device string, an int (an accelerator index) or None (the default
            device of ``set_default_device``).
        op: the function asking, for the error of a backend that cannot run it.
        creating: True for factories (torch raises NotImplementedError for a backend it knows
            but was not built with), False for ``tensor()``/``to()`` (RuntimeError).

    Returns:
        device: a CPU device (with the index given, if any: torch's ``to("cpu:0")`` copies).
    """
    if dev is None:
        dev = _state.default
        if dev is None:
            return cpu
    elif dev is cpu or dev == "cpu":
        return cpu
    if not isinstance(dev, device):
        dev = device(dev)
    kind = dev._type
    if kind == "cpu":
        return dev
    if kind == "cuda":
        raise cuda_error()
    if kind in _NOT_COMPILED:
        raise AssertionError(f"tinyconv not compiled with {_NOT_COMPILED[kind]} enabled "
                             f"(it computes on the CPU only)")
    if kind == "meta":
        raise NotImplementedError(f"{op}: tinyconv has no meta tensors (it computes on the "
                                  f"CPU only)")
    if creating:
        raise NotImplementedError(f"Could not run '{op}' with arguments from the "
                                  f"'{kind.upper()}' backend: tinyconv computes on the CPU only")
    raise RuntimeError(f"tinyconv is not linked with support for {kind} devices")


def cuda_error(dev=None):
    """torch's exception for ``x.cuda(dev)`` / ``module.cuda(dev)`` on a build without CUDA.

    Args:
        dev: the device argument (None, an index, a string or a device).

    Returns:
        Exception: to raise (AssertionError, or RuntimeError for a bad device).
    """
    if dev is not None:
        if isinstance(dev, int) and not isinstance(dev, bool):
            return no_accelerator()
        if (dev if isinstance(dev, device) else device(dev))._type != "cuda":
            return RuntimeError("Invalid device, must be cuda device")
    return AssertionError("tinyconv not compiled with CUDA enabled (it computes on the CPU "
                          "only)")


def set_default_device(device):  # noqa: A002
    """Set the device that factories use when no ``device`` is given (torch's
    ``torch.set_default_device``).

    Only the CPU holds tensors: after ``set_default_device("cuda")`` every factory raises
    torch's error, as in a CPU-only torch.

    Args:
        device: a device, a device string, or None (back to the CPU).
    """
    if device is None:
        _state.default = None
        return
    dev = device if isinstance(device, _Device) else _Device(device)
    _state.default = None if dev == cpu else dev


def get_default_device():
    """The device factories use when no ``device`` is given (torch's
    ``torch.get_default_device``).

    Returns:
        device: ``device(type='cpu')``; raises torch's error if another device was set.
    """
    return check_device(None, "get_default_device", creating=False)
