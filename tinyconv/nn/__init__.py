"""tinyconv.nn: functional ops, Module and Parameter, layers, init."""
from . import functional  # noqa: F401
from . import init, utils  # noqa: F401
from .module import Module, Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all

from .modules.fold import Fold, Unfold  # noqa: F401,E402  (issue 11)
from .modules.upsampling import __all__ as _upsampling_all  # noqa: E402
from .modules.upsampling import *  # noqa: F401,F403,E402

__all__ = ["functional", "init", "utils", "Module", "Parameter", *_modules_all,
           "Fold", "Unfold", *_upsampling_all]
