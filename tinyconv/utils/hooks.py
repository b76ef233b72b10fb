"""``torch.utils.hooks``'s name for what registering a hook returns."""
from .._hooks import RemovableHandle

__all__ = ["RemovableHandle"]
