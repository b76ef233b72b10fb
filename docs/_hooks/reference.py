"""MkDocs hook: the API reference pages, generated from the package's public names.

Each page lists every public name of its namespace (``__all__``, or for ``tinyconv`` itself
every name it exports), grouped into sections as torch's reference groups them.  A name finds
its section by the module that defines it (``nn/functional/pooling.py`` holds pooling
functions) or, where a module mixes families, by an explicit entry below; a name nothing maps
is listed under the page's ``"*"`` section or "Other", so a new public name always appears in
the reference.  mkdocstrings
then renders each ``::: identifier`` from its docstring.

``python docs/_hooks/reference.py`` prints the pages (what the build writes under reference/).
"""
import importlib
import importlib.util
import inspect
import os
import sys

# document the checkout this site is built from, even where another copy of tinyconv is
# installed: mkdocstrings inspects the modules this process has imported
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if sys.path[0] != _ROOT:
    sys.path.insert(0, _ROOT)
import tinyconv  # noqa: E402  (after the path: the checkout's package, not an installed one)

if not os.path.abspath(tinyconv.__file__).startswith(_ROOT + os.sep):
    raise RuntimeError(f"the site documents {tinyconv.__file__}, not the checkout at {_ROOT}")

# (page, title, namespace, intro, {defining module or name: section}, section order)
PAGES = [
    ("tinyconv.md", "tinyconv", "tinyconv",
     "The top-level namespace, torch's `torch`: tensors, creation ops, math, grad mode, "
     "random state and serialization.",
     {"tinyconv.tensor": "Tensors", "tinyconv._dtypes": "Tensors",
      "tinyconv._device": "Tensors", "tinyconv._size": "Tensors",
      "tinyconv.factory": "Creation ops", "tinyconv._functions.shape":
      "Indexing, slicing, joining, mutating ops", "tinyconv._functions.arith": "Pointwise ops",
      "tinyconv._functions.activation": "Pointwise ops",
      "tinyconv._functions.reduction": "Reduction ops", "tinyconv._random": "Random sampling",
      "rand": "Random sampling", "randn": "Random sampling", "randint": "Random sampling",
      "randperm": "Random sampling", "tinyconv._functions.random": "Random sampling",
      "normal": "Random sampling", "rand_like": "Random sampling",
      "randn_like": "Random sampling", "randint_like": "Random sampling",
      "tinyconv._functions.introspect": "Tensors",
      "tinyconv.autograd.grad_mode": "Locally disabling gradient computation",
      "tinyconv.utils.serialization": "Serialization",
      "tinyconv._engine.state": "Locally disabling gradient computation",
      "tinyconv.autograd.gradcheck": "Gradient checking", "tinyconv.backends": "Backends",
      "matmul": "BLAS and LAPACK operations",
      "tinyconv._functions.matrix": "BLAS and LAPACK operations",
      "tinyconv._functions.linalg": "BLAS and LAPACK operations", "maximum": "Comparison ops",
      "minimum": "Comparison ops", "where": "Indexing, slicing, joining, mutating ops",
      "tinyconv._functions.indexing": "Indexing, slicing, joining, mutating ops",
      "tinyconv._functions.slicing": "Indexing, slicing, joining, mutating ops",
      "tinyconv._functions.rearrange": "Other operations",
      "tinyconv._functions.compare": "Comparison ops",
      "tinyconv._functions.bitwise": "Pointwise ops",
      "tinyconv._functions.sorting": "Comparison ops",
      "tinyconv._functions.statistics": "Reduction ops", "cov": "Other operations",
      "corrcoef": "Other operations",
      "tinyconv._functions.math": "Pointwise ops",
      "tinyconv._functions.pointwise": "Pointwise ops",
      "tinyconv._functions.norms": "Reduction ops",
      "nonzero": "Indexing, slicing, joining, mutating ops",
      "argwhere": "Indexing, slicing, joining, mutating ops", "all": "Reduction ops",
      "any": "Reduction ops", "median": "Reduction ops", "mode": "Reduction ops",
      "unique": "Reduction ops", "unique_consecutive": "Reduction ops",
      "cummax": "Other operations", "cummin": "Other operations",
      "get_num_threads": "Parallelism", "set_num_threads": "Parallelism"},
     ["Tensors", "Creation ops", "Indexing, slicing, joining, mutating ops", "Random sampling",
      "Serialization", "Locally disabling gradient computation", "Pointwise ops",
      "Reduction ops", "Comparison ops", "Other operations", "BLAS and LAPACK operations",
      "Gradient checking", "Parallelism", "Backends"]),
    ("linalg.md", "tinyconv.linalg", "tinyconv.linalg",
     "Linear algebra (torch's `torch.linalg`): norms, inverses and determinants, linear "
     "solves and the Cholesky, QR, symmetric eigenvalue and singular value decompositions, "
     "with torch's gradients.",
     {"tinyconv._functions.norms": "Matrix properties", "det": "Matrix properties",
      "slogdet": "Matrix properties", "cholesky": "Decompositions", "qr": "Decompositions",
      "eigh": "Decompositions", "eigvalsh": "Decompositions", "svd": "Decompositions",
      "svdvals": "Decompositions", "inv": "Inverses", "solve": "Inverses",
      "LinAlgError": "Exceptions"},
     ["Matrix properties", "Decompositions", "Inverses", "Exceptions"]),
    ("autograd.md", "tinyconv.autograd", "tinyconv.autograd",
     "Automatic differentiation (torch's `torch.autograd`): grad mode, `grad`, custom "
     "`Function`s, `gradcheck`, anomaly detection, and the engine's graph nodes and function "
     "hooks.",
     {"tinyconv._engine.state": "Locally disabling gradient computation",
      "tinyconv.autograd": "Functional higher level API", "backward": "Functional higher level API",
      "tinyconv.autograd.gradcheck": "Numerical gradient checking",
      "tinyconv.autograd.anomaly": "Anomaly detection",
      "tinyconv.autograd.function": "Function",
      "tinyconv.autograd.grad_mode": "Locally disabling gradient computation",
      "tinyconv._engine.function": "Graph and ops", "FunctionHook": "Function hooks",
      "add_function_hook": "Function hooks", "scope": "Function hooks"},
     ["Functional higher level API", "Locally disabling gradient computation", "Function",
      "Numerical gradient checking", "Anomaly detection", "Graph and ops", "Function hooks"]),
    ("autograd.functional.md", "tinyconv.autograd.functional", "tinyconv.autograd.functional",
     "Derivatives of whole functions (torch's `torch.autograd.functional`): vector-Jacobian "
     "and Jacobian-vector products, Hessian-vector products, full Jacobians and Hessians.",
     {}, []),
    ("nn.md", "tinyconv.nn", "tinyconv.nn",
     "Layers (torch's `torch.nn`): every module takes torch's constructor arguments and has "
     "torch's attribute names and `state_dict` keys.",
     {"tinyconv.nn.module": "Module and Parameter", "tinyconv.nn.parameter":
      "Module and Parameter", "tinyconv.nn.modules.container": "Containers",
      "tinyconv.nn.modules.conv": "Convolution layers",
      "tinyconv.nn.modules.conv_nd": "Convolution layers",
      "tinyconv.nn.modules.pooling": "Pooling layers",
      "tinyconv.nn.modules.pooling_nd": "Pooling layers",
      "tinyconv.nn.modules.padding": "Padding layers",
      "tinyconv.nn.modules.activation": "Non-linear activations",
      "tinyconv.nn.modules.nonlinear": "Non-linear activations",
      "tinyconv.nn.modules.normalization": "Normalization layers",
      "tinyconv.nn.modules.linear": "Linear layers",
      "tinyconv.nn.modules.embedding": "Sparse layers",
      "tinyconv.nn.modules.container_params": "Containers",
      "tinyconv.nn.modules.lazy": "Linear layers", "LazyConv2d": "Convolution layers",
      "tinyconv.nn.modules.normalization_more": "Normalization layers",
      "ChannelShuffle": "Vision layers",
      "tinyconv.nn.modules.transformer": "Transformer layers",
      "tinyconv.nn.modules.dropout": "Dropout layers",
      "tinyconv.nn.modules.loss": "Loss functions",
      "tinyconv.nn.modules.loss_more": "Loss functions",
      "tinyconv.nn.modules.fold": "Convolution layers",
      "tinyconv.nn.modules.upsampling": "Vision layers",
      "tinyconv.nn.modules.flatten": "Utilities", "tinyconv.nn.utils": "Utilities",
      "PixelShuffle": "Vision layers", "PixelUnshuffle": "Vision layers"},
     ["Module and Parameter", "Containers", "Convolution layers", "Pooling layers",
      "Padding layers", "Non-linear activations", "Normalization layers", "Transformer layers",
      "Linear layers", "Dropout layers", "Sparse layers", "Distance functions",
      "Loss functions", "Vision layers", "Utilities"]),
    ("nn.utils.md", "tinyconv.nn.utils", "tinyconv.nn.utils",
     "Gradient clipping, the flat view of parameters, weight and spectral normalisation "
     "(torch's `torch.nn.utils`).", {}, []),
    ("random.md", "tinyconv.random", "tinyconv.random",
     "The package's random stream: seed, state and `fork_rng` (torch's `torch.random`).", {},
     []),
    ("nn.utils.rnn.md", "tinyconv.nn.utils.rnn", "tinyconv.nn.utils.rnn",
     "Padding variable-length sequences into one batch tensor (torch's "
     "`torch.nn.utils.rnn`).", {}, []),
    ("nn.utils.parametrize.md", "tinyconv.nn.utils.parametrize",
     "tinyconv.nn.utils.parametrize",
     "Tensors of a module computed from others (torch's `torch.nn.utils.parametrize`).", {},
     []),
    ("nn.utils.parametrizations.md", "tinyconv.nn.utils.parametrizations",
     "tinyconv.nn.utils.parametrizations",
     "Weight and spectral normalisation as parametrizations (torch's "
     "`torch.nn.utils.parametrizations`).", {}, []),
    ("nn.functional.md", "tinyconv.nn.functional", "tinyconv.nn.functional",
     "Every op's public function with torch's signature (torch's `torch.nn.functional`), "
     "grouped as torch's reference groups them.",
     {"tinyconv.nn.functional.conv": "Convolution functions",
      "tinyconv.nn.functional.pooling": "Pooling functions",
      "tinyconv.nn.functional.pooling_nd": "Pooling functions",
      "tinyconv.nn.functional.activation": "Non-linear activation functions",
      "tinyconv.nn.functional.nonlinear": "Non-linear activation functions",
      "tinyconv._functions.activation": "Non-linear activation functions",
      "tinyconv.nn.functional.normalization": "Normalization functions",
      "tinyconv.nn.functional.linear": "Linear functions",
      "tinyconv.nn.functional.attention": "Attention mechanisms",
      "tinyconv.nn.functional.embedding": "Sparse functions",
      "tinyconv.nn.functional.dropout_nd": "Dropout functions",
      "tinyconv.nn.functional.normalization_more": "Normalization functions",
      "channel_shuffle": "Vision functions",
      "tinyconv.nn.functional.distance": "Distance functions",
      "tinyconv.nn.functional.loss": "Loss functions",
      "tinyconv.nn.functional.loss_prob": "Loss functions",
      "tinyconv.nn.functional.loss_margin": "Loss functions",
      "tinyconv.nn.functional.padding": "Vision functions",
      "tinyconv.nn.functional.sampling": "Vision functions",
      "tinyconv.nn.functional.vision": "Vision functions",
      "fold": "Convolution functions", "unfold": "Convolution functions",
      "dropout": "Dropout functions", "flatten": "Utilities",
      "ConvArgumentError": "Errors", "ConvDtypeError": "Errors"},
     ["Convolution functions", "Pooling functions", "Attention mechanisms",
      "Non-linear activation functions", "Normalization functions", "Linear functions",
      "Dropout functions", "Sparse functions", "Distance functions", "Loss functions",
      "Vision functions", "Utilities", "Errors"]),
    ("nn.init.md", "tinyconv.nn.init", "tinyconv.nn.init",
     "Parameter initialisation (torch's `torch.nn.init`); every function works in place under "
     "no_grad and returns its argument.", {}, []),
    ("optim.md", "tinyconv.optim", "tinyconv.optim",
     "Optimizers (torch's `torch.optim`): torch's constructor arguments, param groups and "
     "`state_dict` format.", {}, []),
    ("optim.lr_scheduler.md", "tinyconv.optim.lr_scheduler", "tinyconv.optim.lr_scheduler",
     "Learning-rate schedules (torch's `torch.optim.lr_scheduler`).", {}, []),
    ("utils.data.md", "tinyconv.utils.data", "tinyconv.utils.data",
     "Datasets, samplers and the `DataLoader` (torch's `torch.utils.data`).",
     {"Dataset": "Datasets", "TensorDataset": "Datasets", "Subset": "Datasets",
      "ConcatDataset": "Datasets", "random_split": "Datasets", "DataLoader": "Data loading",
      "default_collate": "Data loading", "Sampler": "Samplers",
      "SequentialSampler": "Samplers", "RandomSampler": "Samplers"},
     ["Datasets", "Data loading", "Samplers"]),
    ("utils.md", "tinyconv.utils", "tinyconv.utils",
     "Model summaries, graph drawing and model surgery.", {}, []),
    ("datasets.md", "tinyconv.datasets", "tinyconv.datasets",
     "Image datasets (torchvision's `torchvision.datasets`) and the download helpers.",
     {"CIFAR10": "Datasets", "MNIST": "Datasets", "FashionMNIST": "Datasets"},
     ["Datasets", "Other"]),
    ("transforms.md", "tinyconv.transforms", "tinyconv.transforms",
     "Image transforms (torchvision's `torchvision.transforms`).", {}, []),
    ("models.md", "tinyconv.models", "tinyconv.models",
     "The model zoo (torchvision's `torchvision.models`); each model has a torch twin in the "
     "tests with the same `state_dict` keys.", {}, []),
    ("distributed.md", "tinyconv.distributed", "tinyconv.distributed",
     "Data-parallel training over MPI (torch's `torch.distributed` and "
     "`DistributedDataParallel`).",
     {"tinyconv.distributed.process_group": "Process group and collectives",
      "tinyconv.distributed.ddp": "Data parallelism",
      "tinyconv.distributed.sampler": "Data parallelism",
      "tinyconv.distributed.sync_batchnorm": "Data parallelism"},
     ["Process group and collectives", "Data parallelism"]),
    ("profiler.md", "tinyconv.profiler", "tinyconv.profiler",
     "Per-op, per-kernel and per-module time and memory (torch's `torch.profiler`).", {}, []),
    ("debug.md", "tinyconv.debug", "tinyconv.debug",
     "Comparing a model with its torch twin, module by module.", {}, []),
    ("backends.md", "tinyconv.backends", "tinyconv.backends",
     "Every switch (torch's `torch.backends`): conv algorithms, the im2col workspace limit, "
     "kernel threads; set them with `flags(...)`.", {}, []),
    ("backends.cudnn.md", "tinyconv.backends.cudnn", "tinyconv.backends.cudnn",
     "cuDNN's switches (torch's `torch.backends.cudnn`), as on a torch built without CUDA: "
     "`benchmark`, `deterministic`, `enabled` and `allow_tf32` take bools and change nothing.",
     {}, []),
    ("backends.cuda.md", "tinyconv.backends.cuda", "tinyconv.backends.cuda",
     "CUDA's switches (torch's `torch.backends.cuda`), as on a torch built without CUDA.",
     {}, []),
    ("backends.mps.md", "tinyconv.backends.mps", "tinyconv.backends.mps",
     "Apple's Metal (torch's `torch.backends.mps`): not available.", {}, []),
    ("cuda.md", "tinyconv.cuda", "tinyconv.cuda",
     "CUDA (torch's `torch.cuda`) as a torch built without it reports it: `is_available()` is "
     "False, seeding does nothing, and what needs a GPU raises torch's `AssertionError`.",
     {}, []),
    ("accelerator.md", "tinyconv.accelerator", "tinyconv.accelerator",
     "The current accelerator (torch's `torch.accelerator`): there is none.", {}, []),
    ("compat.cs231n.md", "tinyconv.compat.cs231n", "tinyconv.compat.cs231n",
     "The CS231n assignments' layer API on NumPy arrays, backed by tinyconv's ops.",
     {"Solver": "Solver and update rules", "sgd": "Solver and update rules",
      "sgd_momentum": "Solver and update rules", "rmsprop": "Solver and update rules",
      "adam": "Solver and update rules", "eval_numerical_gradient": "Gradient checking",
      "eval_numerical_gradient_array": "Gradient checking", "rel_error": "Gradient checking",
      "softmax_loss": "Losses", "svm_loss": "Losses", "*": "Layers"},
     ["Layers", "Losses", "Gradient checking", "Solver and update rules"]),
]

# names the reference leaves out of a namespace: submodules (they have pages of their own) and
# torch's dtype aliases, listed in a table instead
DTYPE_ALIASES = {"bfloat16", "bool", "bool_", "half", "float", "double", "long", "int", "float16",
                 "float32", "float64", "int8", "int16", "int32", "int64", "uint8"}


def public_names(namespace):
    """The public names of a namespace: ``__all__``, or every exported non-module name."""
    mod = importlib.import_module(namespace)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in dir(mod) if not n.startswith("_")]
    return [n for n in names if not inspect.ismodule(getattr(mod, n))]


def identifier(namespace, name):
    """``(mkdocstrings identifier, is_canonical)`` of a public name.

    The public path (``tinyconv.nn.functional.conv2d``) unless a submodule of the namespace
    has the same name as the object (``nn/functional/linear.py`` defines ``linear``): the
    documentation tools would document the module, so the object's defining path is used.
    """
    mod = importlib.import_module(namespace)
    obj = getattr(mod, name)
    if (hasattr(mod, "__path__") and not inspect.ismodule(obj)
            and importlib.util.find_spec(f"{namespace}.{name}") is not None):
        return f"{obj.__module__}.{obj.__qualname__}", True
    return f"{namespace}.{name}", False


def sections(namespace, mapping, order):
    """``[(section, [names])]`` for a namespace, in ``order`` then "Other"."""
    mod = importlib.import_module(namespace)
    default = mapping.get("*", "Other" if mapping else None)
    groups = {}
    for name in public_names(namespace):
        if namespace == "tinyconv" and name in DTYPE_ALIASES:
            continue
        obj = getattr(mod, name)
        section = mapping.get(name) or mapping.get(getattr(obj, "__module__", ""))
        if section is None:
            section = default
        groups.setdefault(section, []).append(name)
    ordered = [s for s in order if s in groups] + sorted(s for s in groups if s not in order)
    return [(s, groups[s]) for s in ordered]


def _dtype_table():
    import tinyconv as tc
    rows = ["| dtype | torch-style aliases |", "|---|---|"]
    canon = {}
    for name in sorted(DTYPE_ALIASES):
        canon.setdefault(str(getattr(tc, name)), []).append(name)
    for dtype, names in sorted(canon.items()):
        rows.append(f"| `{dtype}` | " + ", ".join(f"`tinyconv.{n}`" for n in names) + " |")
    return "\n".join(rows)


def page_markdown(title, namespace, intro, mapping, order):
    lines = [f"# {title}", "", intro, ""]
    groups = sections(namespace, mapping, order)
    if len(groups) > 1:
        lines += ["| section | names |", "|---|---|"]
        for section, names in groups:
            links = [f"[`{n}`](tensor.md)" if namespace == "tinyconv" and n == "Tensor"
                     else f"[`{n}`](#{identifier(namespace, n)[0]})" for n in names]
            lines.append(f"| {section} | " + ", ".join(links) + " |")
        lines.append("")
    for section, names in groups:
        if len(groups) > 1:
            lines += [f"## {section}", ""]
        if namespace == "tinyconv" and section == "Tensors":
            lines += ["Data types (NumPy's, under torch's names):", "", _dtype_table(), "",
                      "`tinyconv.Tensor` has a page of its own: [Tensor](tensor.md).", ""]
        level = 3 if len(groups) > 1 else 2
        for name in names:
            if namespace == "tinyconv" and name == "Tensor":
                continue
            ident, canonical = identifier(namespace, name)
            lines += [f"::: {ident}", "    options:", f"      heading_level: {level}"]
            if canonical:  # the heading names it as users import it, without the module
                lines += ["      show_root_full_path: false"]
            lines.append("")
    return "\n".join(lines)


def tensor_page():
    """The Tensor class: its own docstring and every public method."""
    import tinyconv as tc
    mirrored = sorted(n for n in dir(tc.Tensor) if not n.startswith("_")
                      and callable(getattr(tc.Tensor, n)) and callable(getattr(tc, n, None))
                      and not inspect.isclass(getattr(tc, n)))
    lines = ["# tinyconv.Tensor", "",
             "The tensor class (torch's `torch.Tensor`).  Methods that share a name with a "
             "function of the `tinyconv` namespace compute the same thing with the tensor as "
             "first argument; their full documentation is the function's:", "",
             ", ".join(f"[`{n}`](tinyconv.md#tinyconv.{n})" for n in mirrored), "",
             "::: tinyconv.Tensor", "    options:", "      heading_level: 2",
             "      show_if_no_docstring: true", "      members_order: alphabetical",
             "      inherited_members: true", ""]
    return "\n".join(lines)


def all_pages():
    """``{path under docs/: markdown}`` of the reference."""
    pages = {"reference/tensor.md": tensor_page()}
    for fname, title, namespace, intro, mapping, order in PAGES:
        pages["reference/" + fname] = page_markdown(title, namespace, intro, mapping, order)
    return pages


def on_config(config):
    """MkDocs event: tutorials that the build executes (TINYCONV_DOCS_EXECUTE=true) run in
    kernels, which must import this checkout too."""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in [_ROOT, os.environ.get("PYTHONPATH", "")] if p)
    return config


def on_files(files, config):
    """MkDocs event: add the generated reference pages to the site's files."""
    from mkdocs.structure.files import File
    for path, text in all_pages().items():
        files.append(File.generated(config, path, content=text))
    return files


if __name__ == "__main__":
    for path, text in all_pages().items():
        print(f"--- {path}\n{text}")
