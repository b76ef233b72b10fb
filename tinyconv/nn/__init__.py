"""tinyconv.nn: functional ops, Module and Parameter, layers, init."""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F403  (the layers, listed in modules.__all__)
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["functional", "init", "utils", "Module", "Parameter", *_modules_all]
