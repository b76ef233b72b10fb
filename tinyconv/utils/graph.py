"""``draw_graph``: a picture of the graph autograd recorded (in the spirit of torchviz).

The graph is read through the tensors' public face: a tensor's ``grad_fn`` is a node with
``name()`` and ``next`` (per forward input: the node that produced it, the leaf tensor that
accumulates its gradient, or None); torch's ``next_functions`` is read when a node has no
``next``.  The result is Graphviz DOT text, always; it renders to SVG or PNG with the ``dot``
program when Graphviz is installed, and otherwise with matplotlib on a simple layered layout.
"""
import importlib.util
import io
import os
import shutil
import subprocess

__all__ = ["GraphDrawing", "draw_graph"]

_LEAF_COLOR = "lightblue"
_OUTPUT_COLOR = "darkolivegreen1"
_OP_COLOR = "lightgrey"


class GraphDrawing:
    """A recorded graph, ready to print as DOT or to render as a picture.

    Attributes:
        nodes: ``(id, label, kind)`` per node, kind ``"leaf"``, ``"op"`` or ``"output"``, in
            the order they were reached from the outputs.
        edges: ``(src, dst)`` node ids, pointing the way the forward pass ran (input to op).
        source: the Graphviz DOT text.
    """

    def __init__(self, nodes, edges):
        self.nodes = nodes
        self.edges = edges
        self.source = _to_dot(nodes, edges)

    def __str__(self):
        return self.source

    def __repr__(self):
        n_ops = sum(1 for _, _, kind in self.nodes if kind == "op")
        return f"GraphDrawing({n_ops} ops, {len(self.nodes)} nodes, {len(self.edges)} edges)"

    def pipe(self, format="svg", engine=None):
        """The picture as bytes.

        Args:
            format: ``"svg"`` or ``"png"`` (``"dot"`` gives the DOT text as bytes).
            engine: ``"dot"`` (the Graphviz program), ``"matplotlib"`` (a layered layout
                drawn by matplotlib), or None for ``"dot"`` when it is installed, matplotlib
                otherwise.

        Returns:
            bytes: the encoded picture.
        """
        if format not in ("svg", "png", "dot"):
            raise ValueError(f"draw_graph: format must be 'svg', 'png' or 'dot', got {format!r}")
        if format == "dot":
            return self.source.encode()
        engine = _choose_engine(engine)
        if engine == "dot":
            run = subprocess.run(["dot", f"-T{format}"], input=self.source.encode(),
                                 capture_output=True, check=False)
            if run.returncode != 0:
                raise RuntimeError(f"draw_graph: dot failed: {run.stderr.decode().strip()}")
            return run.stdout
        return _matplotlib_bytes(self.nodes, self.edges, format)

    def render(self, path, engine=None):
        """Write the graph to ``path``; its extension (.dot/.gv, .svg, .png) picks the format.

        Args:
            path: the file to write.
            engine: as for ``pipe``.

        Returns:
            str: ``path``.
        """
        ext = os.path.splitext(str(path))[1].lower()
        formats = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}
        if ext not in formats:
            raise ValueError(
                f"draw_graph: cannot tell the format of {path!r}: use .dot, .gv, .svg or .png")
        data = self.pipe(formats[ext], engine=engine)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self):
        """SVG for notebooks (None, so they fall back to text, when nothing can render it)."""
        if shutil.which("dot") is None and not _has_matplotlib():
            return None
        return self.pipe("svg").decode()


def draw_graph(tensor, params=None, show_dtype=False):
    """Draw the graph that autograd recorded for ``tensor`` (torchviz's ``make_dot``).

    Leaves (inputs and parameters) are blue, ops grey (named by their backward node, as
    ``grad_fn`` prints), outputs green; edges point from each input to the op that used it.

    Args:
        tensor: a Tensor, or a sequence of Tensors, whose graph to draw.
        params: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to label
            leaves by name.
        show_dtype: add each tensor's dtype to its label.

    Returns:
        GraphDrawing: ``.source`` is the DOT text; ``.render("graph.png")`` draws it.

    Examples:
        >>> import tinyconv as tc
        >>> w = tc.ones(3, requires_grad=True)
        >>> y = (w * 2).sum()
        >>> g = tc.utils.draw_graph(y, params={"w": w})
        >>> [label for _, label, _ in g.nodes]
        ['()', 'SumBackward0', 'MulBackward0', 'w\\n(3,)']
        >>> print(g.source.splitlines()[0])
        digraph {
    """
    outputs = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    for t in outputs:
        if not hasattr(t, "grad_fn"):
            raise TypeError(f"draw_graph: expected Tensors, got {type(t).__name__}")
    names = {id(t): n for n, t in (params or {}).items()}
    ids = {}
    nodes, edges = [], []

    def describe(t):
        label = f"{tuple(t.shape)}"
        if show_dtype:
            label += f"\n{t.dtype}"
        name = names.get(id(t))
        return f"{name}\n{label}" if name else label

    def node_id(obj, label, kind):
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            nodes.append((ids[key], label, kind))
            return ids[key], True
        return ids[key], False

    stack = []
    for t in outputs:
        out_id, _ = node_id(t, describe(t), "leaf" if t.grad_fn is None else "output")
        if t.grad_fn is not None:
            fn_id, new = node_id(t.grad_fn, t.grad_fn.name(), "op")
            edges.append((fn_id, out_id))
            if new:
                stack.append(t.grad_fn)
    # iterative walk (a deep chain must not hit the recursion limit); outputs first
    order = []
    while stack:
        fn = stack.pop(0)
        order.append(fn)
        for src in _inputs(fn):
            if src is None:
                continue
            if hasattr(src, "grad_fn"):  # a leaf tensor
                src_id, _ = node_id(src, describe(src), "leaf")
            else:
                src_id, new = node_id(src, src.name(), "op")
                if new:
                    stack.append(src)
            edges.append((src_id, ids[id(fn)]))
    return GraphDrawing(nodes, edges)


def _inputs(fn):
    """Per forward input of node ``fn``: the producing node, a leaf tensor, or None."""
    nxt = getattr(fn, "next", None)
    if nxt is not None:
        return list(nxt)
    out = []
    for entry in getattr(fn, "next_functions", ()):
        src = entry[0] if isinstance(entry, tuple) else entry
        out.append(getattr(src, "variable", src))  # torch's AccumulateGrad holds the leaf
    return out


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _to_dot(nodes, edges):
    colors = {"leaf": _LEAF_COLOR, "op": _OP_COLOR, "output": _OUTPUT_COLOR}
    lines = ["digraph {",
             '  graph [size="12,12"];',
             '  node [shape=box, style="filled", fontname="monospace", fontsize=10];']
    for nid, label, kind in nodes:
        lines.append(f"  {nid} [label={_quote(label)}, fillcolor={colors[kind]}];")
    for src, dst in edges:
        lines.append(f"  {src} -> {dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _choose_engine(engine):
    if engine is None:
        return "dot" if shutil.which("dot") is not None else "matplotlib"
    if engine == "dot" and shutil.which("dot") is None:
        raise RuntimeError("draw_graph: the Graphviz program 'dot' is not installed "
                           "(apt-get install graphviz), use engine='matplotlib'")
    if engine not in ("dot", "matplotlib"):
        raise ValueError(f"draw_graph: engine must be 'dot' or 'matplotlib', got {engine!r}")
    return engine


def _has_matplotlib():
    return importlib.util.find_spec("matplotlib") is not None


def _layers(nodes, edges):
    """Row of each node (every edge points down a row or more) and its x position in (0, 1)."""
    preds = {nid: [] for nid, _, _ in nodes}
    succs = {nid: [] for nid, _, _ in nodes}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
    # Kahn's order over the DAG, then longest path from the sources
    indeg = {n: len(p) for n, p in preds.items()}
    ready = [n for n, _, _ in nodes if indeg[n] == 0]
    depth = dict.fromkeys(ready, 0)
    while ready:
        n = ready.pop()
        for d in succs[n]:
            depth[d] = max(depth.get(d, 0), depth[n] + 1)
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    # a leaf sits just above the op that uses it, not in the top row
    for n, p in preds.items():
        if not p and succs[n]:
            depth[n] = min(depth[d] for d in succs[n]) - 1
    rows = {}
    for nid, _, _ in nodes:
        rows.setdefault(depth[nid], []).append(nid)
    pos = {}

    def place(order, neighbours):
        # barycentre ordering of each row from its neighbours' positions (Sugiyama's sweep)
        for r in order:
            def bary(n):
                p = [pos[m] for m in neighbours[n] if m in pos]
                return sum(p) / len(p) if p else pos.get(n, 0.5)
            rows[r].sort(key=bary)
            for i, n in enumerate(rows[r]):
                pos[n] = (i + 0.5) / len(rows[r])

    place(sorted(rows), preds)
    place(sorted(rows, reverse=True), succs)
    place(sorted(rows), preds)
    return rows, pos, depth


def _matplotlib_bytes(nodes, edges, format):
    # a bare Figure (no pyplot): draws off-screen without touching the user's backend
    from matplotlib.figure import Figure

    colors = {"leaf": "#add8e6", "op": "#d3d3d3", "output": "#caff70"}
    rows, pos, depth = _layers(nodes, edges)
    width = max(len(r) for r in rows.values())
    n_rows = max(depth.values()) + 1
    fig = Figure(figsize=(max(3.0, 2.2 * width), max(2.0, 1.1 * n_rows)))
    ax = fig.subplots()
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.5, n_rows - 0.5)
    ax.axis("off")
    xy = {nid: (pos[nid], n_rows - 1 - depth[nid]) for nid, _, _ in nodes}
    for s, d in edges:
        ax.annotate("", xy=xy[d], xytext=xy[s],
                    arrowprops=dict(arrowstyle="->", color="0.3", shrinkA=14, shrinkB=14))
    for nid, label, kind in nodes:
        ax.text(*xy[nid], label, ha="center", va="center", family="monospace", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.3", fc=colors[kind], ec="0.2"))
    buf = io.BytesIO()
    fig.savefig(buf, format=format, bbox_inches="tight", dpi=120)
    return buf.getvalue()
