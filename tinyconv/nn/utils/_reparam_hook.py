"""What torch's old-style reparametrisation hooks (``weight_norm``, ``spectral_norm``) share:
a forward pre-hook that rebuilds ``module.<name>`` from the tensors it owns, and its removal.
"""
from ..._engine import no_grad
from ..parameter import Parameter

__all__ = ["ReparamHook"]


class ReparamHook:
    """Base of a forward pre-hook that recomputes ``module.<name>`` before every call.

    A subclass sets ``KIND`` (its public function's name) and ``OWNED`` (the
    ``(store, suffix)`` pairs it registers on the module, ``store`` being ``"_parameters"`` or
    ``"_buffers"``) and writes ``compute_weight`` (called with the module before every forward,
    unless it overrides ``__call__``) and ``removed_weight(module)`` (the value left behind on
    removal).
    """

    KIND = ""
    OWNED = ()

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module))

    @classmethod
    def remove(cls, module, name):
        """Undo the reparametrisation of ``module.<name>``: it becomes a plain parameter
        holding ``removed_weight``'s value.  ValueError when there is none."""
        for key, hook in list(module._forward_pre_hooks.items()):
            if isinstance(hook, cls) and hook.name == name:
                with no_grad():
                    weight = hook.removed_weight(module)
                del module._forward_pre_hooks[key]
                for store, suffix in cls.OWNED:
                    del getattr(module, store)[name + suffix]
                module.__dict__.pop(name, None)
                module.register_parameter(name, Parameter(weight.detach()))
                return module
        raise ValueError(f"{cls.KIND} of '{name}' not found in {module}")
