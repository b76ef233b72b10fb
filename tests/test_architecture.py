"""The package's shape: imports go one way down the layer order, with no cycles.

The layer list below is the one in ARCHITECTURE.md ("Layers"); a module belongs to the layer of
the longest prefix that names it.  Every import is checked, including imports inside
functions: a module may import its own layer or a lower one, never a higher one, and the
module graph has no cycle.  Importing ``a.b.c`` also runs the package ``a.b``'s ``__init__``,
so that counts as an import of ``a.b`` too (unless the importer lives inside ``a.b``).
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "tinyconv")

# bottom to top; written once more, with the reasons, in ARCHITECTURE.md
LAYERS = [
    ("base", ["tinyconv._environment", "tinyconv._dtypes", "tinyconv._geometry",
              "tinyconv._hooks", "tinyconv._random", "tinyconv._build_hash",
              "tinyconv._device", "tinyconv._size", "tinyconv._tensor_str",
              "tinyconv._docstrings", "tinyconv.backends", "tinyconv.cuda",
              "tinyconv.accelerator", "tinyconv.random"]),
    ("kernels", ["tinyconv.ops._kernels", "tinyconv.ops._im2col", "tinyconv.ops._reference"]),
    ("engine", ["tinyconv._engine"]),
    ("ops", ["tinyconv.ops"]),
    ("tensor", ["tinyconv._checks", "tinyconv._tensor_attrs", "tinyconv.tensor",
                "tinyconv._functions", "tinyconv.factory", "tinyconv.autograd",
                "tinyconv.linalg"]),
    ("nn", ["tinyconv.nn"]),
    ("training", ["tinyconv.optim", "tinyconv.utils", "tinyconv.transforms",
                  "tinyconv.datasets", "tinyconv.models"]),
    ("tools", ["tinyconv.distributed", "tinyconv.profiler", "tinyconv.debug",
               "tinyconv.compat"]),
    ("package", ["tinyconv"]),
    # run on the whole public namespace (``import tinyconv``); nothing imports them
    ("applications", ["tinyconv.__main__", "tinyconv.parity", "tinyconv.testing"]),
]


def layer_of(module):
    """(index, name) of the layer a dotted module name belongs to (longest prefix)."""
    best = None
    for i, (name, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[2]:
                    best = (i, name, len(p))
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS (and ARCHITECTURE.md)")
    return best[0], best[1]


def package_modules(root=PKG):
    """{dotted name: path} of every Python module of the package."""
    mods = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for fn in filenames:
            if not fn.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fn), os.path.dirname(root))
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = os.path.join(dirpath, fn)
    # the compiled kernels have no .py; they are imported by name
    mods.setdefault("tinyconv.ops._im2col", None)
    return mods


def _resolve(module, is_pkg, node):
    """Absolute names a from/import statement in ``module`` refers to (candidates)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = module if is_pkg else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    target = node.module or ""
    if node.level:
        target = base + ("." + target if target else "")
    return [target, *[f"{target}.{a.name}" for a in node.names]]


def import_edges(mods):
    """{module: {imported tinyconv module: line}} including imports inside functions."""
    edges = {}
    for mod, path in mods.items():
        if path is None:
            continue
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        is_pkg = path.endswith("__init__.py")
        out = edges.setdefault(mod, {})
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = _resolve(mod, is_pkg, node)
            if isinstance(node, ast.ImportFrom):
                # "from x import y" imports the submodule x.y when there is one, else names of x
                subs = [n for n in names[1:] if n in mods]
                names = subs + ([names[0]] if len(subs) < len(names) - 1 else [])
            for name in names:
                if name not in mods or name == mod:
                    continue
                out.setdefault(name, node.lineno)
                # importing a.b.c runs a.b's __init__ unless the importer is already inside a.b
                parent = name.rpartition(".")[0]
                while parent and parent != "tinyconv":
                    if not (mod == parent or mod.startswith(parent + ".")):
                        out.setdefault(parent, node.lineno)
                    parent = parent.rpartition(".")[0]
    return edges


def upward_imports(edges):
    bad = []
    for mod, targets in edges.items():
        li, ln = layer_of(mod)
        for t, line in targets.items():
            ti, tn = layer_of(t)
            if ti > li:
                bad.append(f"{mod} ({ln}) imports {t} ({tn}) at line {line}")
    return sorted(bad)


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges.get(start, ())))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(edges.get(w, ()))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_every_module_has_a_layer():
    for mod in package_modules():
        layer_of(mod)


def test_imports_go_down_the_layers():
    bad = upward_imports(import_edges(package_modules()))
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_no_import_cycles():
    found = cycles(import_edges(package_modules()))
    assert not found, f"import cycles: {found}"


def test_the_check_catches_a_planted_upward_import(tmp_path):
    """The walk sees an import inside a function, two layers up, in a copy of a real module."""
    mods = package_modules()
    edges = import_edges(mods)
    low = "tinyconv.ops.pool"
    planted = dict(edges)
    planted[low] = dict(edges[low], **{"tinyconv.nn.functional": 1})
    assert any(s.startswith(low) for s in upward_imports(planted))
    # and from source text: a lazy import inside a function
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from ..nn import functional\n    return functional\n")
    found = import_edges({"tinyconv.ops.fake": str(path), "tinyconv.nn.functional": None,
                          "tinyconv.nn": None})
    assert "tinyconv.nn.functional" in found["tinyconv.ops.fake"]
    assert upward_imports(found)


def test_the_check_catches_a_cycle():
    edges = {"tinyconv.ops.a": {"tinyconv.ops.b": 1}, "tinyconv.ops.b": {"tinyconv.ops.a": 2}}
    assert cycles(edges) == [["tinyconv.ops.a", "tinyconv.ops.b"]]


@pytest.mark.parametrize("path", sorted(p for p in package_modules().values() if p))
def test_modules_are_short_with_one_import_block(path):
    with open(path) as f:
        src = f.read()
    n = src.count("\n")
    assert n <= 720, f"{os.path.relpath(path, ROOT)} has {n} lines: split it along its seams"
    tree = ast.parse(src)
    # module-level imports come first (after the docstring and __future__), in one block
    seen_other = False
    for node in tree.body:
        is_import = isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.Try)
            and all(isinstance(b, (ast.Import, ast.ImportFrom)) for b in node.body))
        if is_import and seen_other:
            pytest.fail(f"{os.path.relpath(path, ROOT)}:{node.lineno}: a second import block")
        if not is_import and not (isinstance(node, ast.Expr)
                                  and isinstance(getattr(node, "value", None), ast.Constant)):
            seen_other = True
