"""`model.summary()`: the table of layers, output shapes and parameter counts Keras prints."""
import numpy as np

__all__ = ["print_summary", "count_params"]


def count_params(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _fmt_shape(layer):
    try:
        out = layer.output
    except (AttributeError, IndexError, ValueError):
        return "?"
    if out is None:
        return "?"
    if isinstance(out, (list, tuple)):
        return ", ".join(str(tuple(o.shape)).replace(",)", ")") if len(o.shape) != 1 else
                         str(tuple(o.shape)) for o in out)
    return str(tuple(out.shape)) if len(out.shape) == 1 else str(tuple(out.shape)).replace(",)", ")")


def _fmt_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    """Prints `model`'s summary: one row per layer with its output shape and parameters."""
    print_fn = print_fn or (lambda s, **kw: print(s))
    functional = getattr(model, "_functional", None) or model
    layers = [l for l in getattr(functional, "_operations", model.layers)
              if type(l).__name__ != "InputLayer" or functional is model]
    is_graph = hasattr(functional, "_nodes")
    line_length = line_length or (98 if is_graph and len(getattr(functional, "_inputs", [])) > 1 else 80)
    cols = ["Layer (type)", "Output Shape", "Param #"]
    if is_graph and len(getattr(functional, "_inputs", [])) > 1:
        cols.append("Connected to")
    if show_trainable:
        cols.append("Trainable")
    widths = [int(line_length * p) for p in ((0.3, 0.22, 0.12, 0.36) if len(cols) > 3
                                             else (0.42, 0.32, 0.26))][:len(cols)]
    if show_trainable:
        widths = [int(w * 0.9) for w in widths[:-1]] + [0]
    widths[-1] = line_length - sum(widths[:-1]) - len(cols) - 1
    right = [c == "Param #" for c in cols]

    def row(vals, left="│", mid="│", end="│"):
        cells = []
        for v, w, r in zip(vals, widths, right):
            v = str(v)
            v = v if len(v) <= w - 2 else v[:w - 3] + "…"
            cells.append(" " + (v.rjust(w - 2) if r else v.ljust(w - 2)) + " ")
        return left + mid.join(cells) + end

    def rule(left, mid, end, ch):
        return left + mid.join(ch * w for w in widths) + end

    print_fn(f'Model: "{model.name}"')
    print_fn(rule("┏", "┳", "┓", "━"))
    print_fn(row(cols, "┃", "┃", "┃"))
    print_fn(rule("┡", "╇", "┩", "━"))
    for i, layer in enumerate(layers):
        built = getattr(layer, "built", True)
        params = count_params(getattr(layer, "weights", [])) if built else 0
        vals = [f"{layer.name} ({type(layer).__name__})", _fmt_shape(layer) if model.built else "?",
                f"{params:,}" if built else "0 (unbuilt)"]
        if "Connected to" in cols:
            srcs = []
            for n in getattr(layer, "_inbound_nodes", [])[:1]:
                for t in n.arguments:
                    h = t._keras_history
                    srcs.append(f"{h[0].name}[{h[1]}][{h[2]}]")
            vals.append(", ".join(srcs) or "-")
        if show_trainable:
            vals.append("Y" if layer.trainable else "N")
        print_fn(row(vals))
        if i < len(layers) - 1:
            print_fn(rule("├", "┼", "┤", "─"))
    print_fn(rule("└", "┴", "┘", "─"))
    trainable = count_params(model.trainable_weights) if model.built else 0
    total = count_params(model.weights) if model.built else 0
    nbytes = sum(int(np.prod(w.shape)) * w._a.dtype.itemsize for w in model.weights) if model.built else 0
    tbytes = sum(int(np.prod(w.shape)) * w._a.dtype.itemsize for w in model.trainable_weights) if model.built else 0
    print_fn(f" Total params: {total:,} ({_fmt_bytes(nbytes)})")
    print_fn(f" Trainable params: {trainable:,} ({_fmt_bytes(tbytes)})")
    print_fn(f" Non-trainable params: {total - trainable:,} ({_fmt_bytes(nbytes - tbytes)})")
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "variables", None):
        ob = sum(int(np.prod(v.shape)) * v._a.dtype.itemsize for v in opt.variables)
        print_fn(f" Optimizer params: {count_params(opt.variables):,} ({_fmt_bytes(ob)})")
