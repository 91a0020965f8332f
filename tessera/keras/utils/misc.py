"""Seeds, session reset and model plotting."""
import random

import numpy as np

__all__ = ["set_random_seed", "clear_session", "plot_model", "model_to_dot"]


def set_random_seed(seed):
    """Seeds Python, NumPy and Tessera, so a program gives the same weights and the same
    training run after run, as `keras.utils.set_random_seed`."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r} "
                         f"(of type {type(seed).__name__})")
    import tessera as ts
    random.seed(int(seed))
    np.random.seed(int(seed))
    ts.random.set_seed(int(seed))


def clear_session(free_memory=True):
    """Resets layer naming and frees memory (as `keras.backend.clear_session`)."""
    from ..backend import clear_session as _cs
    _cs(free_memory)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """Returns a `pydot.Dot` drawing of the model (needs pydot and graphviz)."""
    try:
        import pydot
    except ImportError:
        raise ImportError("You must install pydot (`pip install pydot`) and graphviz "
                          "(https://graphviz.gitlab.io/download/) for `plot_model` to work.") from None
    dot = pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("dpi", dpi)
    layers = model.layers if hasattr(model, "layers") else []
    ids = {}
    for layer in getattr(model, "_operations", layers):
        label = layer.name if show_layer_names else type(layer).__name__
        if show_layer_names:
            label = f"{layer.name} ({type(layer).__name__})"
        ids[id(layer)] = str(id(layer))
        dot.add_node(pydot.Node(str(id(layer)), label=label, shape="record"))
    for node in getattr(model, "_nodes", []):
        for t in node.arguments:
            src = t._keras_history[0]
            if id(src) in ids and id(node.operation) in ids:
                dot.add_edge(pydot.Edge(ids[id(src)], ids[id(node.operation)]))
    if not getattr(model, "_nodes", None):
        prev = None
        for layer in layers:
            if prev is not None:
                dot.add_edge(pydot.Edge(ids[id(prev)], ids[id(layer)]))
            prev = layer
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws the model's graph to an image file (needs pydot and graphviz, else a clear error)."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi)
    ext = to_file.rsplit(".", 1)[-1] if "." in to_file else "png"
    try:
        dot.write(to_file, format=ext)
    except (OSError, FileNotFoundError) as e:
        raise ImportError(f"plot_model needs the graphviz program `dot` on the PATH: {e}. "
                          "Install graphviz (e.g. `apt-get install graphviz`).") from None
    return None
