"""The tutorials (docs/tutorials/*.py, Jupytext percent format) execute as notebooks and draw
their figures.

Each tutorial is read with jupytext and run cell by cell in a fresh Python kernel (nbclient),
in a temporary directory, importing this checkout's tinyconv; a cell that raises fails the
test with the cell and its traceback.  Every figure the tutorial promises must then exist and
be a real picture (a PNG of some size whose pixels are not one flat colour).

The tutorials need the ``docs`` and ``examples`` extras (jupytext, nbclient, ipykernel,
matplotlib).  Without them these tests skip, unless ``TINYCONV_REQUIRE_DOCS=1`` (set by
``.ci/run``), where a missing package is a failure.
"""
import glob
import os
import time

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS_DIR = os.path.join(ROOT, "docs", "tutorials")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# tutorial -> the figures it writes into $TINYCONV_FIGURES
TUTORIALS = {
    "01_tensors_and_autograd.py": ["01_line_fit.png", "01_graph.png"],
    "02_convolution_three_ways.py": ["02_im2col.png", "02_timings.png"],
    "03_normalization.py": ["03_norm_axes.png", "03_batch_dependence.png"],
    "04_train_fashion_mnist.py": ["04_samples.png", "04_overfit.png", "04_curves.png",
                                  "04_filters.png"],
    "05_visualising.py": ["05_saliency.png", "05_class_visualisation.png", "05_gradcam.png"],
    "06_porting_from_torch.py": ["06_divergence.png"],
    "07_data_parallel_mpi.py": ["07_ddp_curves.png"],
}
# a guard against a hung cell, not a speed test (speed is measured by benchmarks/): a tutorial
# runs in about 2 minutes on 2 quiet cores, one cell at most a minute
CELL_TIMEOUT = 600.0


def require(module):
    """Import an optional docs dependency: skip without it, fail under TINYCONV_REQUIRE_DOCS."""
    if os.environ.get("TINYCONV_REQUIRE_DOCS") == "1":
        return __import__(module)
    return pytest.importorskip(module)


def test_every_tutorial_is_listed():
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(TUTORIALS_DIR, "*.py")))
    assert found == sorted(TUTORIALS)


def check_picture(path):
    """A PNG at least 100x100 whose pixels vary (not blank, not one flat colour)."""
    import matplotlib.image as mpimg

    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC, f"{path} is not a PNG"
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] >= 100 and img.shape[1] >= 100, img.shape
    rgb = img[..., :3].reshape(-1, 3)
    assert float(rgb.std()) > 0.02, f"{path} is (nearly) one flat colour"
    background = np.median(rgb, axis=0)
    drawn = np.abs(rgb - background).max(axis=1) > 0.1
    assert drawn.mean() > 0.01, f"{path}: fewer than 1% of its pixels differ from the background"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_executes_and_draws(name, tmp_path, monkeypatch):
    jupytext = require("jupytext")
    nbclient = require("nbclient")
    require("ipykernel")
    require("matplotlib")
    figures = tmp_path / "figures"
    # the kernel inherits this environment: this checkout's tinyconv, figures in tmp_path
    monkeypatch.setenv("TINYCONV_FIGURES", str(figures))
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = jupytext.read(os.path.join(TUTORIALS_DIR, name))
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{name}: outputs are not committed"
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    print(f"{name}: {seconds:.1f} s")
    for fig in TUTORIALS[name]:
        assert (figures / fig).exists(), f"{name} did not write figures/{fig}"
        check_picture(figures / fig)
    extra = sorted(set(os.listdir(figures)) - set(TUTORIALS[name]))
    assert not extra, f"{name} wrote figures the test does not check: {extra}"
