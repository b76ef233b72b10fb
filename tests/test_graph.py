"""tc.utils.draw_graph: DOT text of the recorded graph, and pictures from dot or matplotlib."""
import shutil

import numpy as np
import pytest

import tinyconv as tc
import tinyconv.nn as nn
import tinyconv.nn.functional as F
from tinyconv.utils.graph import draw_graph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def small_net_loss():
    tc.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    loss = F.cross_entropy(model(tc.randn(2, 1, 6, 6)), tc.tensor([0, 2]))
    return model, loss


def test_nodes_and_edges_follow_the_graph():
    model, loss = small_net_loss()
    g = draw_graph(loss, params=dict(model.named_parameters()))
    labels = {nid: label for nid, label, _ in g.nodes}
    kinds = {label: kind for _, label, kind in g.nodes}
    assert kinds["NllLossBackward0"] == "op"
    assert kinds["0.weight\n(2, 1, 3, 3)"] == "leaf"
    assert kinds["()"] == "output"
    edges = {(labels[s], labels[d]) for s, d in g.edges}
    assert ("0.weight\n(2, 1, 3, 3)", "ConvolutionBackward0") in edges
    assert ("ConvolutionBackward0", "ReluBackward0") in edges
    assert ("NllLossBackward0", "()") in edges
    # four parameters, every op once; the input x needs no grad and is not drawn
    assert sum(k == "leaf" for _, _, k in g.nodes) == 4
    assert len(g.nodes) == len({label for _, label, _ in g.nodes})
    for nid, _, _ in g.nodes:
        assert f"  {nid} [label=" in g.source
    for s, d in g.edges:
        assert f"  {s} -> {d};" in g.source
    assert g.source.startswith("digraph {") and g.source.rstrip().endswith("}")


def test_shared_input_is_one_node_with_two_edges():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    g = draw_graph(y, params={"x": x})
    (xid,) = [nid for nid, label, _ in g.nodes if label.startswith("x\n")]
    assert [s for s, _ in g.edges].count(xid) == 2


def test_deep_chain_does_not_recurse():
    x = tc.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    g = draw_graph(y)
    assert len(g.nodes) == 5002 and len(g.edges) == 5001


def test_several_outputs_and_a_leaf_output():
    a = tc.ones(2, requires_grad=True)
    b = a * 2
    g = draw_graph([b, a], params={"a": a})
    assert [k for _, _, k in g.nodes].count("output") == 1
    assert len([1 for _, label, _ in g.nodes if label.startswith("a\n")]) == 1


def test_dtype_labels_and_quoting():
    x = tc.ones(2, dtype=tc.float64, requires_grad=True)
    g = draw_graph(x.exp().sum(), params={'my "x"': x}, show_dtype=True)
    assert 'label="my \\"x\\"\\n(2,)\\nfloat64"' in g.source


def test_reads_torch_style_next_functions():
    class Acc:  # torch's AccumulateGrad holds the leaf in .variable
        def __init__(self, variable):
            self.variable = variable

    class TorchLikeNode:
        def __init__(self, name, next_functions):
            self._name, self.next_functions = name, next_functions

        def name(self):
            return self._name

    leaf = tc.ones(3, requires_grad=True)
    inner = TorchLikeNode("MulBackward0", ((Acc(leaf), 0), (None, 0)))
    out = tc.ones(1)
    out.grad_fn = TorchLikeNode("SumBackward0", ((inner, 0),))
    g = draw_graph(out, params={"w": leaf})
    assert [label for _, label, _ in g.nodes] == ["(1,)", "SumBackward0", "MulBackward0",
                                                 "w\n(3,)"]
    assert len(g.edges) == 3


def _png_is_a_picture(data):
    import io

    import matplotlib.image as mpimg
    assert data[:8] == PNG_MAGIC
    img = mpimg.imread(io.BytesIO(data), format="png")
    assert img.shape[0] > 50 and img.shape[1] > 50
    assert float(np.std(img[..., :3])) > 0.05  # boxes, text and arrows, not a blank page


def test_matplotlib_picture(tmp_path):
    pytest.importorskip("matplotlib")
    _, loss = small_net_loss()
    path = draw_graph(loss).render(tmp_path / "g.png", engine="matplotlib")
    _png_is_a_picture(path.read_bytes())
    svg = draw_graph(loss).pipe("svg", engine="matplotlib")
    assert b"<svg" in svg


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_picture(tmp_path):
    _, loss = small_net_loss()
    g = draw_graph(loss)
    _png_is_a_picture(g.pipe("png", engine="dot"))
    svg = g._repr_svg_()
    assert "<svg" in svg and "ConvolutionBackward0" in svg
    assert g.render(tmp_path / "g.gv").read_text() == g.source


def test_errors(tmp_path):
    _, loss = small_net_loss()
    g = draw_graph(loss)
    with pytest.raises(ValueError, match="cannot tell the format"):
        g.render(tmp_path / "g.jpg")
    with pytest.raises(ValueError, match="engine must be"):
        g.pipe("png", engine="neato")
    with pytest.raises(ValueError, match="format must be"):
        g.pipe("pdf")
    with pytest.raises(TypeError, match="expected Tensors"):
        draw_graph(np.ones(3))
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            g.pipe("png", engine="dot")


def test_exported_as_torch_users_look_for_it():
    assert tc.utils.draw_graph is draw_graph
    assert "GraphDrawing(" in repr(draw_graph(tc.ones(1, requires_grad=True) * 2))
