"""ParameterList and ParameterDict: containers whose Parameters are registered (state_dict
keys '0', '1', ... or the dict's keys), as torch's."""
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter

__all__ = ["ParameterList", "ParameterDict"]


def _as_parameter(value):
    """Tensors become Parameters (as torch's containers do); other values are kept."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool"}


def _describe(key, p, dict_style):
    """torch's line for one entry: the dtype as ``torch.float32`` (list) or
    ``torch.FloatTensor`` (dict)."""
    if isinstance(p, Tensor):
        kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
        size = "x".join(str(s) for s in p.shape)
        name = p.dtype.name
        dtype = f"torch.{_TYPE_NAMES.get(name, name)}Tensor" if dict_style else f"torch.{name}"
        return f"  ({key}): {kind} containing: [{dtype} of size {size}]"
    return f"  ({key}): Object of type: {type(p).__name__}"


class ParameterList(Module):
    """A list of Parameters (tensors are wrapped), each registered as ``'0'``, ``'1'``...

    Args:
        values: an iterable of tensors (or other values).
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range")
        return getattr(self, str(idx % len(self)))

    def __setitem__(self, idx, param):
        idx = idx % len(self)
        setattr(self, str(idx), _as_parameter(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        """Add ``value`` at the end; returns self.

        Args:
            value: a tensor (wrapped as a Parameter) or any object.

        Returns:
            ParameterList: self.
        """
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values):
        """Append every value of ``values``; returns self.

        Args:
            values: an iterable.

        Returns:
            ParameterList: self.
        """
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(_describe(i, p, False) for i, p in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of Parameters (tensors are wrapped), registered under their keys.

    Args:
        parameters: a mapping or an iterable of (key, value) pairs.
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        """The keys, in insertion order.

        Returns:
            an iterable of str.
        """
        return self._keys.keys()

    def items(self):
        """(key, value) pairs in insertion order.

        Returns:
            a list of pairs.
        """
        return [(k, self[k]) for k in self._keys]

    def values(self):
        """The values in insertion order.

        Returns:
            a list.
        """
        return [self[k] for k in self._keys]

    def pop(self, key):
        """Remove ``key`` and return its value.

        Args:
            key: the key.

        Returns:
            the value.
        """
        v = self[key]
        del self[key]
        return v

    def update(self, parameters):
        """Add or replace entries from a mapping or an iterable of pairs.

        Args:
            parameters: a mapping or an iterable of (key, value) pairs.
        """
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for k, v in items:
            self[k] = v

    def extra_repr(self):
        return "\n".join(_describe(k, p, True) for k, p in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")
