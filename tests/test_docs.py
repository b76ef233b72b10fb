"""The documentation: the site builds strictly, the reference lists every public name with a
docstring, docstring examples run, and "Differences from PyTorch" is still true.

The site build needs the ``docs`` extra (mkdocs and its plugins); without it that test skips,
unless ``TINYCONV_REQUIRE_DOCS=1`` (set by ``.ci/run``), where a missing package fails.
"""
import doctest
import enum
import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_reference_generator():
    """docs/_hooks/reference.py, the MkDocs hook that writes the reference pages."""
    path = os.path.join(ROOT, "docs", "_hooks", "reference.py")
    spec = importlib.util.spec_from_file_location("tinyconv_docs_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _load_reference_generator()


def require(module):
    if os.environ.get("TINYCONV_REQUIRE_DOCS") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)


# --- the site ---------------------------------------------------------------------------

@pytest.mark.slow
def test_site_builds_strictly(tmp_path):
    require("mkdocs")
    require("mkdocstrings")
    require("material")
    require("mkdocs_jupyter")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("TINYCONV_DOCS_EXECUTE", None)
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                          os.path.join(ROOT, "mkdocs.yml"), "-d", str(site)],
                         cwd=str(tmp_path), env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    pages = sorted(os.path.relpath(p, site) for p in _html_pages(site))
    for page in ["index.html", "installation/index.html", "differences/index.html",
                 "architecture/index.html", "performance/index.html", "parity/index.html",
                 "troubleshooting/index.html", "reference/nn.functional/index.html",
                 "tutorials/01_tensors_and_autograd/index.html"]:
        assert page in pages
    for page in pages:
        if page.startswith("tutorials/"):                # notebook links rewritten to pages
            html = (site / page).read_text()
            assert not re.findall(r'href="[^":#]+\.(?:md|py)(?:#[^"]*)?"', html), page
    conv = (site / "reference" / "nn.functional" / "index.html").read_text()
    assert "tinyconv.nn.functional.conv2d" in conv and "Shape" in conv
    arch = (site / "architecture" / "index.html").read_text()
    assert "The op contract" in arch                     # ARCHITECTURE.md, embedded
    perf = (site / "performance" / "index.html").read_text()
    assert "AMD EPYC" in perf and "bench_conv.py" in perf  # benchmarks/README.md, embedded


def _html_pages(site):
    for dirpath, _, filenames in os.walk(site):
        for fn in filenames:
            if fn == "index.html":
                yield os.path.join(dirpath, fn)


def test_readme_links_resolve():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 10, local                      # README points into the docs
    missing = [link for link in local if not os.path.exists(os.path.join(ROOT, link))]
    assert not missing, f"README links to missing files: {missing}"


# --- the reference ----------------------------------------------------------------------

def test_reference_lists_every_public_name():
    pages = reference.all_pages()
    documented = set()
    for text in pages.values():
        documented |= set(re.findall(r"^::: (\S+)$", text, flags=re.M))
    namespaces = {ns for _, _, ns, _, _, _ in reference.PAGES}
    for ns in ["tinyconv", "tinyconv.autograd", "tinyconv.nn", "tinyconv.nn.functional",
               "tinyconv.nn.init", "tinyconv.optim", "tinyconv.optim.lr_scheduler",
               "tinyconv.utils.data", "tinyconv.datasets", "tinyconv.transforms",
               "tinyconv.models", "tinyconv.distributed", "tinyconv.profiler",
               "tinyconv.debug", "tinyconv.compat.cs231n"]:
        assert ns in namespaces, f"no reference page for {ns}"
    missing = []
    for ns in namespaces:
        for name in reference.public_names(ns):
            if ns == "tinyconv" and (name in reference.DTYPE_ALIASES or name == "Tensor"):
                continue
            if reference.identifier(ns, name)[0] not in documented:
                missing.append(f"{ns}.{name}")
    assert not missing
    assert "::: tinyconv.Tensor" in pages["reference/tensor.md"]


def _public_objects():
    """(full name, object) of every public callable the reference documents."""
    for _, _, ns, _, _, _ in reference.PAGES:
        mod = importlib.import_module(ns)
        for name in reference.public_names(ns):
            obj = getattr(mod, name)
            if ns == "tinyconv" and name in reference.DTYPE_ALIASES:
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{ns}.{name}", obj


def test_every_public_name_has_a_summary():
    undocumented = sorted(full for full, obj in _public_objects()
                          if not (inspect.getdoc(obj) or "").strip())
    assert not undocumented, f"public names without a docstring: {undocumented}"


def _named_parameters(obj):
    if inspect.isclass(obj) and issubclass(obj, enum.Enum):
        # calling an enum looks a member up by value: Python 3.12+ gives its signature as
        # (*values), 3.11 as EnumType.__call__'s functional API; griffe sees no parameter
        # (no __init__) and rejects a documented one, so there is no Args section to write
        return []
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def test_every_public_callable_documents_its_arguments():
    # griffe (the strict site build) checks that every documented argument exists; this
    # checks the other way: a public function or class with arguments has an Args section
    missing = []
    for full, obj in _public_objects():
        doc = inspect.getdoc(obj) or ""
        if inspect.isclass(obj) and "__init__" in vars(obj):
            doc += "\n" + (inspect.getdoc(obj.__init__) or "")
        if _named_parameters(obj) and "Args:" not in doc:
            missing.append(full)
    assert not missing, f"public names whose docstring has no Args section: {sorted(missing)}"


# --- docstring examples -------------------------------------------------------------------

def _package_modules():
    skip = {"tinyconv.__main__"}
    for info in pkgutil.walk_packages(tc.__path__, "tinyconv."):
        if info.name not in skip and not info.name.startswith("tinyconv.testing"):
            yield info.name


def test_docstring_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tried = []
    for name in ["tinyconv", *_package_modules()]:
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            if test.examples:
                tc.manual_seed(0)
                result = runner.run(test, out=lambda s: None)
                assert result.failed == 0, _rerun_verbose(test)
                tried.append(test.name)
    # the most used public functions carry examples; this guards against losing them
    assert len(tried) >= 10, tried


def _rerun_verbose(test):
    lines = []
    doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE).run(
        test, out=lines.append)
    return "".join(lines)


# --- "Differences from PyTorch" stays true ----------------------------------------------
# Each probe returns True while tinyconv still differs from torch as the page's section of
# the same id says.  When one returns False, tinyconv now behaves like torch: delete that
# section of docs/differences.md and its probe here.

def _raises(fn, *errors):
    try:
        fn()
    except errors:
        return True
    return False


def _saved_tensors():
    x = tc.ones(1, 1, 4, 4, requires_grad=True)
    y = F.avg_pool2d(x, 2)
    with tc.no_grad():
        x.add_(1.0)
    return not _raises(lambda: y.sum().backward(), RuntimeError)


def _inplace_modules():
    x = -tc.ones(2)
    nn.ReLU(inplace=True)(x)
    return bool(np.all(x.numpy() == -1))


def _random_streams():
    tc.manual_seed(0)
    return not np.allclose(tc.randn(2).numpy(), [1.5409961, -0.2934289], atol=1e-6)


def _save_module():
    with tempfile.TemporaryDirectory() as d:
        return _raises(lambda: tc.save(nn.Linear(2, 2), os.path.join(d, "m.tc")), TypeError)


MISSING_EXAMPLES = [("tinyconv.linalg", "eig"), ("tinyconv.nn", "CTCLoss")]


def _missing_names():
    objects = {"tinyconv": tc, "tinyconv.Tensor": tc.Tensor, "tinyconv.nn": nn,
               "tinyconv.backends": tc.backends, "tinyconv.linalg": tc.linalg}
    return any(not hasattr(objects[where], name) for where, name in MISSING_EXAMPLES)


DIFFERENCES = {
    "dtypes": lambda: isinstance(tc.float32, np.dtype),
    "meta-device": lambda: _raises(lambda: tc.zeros(2, device="meta"), NotImplementedError),
    "random-streams": _random_streams,
    "saved-tensors": _saved_tensors,
    "inplace-modules": _inplace_modules,
    "forward-ad": lambda: not hasattr(tc.autograd, "forward_ad") and not hasattr(tc, "func"),
    "bfloat16": lambda: tc.ones(2).to(tc.bfloat16).dtype == tc.float32,
    "save-module": _save_module,
    "float16": lambda: _raises(lambda: F.conv2d(tc.zeros(1, 1, 3, 3, dtype=tc.float16),
                                                 tc.zeros(1, 1, 1, 1, dtype=tc.float16)),
                               TypeError),
    "missing-names": _missing_names,
    "unfold-overlap": lambda: _raises(lambda: tc.zeros(5).unfold(0, 3, 1).add_(1),
                                      RuntimeError),
    "out-of-scope": lambda: not any(hasattr(tc, n) for n in ("compile", "jit", "autocast")),
}


def test_differences_page_lists_exactly_the_probed_differences():
    with open(os.path.join(ROOT, "docs", "differences.md")) as f:
        ids = re.findall(r"^#+ .*\{#([a-z0-9-]+)\}\s*$", f.read(), flags=re.M)
    assert sorted(ids) == sorted(DIFFERENCES)


def _pages_linking(anchor):
    """Docs files (tutorials included) that link to differences.md#anchor."""
    found = []
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "docs")):
        for fn in filenames:
            if fn.endswith((".md", ".py")):
                with open(os.path.join(dirpath, fn)) as f:
                    if f"differences.md#{anchor}" in f.read():
                        found.append(os.path.relpath(os.path.join(dirpath, fn), ROOT))
    return sorted(found)


@pytest.mark.parametrize("key", sorted(DIFFERENCES))
def test_difference_still_holds(key):
    if not DIFFERENCES[key]():
        pytest.fail(
            f"tinyconv now behaves like torch for '{key}': delete the section {{#{key}}} from "
            f"docs/differences.md and its probe from tests/test_docs.py, and update the pages "
            f"that link to it: {_pages_linking(key) or 'none'}")
