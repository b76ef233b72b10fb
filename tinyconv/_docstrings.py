"""Argument descriptions that many docstrings share, each written once where its family lives.

A family (the factory functions, the init functions, the losses, the lr schedulers, ...) keeps
a dict of descriptions; a docstring names one with a line holding only ``{name}``, and
``shared_docs(table)`` puts the description there, indented as that line (continuation lines
of a description are written four spaces in, as they read in the docstring).  The filled
docstring is what ``help()``, doctest and the reference pages see; other braces in a docstring
are left alone.
"""
import re

__all__ = ["fill_docstring", "shared_docs"]

_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.MULTILINE)


def fill_docstring(doc, table):
    """``doc`` with each line ``{name}`` replaced by ``table[name]`` at that line's indent.

    Raises KeyError naming the placeholder when ``table`` has no entry for it, so a typo fails
    at import rather than printing braces in the reference.
    """
    if doc is None:
        return None

    def expand(match):
        indent, key = match.groups()
        if key not in table:
            raise KeyError(f"docstring placeholder {{{key}}} has no entry; known: "
                           f"{sorted(table)}")
        return "\n".join(indent + line if line else line
                         for line in table[key].strip("\n").split("\n"))

    return _PLACEHOLDER.sub(expand, doc)


def shared_docs(table):
    """Decorator: fill the function's or class's docstring from ``table`` (see the module)."""
    def decorate(obj):
        obj.__doc__ = fill_docstring(obj.__doc__, table)
        return obj
    return decorate
