"""Testing tools: the op registry and the driver that compares an op with PyTorch.

``tinyconv.testing.opinfo`` holds one ``OpInfo`` per public op (samples over its option grid,
the torch twin through a call valid in both libraries, bad-argument cases, dtypes, tolerance
overrides); ``tinyconv.testing.compare`` runs a sample in tinyconv and torch and compares
outputs, buffers, gradients and dtypes.  tests/, the fuzz test and ``python -m
tinyconv.parity`` read both.  torch is imported only inside the functions that run it, so
``import tinyconv.testing`` works without torch.
"""
from .compare import (TOL, Report, assert_against_torch, assert_close, check_against_torch,
                      check_double_backward, check_refusal, check_saved_versions, gradcheck,
                      gradgradcheck, to_numpy)
from .opinfo import (OPS, BadArg, OpInfo, Sample, bad_args, missing_entries, op, public_ops,
                     samples)

__all__ = ["OPS", "OpInfo", "Sample", "BadArg", "op", "samples", "bad_args", "public_ops",
           "missing_entries", "check_against_torch", "assert_against_torch", "gradcheck",
           "check_double_backward", "gradgradcheck", "check_refusal", "check_saved_versions",
           "assert_close", "to_numpy",
           "Report", "TOL"]
