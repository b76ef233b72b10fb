"""tinyconv.nn: functional ops, Module and Parameter, layers, init."""
from . import functional  # noqa: F401
