"""The parity table: it covers every registry op within parity.BOUNDS, the committed copy is not
stale, and the harness reports a wrong op.

The full table runs every registry sample in both dtypes, which tests/test_ops.py already does
at tighter tolerances; here the first sample of each op goes through parity.run (the
aggregation, the bounds and the Markdown/JSON writers).
"""
import json
import os

import pytest

pytest.importorskip("torch")

from tinyconv import parity, testing  # noqa: E402
from tinyconv.testing.opinfo import OpInfo, Sample, x  # noqa: E402

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def _first_samples():
    """Every registry op with only its first sample (a cheap, complete table)."""
    return [OpInfo(o.name, lambda o=o: [o.samples()[0].copy()], o.family, dtypes=o.dtypes)
            for o in testing.OPS]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("parity")
    res = parity.run(_first_samples())
    parity.write(res, str(out))
    return res, out


def test_every_public_op_is_covered(result):
    res, _ = result
    missing = set(parity.public_ops()) - set(res["ops"])
    assert not missing, f"public functions without a parity case: {sorted(missing)}"
    assert set(res["ops"]) == {o.name for o in testing.OPS}


def test_errors_within_bounds(result):
    res, _ = result
    assert res["bounds_rel"] == parity.BOUNDS
    assert parity.failures(res) == []
    for op, per in res["ops"].items():
        assert set(per) == set(parity.DTYPES), op
        for dt, bound in parity.BOUNDS.items():
            ent = per[dt]
            assert ent["cases"] == 1
            assert ent["forward"]["rel"] < bound, (op, dt)
            assert all(g["rel"] < bound for g in ent["grad"].values()), (op, dt, ent["grad"])


def test_committed_table_lists_the_registry_ops(result):
    _, out = result
    registry = {o.name for o in testing.OPS}
    with open(os.path.join(DOCS, "parity.md")) as f:
        committed = parity.ops_in_markdown(f.read())
    with open(os.path.join(out, "parity.md")) as f:
        assert parity.ops_in_markdown(f.read()) == registry
    assert committed == registry, (f"docs/parity.md is stale: missing "
                                   f"{sorted(registry - committed)}, extra "
                                   f"{sorted(committed - registry)}; run python -m tinyconv.parity")
    with open(os.path.join(DOCS, "parity.json")) as f:
        committed_json = json.load(f)
    assert set(committed_json["ops"]) == registry
    assert committed_json["cases"] == len(testing.samples())
    assert committed_json["bounds_rel"] == parity.BOUNDS


def _relu_entry(fn, tol=None):
    return OpInfo("relu", lambda: [Sample([x(3, 4, away=1e-2)], "wrong on purpose", fn, tol)],
                  "activation")


@pytest.mark.parametrize("wrong,what", [
    (lambda F, t: F.relu(t) * 1.001, "forward"),
    (lambda F, t: F.relu(t * 1.001) / 1.001 + (t - t.detach()) * 0.001, "grad input"),
])
def test_a_wrong_op_is_caught(wrong, what):
    """The harness itself can fail: a result wrong in tinyconv only (the call is told which
    library it runs in) is reported above the bound."""
    entry = _relu_entry(lambda M, F, t: wrong(F, t) if M.__name__ == "tinyconv" else F.relu(t))
    bad = parity.failures(parity.run([entry], dtypes=("float64",)))
    assert all(b[:2] == ("relu", "float64") and b[3] > 1e-4 for b in bad), bad
    assert f"{what} in 'wrong on purpose' (bound 1e-08)" in [b[2] for b in bad], bad
    right = _relu_entry(lambda M, F, t: F.relu(t))
    assert parity.failures(parity.run([right], dtypes=("float64",))) == []


def test_a_sample_is_judged_by_its_own_wider_tolerance():
    """An ill-conditioned sample's registry tolerance widens its bound, and only its own."""
    def off(M, F, t):
        return F.relu(t) * 1.001 if M.__name__ == "tinyconv" else F.relu(t)

    wide = _relu_entry(off, tol={"float64": 1e-2})
    assert parity.failures(parity.run([wide], dtypes=("float64",))) == []
    narrow = _relu_entry(off, tol={"float64": 1e-4})
    assert parity.failures(parity.run([narrow], dtypes=("float64",)))


def test_an_op_that_raises_is_a_failure_not_an_error():
    def boom(M, F, t):
        raise RuntimeError("kernel exploded")

    bad = parity.failures(parity.run([_relu_entry(boom)], dtypes=("float64",)))
    assert any("kernel exploded" in what for _, _, what, _ in bad), bad
