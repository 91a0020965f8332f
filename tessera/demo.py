"""`tessera demo`: trains a two-layer network on the shipped handwritten digits.

Written with the tensor platform alone (tensors, variables, `GradientTape`):
784 -> 128 (relu) -> 10, softmax cross-entropy, Adam, on the first 8,000
images of the shipped MNIST sample, evaluated on the last 2,000.
"""
import argparse
import sys
import time

import numpy as np


def _adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    import tessera as ts
    state = {}

    def apply(grads, variables, step):
        for g, v in zip(grads, variables):
            m, s = state.setdefault(id(v), (ts.zeros_like(v), ts.zeros_like(v)))
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g * g
            state[id(v)] = (m, s)
            mhat = m / (1 - b1 ** step)
            shat = s / (1 - b2 ** step)
            v.assign_sub(lr * mhat / (ts.sqrt(shat) + eps))
    return apply


def train(epochs=5, batch_size=64, hidden=128, seed=0, verbose=True, out=sys.stdout):
    """Trains the demo network and returns the test accuracy (a float in [0, 1])."""
    import tessera as ts
    from tessera.resources import load_mnist_sample

    ts.random.set_seed(seed)
    images, labels = load_mnist_sample()
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    y = labels.astype(np.int32)
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]

    w1 = ts.Variable(ts.random.normal([784, hidden], stddev=np.sqrt(2.0 / 784), seed=seed), name="w1")
    b1 = ts.Variable(ts.zeros([hidden]), name="b1")
    w2 = ts.Variable(ts.random.normal([hidden, 10], stddev=np.sqrt(1.0 / hidden), seed=seed + 1), name="w2")
    b2 = ts.Variable(ts.zeros([10]), name="b2")
    params = [w1, b1, w2, b2]

    def model(xb):
        h = ts.nn.relu(ts.matmul(xb, w1) + b1)
        return ts.matmul(h, w2) + b2

    adam = _adam()
    rng = np.random.default_rng(seed)
    step = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            xb, yb = ts.constant(x_train[idx]), ts.constant(y_train[idx])
            with ts.GradientTape() as tape:
                logits = model(xb)
                loss = ts.reduce_mean(
                    ts.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=logits))
            grads = tape.gradient(loss, params)
            step += 1
            adam(grads, params, step)
            total += float(loss) * len(idx)
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}  loss {total / len(x_train):.4f}  "
                  f"({time.perf_counter() - start:.1f}s)", file=out)
    pred = ts.argmax(model(ts.constant(x_test)), axis=1, output_type=ts.int32).numpy()
    acc = float(np.mean(pred == y_test))
    if verbose:
        print(f"test accuracy: {acc:.4f} on {len(y_test)} held-out digits", file=out)
    return acc


def main(argv=None):
    """Entry point of `tessera demo` (options: --epochs, --seed)."""
    p = argparse.ArgumentParser(prog="tessera demo", description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    train(epochs=args.epochs, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
