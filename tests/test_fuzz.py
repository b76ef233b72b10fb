"""Fuzz the public functions with random junk in a subprocess: only clean Python exceptions.

The worker calls the public object of every entry of the op registry
(``tinyconv.testing.OPS``: every public function of ``tinyconv.nn.functional``, the Tensor
methods and the top-level tensor functions), plus ``Tensor.backward``, with arguments mixing
plausible values and junk (wrong types, wrong ranks, empty and
non-contiguous arrays, huge/negative/NaN/inf numbers, integer and bool tensors).  Allowed
outcomes: a result, or ValueError/TypeError/RuntimeError/IndexError/NotImplementedError.
Anything else (another exception type, a call that runs > 10 s, a crash of the process) is a
finding.  Inputs per function: TINYCONV_FUZZ_N (default 60).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKER = r'''
import inspect, json, math, os, resource, signal, sys, warnings
import numpy as np
import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv.testing import OPS

warnings.simplefilter("ignore")
# huge sizes must fail as MemoryError/RuntimeError, not swap the machine
_hard = resource.getrlimit(resource.RLIMIT_AS)[1]
_soft = 6 * 2**30 if _hard == resource.RLIM_INFINITY else min(6 * 2**30, _hard)
resource.setrlimit(resource.RLIMIT_AS, (_soft, _hard))
N = int(os.environ.get("TINYCONV_FUZZ_N", "60"))
rng = np.random.default_rng(int(os.environ.get("TINYCONV_FUZZ_SEED", "0")))
CLEAN = (ValueError, TypeError, RuntimeError, IndexError, NotImplementedError)


class Hang(BaseException):
    pass


def _alarm(sig, frame):
    raise Hang()


signal.signal(signal.SIGALRM, _alarm)


def rand_array(plausible=False):
    nd = int(rng.integers(2, 5)) if plausible else int(rng.integers(0, 6))
    shape = tuple(int(rng.integers(1 if plausible else 0, 7)) for _ in range(nd))
    kind = "f" if plausible else rng.choice(["f", "f", "d", "i", "b", "special"])
    a = rng.standard_normal(shape)
    if kind == "f":
        a = a.astype(np.float32)
    elif kind == "i":
        a = rng.integers(-3, 10, shape)
    elif kind == "b":
        a = a > 0
    elif kind == "special" and a.size:
        a.reshape(-1)[rng.integers(0, a.size, 3)] = rng.choice([np.nan, np.inf, -np.inf, 1e308])
    if not plausible and a.ndim >= 2 and rng.random() < 0.3:
        a = np.swapaxes(a, 0, 1)  # non-contiguous
    if not plausible and a.ndim >= 1 and a.shape[-1] > 1 and rng.random() < 0.2:
        a = a[..., ::2]  # strided view
    return a


def junk():
    r = rng.integers(0, 16)
    if r == 0:
        return None
    if r == 1:
        return str(rng.choice(["", "same", "mean", "bilinear", "x", "none"]))
    if r == 2:
        return int(rng.choice([0, -1, -7, 1, 2, 3, 10**9, 2**63 - 1, -(2**62)]))
    if r == 3:
        return float(rng.choice([math.nan, math.inf, -math.inf, -0.5, 0.0, 1e300, 0.5, 2.5]))
    if r == 4:
        return tuple(int(v) for v in rng.integers(-3, 6, int(rng.integers(0, 5))))
    if r == 5:
        return [1.5, "a"]
    if r == 6:
        return bool(rng.integers(0, 2))
    if r == 7:
        return rand_array()  # a raw ndarray, not a Tensor
    if r == 8:
        return object()
    if r == 9:
        return (2, math.nan)
    return tc.tensor(rand_array())


def plausible(name, fn_name):
    if name == "tensors":
        return [tc.tensor(rand_array(plausible=True)) for _ in range(int(rng.integers(1, 4)))]
    if name in ("input", "weight", "target", "other", "indices", "running_mean", "running_var",
                "bias", "pos_weight", "condition"):
        if name == "target" and rng.random() < 0.5:
            return tc.tensor(rng.integers(0, 3, int(rng.integers(1, 5))))
        return tc.tensor(rand_array(plausible=True))
    return "__default__"


def call(fn_name, fn):
    sig = inspect.signature(fn)
    args, kwargs = [], {}
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:  # reshape(*shape), permute(*dims) ...
            args += [int(rng.integers(-2, 6)) if rng.random() < 0.7 else junk()
                     for _ in range(int(rng.integers(0, 4)))]
            continue
        if p.kind == p.VAR_KEYWORD or p.name.startswith("_"):
            continue
        v = plausible(p.name, fn_name) if rng.random() < 0.6 else junk()
        if p.name == "self" or (fn_name.startswith("Tensor.") and p.name == "input"):
            v = tc.tensor(rand_array())  # a method always has a Tensor self
        if isinstance(v, str) and v == "__default__":
            if p.default is p.empty:
                v = int(rng.integers(1, 4)) if rng.random() < 0.7 else junk()
            else:
                continue
        if p.default is p.empty:
            args.append(v)
        else:
            kwargs[p.name] = v
    return args, kwargs


def describe(v):
    if isinstance(v, tc.Tensor):
        return f"Tensor{v.shape}:{v.dtype}"
    if isinstance(v, np.ndarray):
        return f"ndarray{v.shape}:{v.dtype}"
    return repr(v)[:40]


def shown(args, kwargs):
    return f"{[describe(a) for a in args]} {dict((k, describe(v)) for k, v in kwargs.items())}"


fns = {op.name: op.public() for op in OPS if callable(op.public())}  # not Tensor.T (a property)
fns["Tensor.__add__"] = lambda input, other: input + other  # the operator, not only .add
fns["Tensor.backward"] = lambda input, gradient=None: input.backward(gradient)  # not an op
stats = {"inputs": 0, "returned": 0, "clean": {}, "memory": 0, "bad": []}
for name, fn in fns.items():
    for _ in range(N):
        args, kwargs = call(name, fn)
        stats["inputs"] += 1
        signal.alarm(10)
        try:
            out = fn(*args, **kwargs)
            outs = out if isinstance(out, tuple) else (out,)
            # allclose/equal answer with a Python bool, as torch's
            if not all(isinstance(o, (tc.Tensor, bool)) for o in outs):
                raise AssertionError(f"returned {type(out).__name__}")
            stats["returned"] += 1
        except CLEAN as e:
            k = type(e).__name__
            stats["clean"][k] = stats["clean"].get(k, 0) + 1
        except MemoryError:
            stats["memory"] += 1
        except Hang:
            stats["bad"].append(f"{name}: hang (>10 s) with {shown(args, kwargs)}")
        except BaseException as e:
            stats["bad"].append(f"{name}: {type(e).__name__}: {str(e)[:120]} with "
                                f"{shown(args, kwargs)}")
        finally:
            signal.alarm(0)
print(json.dumps(stats))
'''


def run_worker(n=None, seed=0):
    env = dict(os.environ, TINYCONV_FUZZ_SEED=str(seed))
    if n is not None:
        env["TINYCONV_FUZZ_N"] = str(n)
    out = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, (f"fuzz worker died (rc {out.returncode}, a negative rc is a "
                                 f"signal such as SIGSEGV): {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fuzz_public_functions_only_raise_clean_errors():
    stats = run_worker()
    print(f"fuzz: {stats['inputs']} inputs, {stats['returned']} returned, clean errors "
          f"{stats['clean']}, MemoryError {stats['memory']}, findings {len(stats['bad'])}")
    assert stats["inputs"] >= 1000
    assert stats["returned"] > 50 and sum(stats["clean"].values()) > 500  # both paths exercised
    assert stats["bad"] == [], "\n".join(stats["bad"][:30])
