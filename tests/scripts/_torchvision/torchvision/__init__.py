"""TEST STAND-IN for torchvision, which is not installed here (and cannot be: no build of it
matches this torch).

``tests/test_torch_scripts.py`` puts the directory above this package on ``sys.path`` only for
the torch run of the example programs in ``tests/scripts``. It holds the few pieces those
programs use, written with torch ops after torchvision's documented behaviour: the CIFAR-10
and MNIST readers of the official file formats, ``Compose``/``ToTensor``/``Normalize``, and
``utils.make_grid``. It is not torchvision and not part of tinyconv.
"""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
