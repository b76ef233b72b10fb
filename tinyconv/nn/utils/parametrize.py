"""torch.nn.utils.parametrize: tensors of a module computed from others.

``register_parametrization(module, "weight", P)`` keeps the original in
``module.parametrizations.weight.original`` (``original0``, ``original1``... when ``P``'s
``right_inverse`` returns several tensors) and makes ``module.weight`` a property that returns
``P(original)`` on every access, as torch does by giving the module a subclass
(``ParametrizedLinear``...).  The ``state_dict`` keys are torch's
(``parametrizations.weight.original0``).
"""
import contextlib

from ..._engine import no_grad
from ...tensor import Tensor
from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized",
           "cached", "ParametrizationList", "type_before_parametrizations"]

_cache = {"on": False, "values": {}}


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its original value(s).

    Args:
        modules: the parametrization modules.
        original: the tensor being parametrized (its Parameter-ness is kept).
        unsafe: skip the shape and dtype checks.
    """

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        new = original
        with no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    new = m.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype or tuple(original.shape) != tuple(new.shape):
                original = Parameter(new.detach(), requires_grad=original.requires_grad)
            _register(self, "original", original, new)
        else:
            for i, t in enumerate(new):
                _register(self, f"original{i}", Parameter(t.detach(), original.requires_grad),
                          t)

    def right_inverse(self, value):
        """Set the original(s) so that the parametrized tensor becomes ``value``.

        Args:
            value: the new value of the parametrized tensor.
        """
        with no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    value = m.right_inverse(value)
            originals = [value] if self.is_tensor else list(value)
            names = ["original"] if self.is_tensor else [f"original{i}"
                                                          for i in range(self.ntensors)]
            for name, t in zip(names, originals):
                getattr(self, name)._data[...] = t._data
                getattr(self, name)._bump()

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in list(self)[1:]:
            x = m(x)
        return x


def _register(plist, name, original, value):
    if isinstance(original, Parameter):
        plist.register_parameter(name, original)
    else:
        plist.register_buffer(name, original)


def _getter(name):
    def get(self):
        plist = self.parametrizations[name]
        if _cache["on"]:
            key = (id(self), name)
            if key not in _cache["values"]:
                _cache["values"][key] = plist()
            return _cache["values"][key]
        return plist()

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Compute ``module.<tensor_name>`` as ``parametrization(original)`` from now on.

    Args:
        module: the module.
        tensor_name: a parameter or buffer of ``module`` (or an already parametrized name, to
            chain another parametrization).
        parametrization: a Module whose ``forward`` maps the original to the tensor (and,
            optionally, ``right_inverse`` maps a tensor to the original(s)).
        unsafe: skip the consistency checks.

    Returns:
        Module: ``module``.
    """
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name in module._parameters:
        original = module._parameters.pop(tensor_name)
    elif tensor_name in module._buffers:
        original = module._buffers.pop(tensor_name)
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    if original is None:
        raise ValueError(f"register_parametrization: '{tensor_name}' is None")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not is_parametrized(module):
        cls = type(module)
        new = type(f"Parametrized{cls.__name__}", (cls,), {"_orig_class": cls})
        object.__setattr__(module, "__class__", new)
        module.parametrizations = ModuleDict()
    setattr(type(module), tensor_name, _getter(tensor_name))
    module.parametrizations[tensor_name] = plist
    if not unsafe:
        value = getattr(module, tensor_name)
        if not isinstance(value, Tensor):
            raise ValueError(f"A parametrization must return a tensor. Got "
                             f"{type(value).__name__}.")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` (or its ``tensor_name``) has a parametrization.

    Args:
        module: the module.
        tensor_name: a tensor's name, or None for any.

    Returns:
        bool.
    """
    plists = module.__dict__.get("_modules", {}).get("parametrizations")
    if plists is None or not isinstance(plists, ModuleDict):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module):
    """The module's class before ``register_parametrization`` replaced it.

    Args:
        module: the module.

    Returns:
        type.
    """
    return type(module)._orig_class if is_parametrized(module) else type(module)


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Remove the parametrizations of ``module.<tensor_name>``.

    Args:
        module: the module.
        tensor_name: the parametrized tensor.
        leave_parametrized: keep the current (parametrized) value; otherwise restore the
            original (a single original only).

    Returns:
        Module: ``module``.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        original = plist.original if plist.is_tensor else None
        if original is not None:
            original._data = value._data.copy()
        else:
            original = Parameter(value.detach())
    else:
        if not plist.is_tensor:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        original = plist.original
    del module.parametrizations[tensor_name]
    delattr(type(module), tensor_name)
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        del module._modules["parametrizations"]
        object.__setattr__(module, "__class__", type(module)._orig_class)
    return module


@contextlib.contextmanager
def cached():
    """Within this block each parametrized tensor is computed once and reused.

    Yields:
        None.
    """
    _cache["on"] = True
    try:
        yield
    finally:
        _cache["on"] = False
        _cache["values"].clear()
