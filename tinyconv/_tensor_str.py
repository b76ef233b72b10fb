"""Tensor printing as torch prints: fixed decimals or scientific notation chosen from the
values' range, integral floats as ``1.``, elements right-aligned to one width, lines wrapped at
``linewidth`` columns, and tensors over ``threshold`` elements summarised by their first and
last ``edgeitems`` per dimension; ``set_printoptions`` changes those settings.

Only ``Tensor.__repr__`` uses it; it reads the ndarray and knows nothing of autograd.
"""
import math
import numbers

import numpy as np

__all__ = ["format_values", "set_printoptions"]

PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
            "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
            "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


class _Options:
    precision = 4
    threshold = 1000      # more elements than this: summarise
    edgeitems = 3         # elements kept at each end of a summarised dimension
    linewidth = 80
    sci_mode = None       # None: chosen from the values; True / False: always / never


OPTIONS = _Options()


def _count(name, value, allow_inf=False):
    if allow_inf and isinstance(value, float) and value == math.inf:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"set_printoptions(): {name} must be a non-negative int"
                         f"{' or math.inf' if allow_inf else ''}, got {value!r}")
    return int(value)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (torch's ``set_printoptions``); arguments left None keep their
    setting, except ``sci_mode``, which None sets back to automatic.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: tensors with more elements are summarised (default 1000; ``math.inf``
            never).
        edgeitems: elements shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: "default", "short" (precision 2, edgeitems 2) or "full" (never summarise),
            applied before the other arguments.
        sci_mode: True / False to always / never use scientific notation for floats; None
            chooses from the values (torch's rule).

    Returns:
        None.
    """
    values = {}
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions(): profile must be one of {sorted(PROFILES)}, "
                             f"got {profile!r}")
        values.update(PROFILES[profile])
    for name, value, inf in (("precision", precision, False), ("threshold", threshold, True),
                             ("edgeitems", edgeitems, False), ("linewidth", linewidth, False)):
        if value is not None:
            values[name] = _count(name, value, inf)
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ValueError(f"set_printoptions(): sci_mode must be None, True or False, got "
                         f"{sci_mode!r}")
    for name, value in values.items():  # every argument checked before any is applied
        setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


def _float_formatter(values):
    """A function formatting one float of ``values`` (a float ndarray) as torch chooses."""
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:  # zeros, nan and inf only: '0.' whatever sci_mode says (torch's)
        return lambda v: _special(v) or f"{v:.0f}."
    lo, hi = float(nonzero.min()), float(nonzero.max())
    integral = bool(np.all(np.ceil(finite) == finite))
    wide = hi / lo > 1000.0 or hi > 1e8
    p = OPTIONS.precision
    sci = OPTIONS.sci_mode
    if sci is None:
        sci = wide or (not integral and lo < 1e-4)
    if sci:
        return lambda v: _special(v) or f"{v:.{p}e}"
    if integral:
        return lambda v: _special(v) or f"{v:.0f}."
    return lambda v: _special(v) or f"{v:.{p}f}"


def _special(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summarised(a):
    """``a`` with every dimension longer than 2 * edgeitems cut to its two ends (the values the
    widths are computed over)."""
    e = OPTIONS.edgeitems
    for d in range(a.ndim):
        if a.shape[d] > 2 * e:
            idx = np.r_[0:e, a.shape[d] - e:a.shape[d]]
            a = np.take(a, idx, axis=d)
    return a


def _formatter(a, shown):
    kind = a.dtype.kind
    if kind == "b":
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    elif kind in "iu":
        fmt = lambda v: str(int(v))  # noqa: E731
    else:
        fmt = _float_formatter(shown.astype(np.float64))
    flat = shown.reshape(-1)
    if kind not in "biu":  # floats: the width of the nonzero finite values (torch's)
        flat = flat[np.isfinite(flat) & (flat != 0)]
    width = max((len(fmt(v.item())) for v in flat), default=1)
    return lambda v: fmt(v.item()).rjust(width), width


def _rows(a, fmt, width, indent, summarise):
    """The text of ``a`` (ndim >= 1) whose '[' stands at column ``indent``."""
    n, e = a.shape[0], OPTIONS.edgeitems
    cut = summarise and n > 2 * e
    idx = list(range(e)) + [None] + list(range(n - e, n)) if cut else range(n)
    if a.ndim == 1:
        items = [" ..." if i is None else fmt(a[i]) for i in idx]
        per_line = max(1, (OPTIONS.linewidth - indent) // (width + 2))
        lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = ",\n" + "\n" * (a.ndim - 2) + " " * (indent + 1)
    parts = ["..." if i is None else _rows(a[i], fmt, width, indent + 1, summarise)
             for i in idx]
    return "[" + sep.join(parts) + "]"


def format_values(a, prefix="tensor("):
    """The values part of a tensor's repr, as torch writes it after ``prefix``.

    Args:
        a: the ndarray.
        prefix: the text before the values (its length is the continuation indent).

    Returns:
        (text, extra): the values and, for an empty tensor of another shape than (0,), the
        ``size=(...)`` suffix torch adds (else None).
    """
    if a.size == 0:
        return "[]", (None if a.shape == (0,) else f"size={tuple(a.shape)}")
    summarise = a.size > OPTIONS.threshold
    fmt, width = _formatter(a, _summarised(a) if summarise else a)
    if a.ndim == 0:
        return fmt(a).strip(), None
    return _rows(a, fmt, width, len(prefix), summarise), None
