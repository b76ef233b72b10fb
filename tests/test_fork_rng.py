"""tinyconv.random (torch.random): fork_rng restores the package's random stream, its seed and
NumPy's global state on exit, as torch's does for its CPU generator; the other names are the
package's own."""
import numpy as np
import pytest
import torch

import tinyconv as tc


def _program(M, enabled=True):
    """Draws around a forked block that reseeds and draws: (before, inside, after, seed)."""
    M.manual_seed(5)
    before = M.rand(3).tolist()
    with M.random.fork_rng(enabled=enabled):
        M.manual_seed(7)
        inside = M.rand(2).tolist()
        M.rand(4)
    return before, inside, M.rand(3).tolist(), M.initial_seed()


@pytest.mark.parametrize("enabled", [True, False])
def test_fork_rng_restores_the_stream_as_torchs(enabled):
    for M in (torch, tc):
        before, inside, after, seed = _program(M, enabled)
        M.manual_seed(5)
        M.rand(3)
        unforked = M.rand(3).tolist()
        M.manual_seed(7)
        assert inside == M.rand(2).tolist()
        if enabled:  # as if the block had not run
            assert after == unforked and seed == 5
        else:
            assert after != unforked and seed == 7


def test_fork_rng_restores_on_an_exception_and_numpys_global_state():
    tc.manual_seed(1)
    want_np = np.random.get_state()[1].copy()
    state = tc.get_rng_state()
    with pytest.raises(ValueError):
        with tc.random.fork_rng():
            tc.manual_seed(2)
            np.random.rand(3)
            raise ValueError("inside")
    assert tc.get_rng_state() == state and tc.initial_seed() == 1
    np.testing.assert_array_equal(np.random.get_state()[1], want_np)


def test_fork_rng_as_a_decorator_repeats_the_draws():
    results = []
    for M in (torch, tc):
        M.manual_seed(3)

        @M.random.fork_rng()
        def draw(M=M):
            return M.rand(2).tolist()
        results.append(draw() == draw())
    assert results == [True, True]


def test_fork_rng_devices():
    with tc.random.fork_rng(devices=[]):
        tc.rand(1)
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        with tc.random.fork_rng(devices=[0]):
            pass
    with pytest.raises(AssertionError, match="not compiled with CUDA"):  # torch CPU-only too
        with torch.random.fork_rng(devices=[0]):
            pass


def test_torch_random_names():
    for name in ("fork_rng", "get_rng_state", "set_rng_state", "manual_seed", "initial_seed"):
        assert hasattr(torch.random, name) and callable(getattr(tc.random, name))
    assert tc.random.manual_seed is tc.manual_seed
