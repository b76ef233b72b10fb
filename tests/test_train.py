"""The training scripts: exact resume, outputs, overfitting sanity check, real Fashion-MNIST run."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tinyconv as tc
from tinyconv import datasets as D

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _load(relpath, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, relpath))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


train = _load("examples/train.py", "tinyconv_example_train")
overfit = _load("examples/overfit_small_batch.py", "tinyconv_example_overfit")


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    D.write_fake_mnist(str(root / "FashionMNIST" / "raw"), n_train=40, n_test=16, seed=3)
    return str(root)


def _params(path):
    return {k: np.asarray(v.numpy() if isinstance(v, tc.Tensor) else v)
            for k, v in tc.load(path)["model"].items()}


def _metrics(out):
    with open(os.path.join(out, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


RECIPES = [
    ["--model", "lenet5", "--optimizer", "sgd", "--scheduler", "onecycle", "--augment"],
    ["--model", "minivgg", "--optimizer", "adamw", "--scheduler", "cosine", "--limit-train", "4",
     "--limit-test", "2"],
    ["--model", "threelayer", "--optimizer", "adam", "--scheduler", "step", "--augment"],
]


@pytest.mark.parametrize("recipe", RECIPES, ids=["lenet5-sgd", "minivgg-adamw", "threelayer-adam"])
def test_resume_is_exact(tmp_path, fake_root, recipe):
    common = ["--data-root", fake_root, "--batch-size", "8", "--seed", "3", "--no-progress",
              "--no-plots"] + recipe
    straight, split = str(tmp_path / "straight"), str(tmp_path / "split")
    train.main(common + ["--epochs", "2", "--out", straight])
    train.main(common + ["--epochs", "2", "--stop-after", "1", "--out", split])
    first = _params(os.path.join(split, train.LAST))
    train.main(common + ["--epochs", "2", "--out", split, "--resume"])
    a = _params(os.path.join(straight, train.LAST))
    b = _params(os.path.join(split, train.LAST))
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert any(not np.array_equal(first[k], b[k]) for k in b)   # the resumed epoch did train
    ma, mb = _metrics(straight), _metrics(split)
    assert [r["epoch"] for r in ma] == [r["epoch"] for r in mb] == [1, 2]
    for ra, rb in zip(ma, mb):
        for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
            assert ra[key] == rb[key], key
    ck = tc.load(os.path.join(split, train.LAST))
    assert int(ck["epoch"]) == 2


def test_outputs_and_summary_line(tmp_path, fake_root, capsys):
    out = str(tmp_path / "run")
    res = train.main(["--data-root", fake_root, "--epochs", "2", "--batch-size", "8",
                      "--no-progress", "--out", out, "--limit-train", "16", "--limit-test", "8"])
    printed = capsys.readouterr().out
    final = [line for line in printed.splitlines() if line.startswith("final:")]
    assert len(final) == 1 and "test accuracy" in final[0] and "wall time" in final[0]
    names = set(os.listdir(out))
    assert {"checkpoint_last.tc", "checkpoint_best.tc", "metrics.jsonl"} <= names
    assert not any(n.endswith(".tmp") for n in names)
    try:
        import matplotlib  # noqa: F401
        assert {"curves.png", "filters.png"} <= names
    except ImportError:
        assert "skipping the plots" in printed
    rows = _metrics(out)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[-1]["test_acc"] == res["test_acc"]
    best = tc.load(os.path.join(out, "checkpoint_best.tc"))
    assert float(best["best_acc"]) == max(r["test_acc"] for r in rows)
    # a model restored from the best checkpoint evaluates to the recorded accuracy
    model = train.build_model("lenet5", 1, 28)
    model.load_state_dict(best["model"])
    args = train.parse_args(["--data-root", fake_root, "--limit-test", "8"])
    _, test_set, _ = train.build_data(args)
    _, acc = train.evaluate(model, tc.utils.data.DataLoader(test_set, batch_size=8))
    assert acc == float(best["best_acc"])


def test_resume_without_checkpoint_fails(tmp_path, fake_root):
    with pytest.raises(SystemExit, match="no checkpoint"):
        train.main(["--data-root", fake_root, "--out", str(tmp_path / "none"), "--resume",
                    "--no-progress"])


def test_overfit_small_batch_reaches_100_percent(fake_root, capsys):
    acc, steps = overfit.main(["--data-root", fake_root, "--samples", "20", "--lr", "5e-3",
                               "--max-steps", "300"])
    assert acc == 1.0
    assert "OK: lenet5 reached 100.0%" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(D.DEBIAN_FASHION_MNIST),
                    reason="needs the Debian package dataset-fashion-mnist")
def test_lenet5_real_fashion_mnist_beats_80_percent(tmp_path):
    """End to end through the CLI on the real data: one epoch over 20k images, full test set."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, os.path.join(ROOT, "examples", "train.py"), "--model", "lenet5",
           "--dataset", "fashion-mnist", "--epochs", "1", "--limit-train", "20000",
           "--batch-size", "64", "--scheduler", "none", "--no-progress", "--no-plots",
           "--out", str(tmp_path / "run")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _metrics(str(tmp_path / "run"))
    assert len(rows) == 1
    assert rows[0]["test_acc"] > 0.80, proc.stdout
