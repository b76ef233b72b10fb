"""The parity table: regenerated against torch, within bounds, and the committed copy not stale."""
import json
import os

import pytest

pytest.importorskip("torch")

from tinyconv import parity  # noqa: E402

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("parity")
    res = parity.run()
    parity.write(res, str(out))
    return res, out


def test_every_public_op_is_covered(result):
    res, _ = result
    missing = set(parity.public_ops()) - set(res["ops"])
    assert not missing, f"public functions without a parity case: {sorted(missing)}"


def test_errors_within_bounds(result):
    res, _ = result
    assert parity.failures(res) == []
    for op, per in res["ops"].items():
        assert set(per) == {"float64", "float32"}, op
        for dt, bound in (("float64", 1e-8), ("float32", 1e-4)):
            ent = per[dt]
            assert ent["cases"] >= 1
            assert ent["forward"]["rel"] < bound, (op, dt)
            assert all(g["rel"] < bound for g in ent["grad"].values()), (op, dt, ent["grad"])


def test_committed_table_lists_the_same_ops(result):
    res, out = result
    with open(os.path.join(DOCS, "parity.md")) as f:
        committed = parity.ops_in_markdown(f.read())
    with open(os.path.join(out, "parity.md")) as f:
        fresh = parity.ops_in_markdown(f.read())
    assert fresh == set(res["ops"])
    assert committed == fresh, (f"docs/parity.md is stale: missing {sorted(fresh - committed)}, "
                                f"extra {sorted(committed - fresh)}; run python -m tinyconv.parity")
    with open(os.path.join(DOCS, "parity.json")) as f:
        assert set(json.load(f)["ops"]) == fresh


def test_a_wrong_op_is_caught():
    """The harness itself can fail: a deliberately wrong result is reported."""
    case = parity.Case("relu", "wrong on purpose", [("input", parity._normal(3, 4), True)],
                       lambda M, F, x: F.relu(x) * 1.001 if M.__name__ == "tinyconv" else F.relu(x))
    res = parity.run([case], dtypes=("float64",))
    bad = parity.failures(res)
    assert bad and bad[0][:3] == ("relu", "float64", "forward")
