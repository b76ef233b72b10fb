"""Which public functions of the tensor layer are also Tensor methods.

torch offers most functions both ways: ``torch.exp(x)`` and ``x.exp()``, and an in-place
``x.exp_()``.  Each is written once, as a function in its ``tinyconv._functions`` module, and
marked there::

    @method(inplace="exp_")
    def exp(input): ...

``Tensor`` inherits every marked function (``x.exp()`` is ``exp(x)``)
and, for ``inplace=``, a method that writes the result into ``x`` with torch's in-place autograd
semantics (``tinyconv._functions.inplace``).  A method the class body already defines, or a
name marked twice, is an error at import: every method is defined in exactly one place.
"""
__all__ = ["METHODS", "method"]

# method name -> (function, in_place): the function computes the result from ``self``
METHODS = {}


def method(fn=None, *, name=None, inplace=None):
    """Mark a tensor-layer function as a ``Tensor`` method too.

    Args:
        fn: the function (its first parameter becomes ``self``); ``@method`` or ``@method(...)``.
        name: the method's name when it differs from the function's.
        inplace: the name of an in-place method to derive (``"exp_"``), or None.

    Returns:
        the function, unchanged.
    """
    def mark(f):
        for n, in_place in ((name or f.__name__, False), (inplace, True)):
            if n is None:
                continue
            if n in METHODS:
                raise RuntimeError(f"Tensor.{n} is marked twice ({METHODS[n][0].__module__} and "
                                   f"{f.__module__})")
            METHODS[n] = (f, in_place)
        return f
    return mark if fn is None else mark(fn)
