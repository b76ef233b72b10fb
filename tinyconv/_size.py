"""``tinyconv.Size``: the type of ``Tensor.shape`` and ``Tensor.size()``, as ``torch.Size``."""
import operator

__all__ = ["Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``tinyconv.Size([64, 10])``.

    It compares equal to the tuple of the same ints (``x.shape == (64, 10)``); slicing,
    ``+`` and ``*`` give Sizes, as torch's.

    Args:
        sizes: an iterable of ints (default: empty, the shape of a 0-d tensor).
    """

    __slots__ = ()

    def __new__(cls, sizes=()):
        out = []
        for i, s in enumerate(sizes):
            try:
                out.append(operator.index(s))
            except TypeError:
                raise TypeError(f"tinyconv.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(s).__name__}')") from None
        return tuple.__new__(cls, out)

    def __init__(self, sizes=()):  # the values are set by __new__; here for the signature
        super().__init__()

    def numel(self):
        """The number of elements of a tensor of this shape.

        Returns:
            int: the product of the sizes (1 for an empty Size).
        """
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(other, self))

    def __mul__(self, n):
        return tuple.__new__(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __repr__(self):
        return f"tinyconv.Size({list(self)})"

    __str__ = __repr__


def make_size(shape):
    """A Size of ``shape``, a tuple of Python ints (an ndarray's shape), without checks.

    Args:
        shape: a tuple of ints.

    Returns:
        Size: the same ints.
    """
    return tuple.__new__(Size, shape)
