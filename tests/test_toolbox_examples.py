"""Short seeded runs of examples/finetune.py and examples/encoder_decoder.py on real
Fashion-MNIST subsets (the Debian dataset package), asserting what each example claims."""
import importlib.util
import os

import numpy as np
import pytest

import tinyconv as tc

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HAVE_DATA = os.path.isdir("/usr/share/datasets/fashion-mnist")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"tinyconv_example_{name}",
                                                  os.path.join(ROOT, "examples", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST not installed")
def test_finetune_short_run(tmp_path, capsys):
    """The example's finding, on the same labels and epochs for both networks: features learnt
    on clothes (classes 0-4) do not transfer to shoes and bags (5-9), and training from
    scratch beats the fine-tuned network (frozen first conv, body at lr / 10).  Seed 0 gives
    0.62 vs 0.31; seeds 0-5 give margins of 0.15 to 0.46 (chance is 0.2)."""
    ft = _load("finetune")
    ck = str(tmp_path / "pre.tc")
    res = ft.main(["--checkpoint", ck, "--pretrain-images", "300", "--pretrain-epochs", "1",
                   "--labels", "100", "--epochs", "3", "--test-images", "200", "--seed", "0"])
    out = capsys.readouterr().out
    assert "pretrained on classes 0-4" in out and "from scratch" in out
    assert res["scratch"] > 0.4, res  # the baseline learnt the task
    assert res["scratch"] > res["finetuned"] + 0.1, res
    state = tc.load(ck)
    model = res["model"]
    # the frozen first conv is exactly the checkpoint's; the unfrozen body moved (lower lr)
    np.testing.assert_array_equal(model.features[0].weight._data,
                                  state["features.0.weight"].numpy())
    assert not model.features[0].weight.requires_grad
    assert not np.array_equal(model.features[3].weight._data,
                              state["features.3.weight"].numpy())
    assert model.classifier[4].out_features == 5


@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST not installed")
def test_encoder_decoder_short_run(capsys):
    """The denoiser helps: its output is closer to the clean test images than the noisy input
    it was given.  512 images, one epoch: seed 0 gives 0.048 vs 0.090; seeds 0-3 give ratios
    of 0.41 to 0.58."""
    ed = _load("encoder_decoder")
    res = ed.main(["--train-images", "512", "--test-images", "64", "--epochs", "1",
                   "--batch-size", "32", "--seed", "0"])
    assert res["mse_model"] < 0.75 * res["mse_noisy"], res
    assert "test MSE" in capsys.readouterr().out
    y = res["model"](tc.randn(2, 1, 12, 16))
    assert y.shape == (2, 1, 12, 16)
