"""Shared argument descriptions (tinyconv._docstrings) and the docstrings filled from them."""
import importlib
import inspect
import pkgutil
import re

import pytest

import tinyconv
from tinyconv._docstrings import fill_docstring, shared_docs

TABLE = {"x": "x: the input.", "two": "a: first.\n    (more about a)\nb: second."}


def test_fill_indents_every_line_as_the_placeholder():
    doc = "Summary.\n\n    Args:\n        {two}\n        {x}\n    "
    assert fill_docstring(doc, TABLE) == (
        "Summary.\n\n    Args:\n        a: first.\n            (more about a)\n"
        "        b: second.\n        x: the input.\n    ")


def test_other_braces_are_left_alone():
    doc = "Use ``{x}`` inline; a dict {'x': 1}.\n    {not_a_line} text\n"
    assert fill_docstring(doc, TABLE) == doc


def test_unknown_placeholder_names_itself():
    with pytest.raises(KeyError, match="placeholder {nope}"):
        fill_docstring("Args:\n    {nope}\n", TABLE)


def test_decorator_fills_functions_and_none_stays_none():
    @shared_docs(TABLE)
    def f():
        """F.

        Args:
            {x}
        """

    @shared_docs(TABLE)
    def g():
        pass

    assert "x: the input." in f.__doc__ and "{x}" not in f.__doc__
    assert g.__doc__ is None


def _public_docstrings():
    for info in pkgutil.walk_packages(tinyconv.__path__, "tinyconv."):
        if info.name.startswith(("tinyconv.__main__", "tinyconv.testing")):
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if getattr(obj, "__module__", None) != info.name:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{info.name}.{name}", obj.__doc__


def test_no_docstring_is_left_with_a_placeholder():
    placeholder = re.compile(r"^\s*\{\w+\}\s*$", re.MULTILINE)
    left = [name for name, doc in _public_docstrings() if doc and placeholder.search(doc)]
    assert not left, left
