"""`tessera demo`: trains a network on the shipped handwritten digits and prints its accuracy.

The default trains the classic Keras MNIST convnet (Conv2D 32, MaxPooling, Conv2D 64,
MaxPooling, Flatten, Dropout, Dense 10) with `fit` and its progress bar on the first
8,000 images of the shipped MNIST sample, and evaluates it on the last 2,000.
`--mlp` trains a Keras MLP instead; `--raw` an MLP written with the tensor platform
alone (tensors, variables, `GradientTape`).
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


def train_keras(epochs=8, batch_size=64, hidden=256, seed=0, verbose=1, out=sys.stdout):
    """Trains the Keras MLP with `fit`; prints progress and returns the test accuracy."""
    from tessera import keras
    from tessera.resources import load_mnist_sample

    images, labels = load_mnist_sample()
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    y = labels.astype(np.int32)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if verbose:
        model.summary(print_fn=lambda s, **k: print(s, file=out))
    start = time.perf_counter()
    model.fit(x[:8000], y[:8000], batch_size=batch_size, epochs=epochs, verbose=verbose)
    return _report(model, x, y, start, verbose, out)


def _report(model, x, y, start, verbose, out):
    loss, acc = model.evaluate(x[8000:], y[8000:], verbose=0)
    if verbose:
        print(f"trained in {time.perf_counter() - start:.1f}s", file=out)
        print(f"test accuracy: {acc:.4f} on {len(x) - 8000} held-out digits (loss {loss:.4f})",
              file=out)
    return acc


def train_convnet(epochs=4, batch_size=64, seed=0, verbose=1, out=sys.stdout):
    """Trains the classic Keras MNIST convnet with `fit`; returns the test accuracy."""
    from tessera import keras
    from tessera.resources import load_mnist_sample

    images, labels = load_mnist_sample()
    x = images[..., None].astype(np.float32) / 255.0
    y = labels.astype(np.int32)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if verbose:
        model.summary(print_fn=lambda s, **k: print(s, file=out))
    start = time.perf_counter()
    model.fit(x[:8000], y[:8000], batch_size=batch_size, epochs=epochs, verbose=verbose)
    return _report(model, x, y, start, verbose, out)


def main(argv=None):
    """Entry point of `tessera demo` (options: --epochs, --seed, --raw)."""
    p = argparse.ArgumentParser(prog="tessera demo", description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--mlp", action="store_true", help="train a Keras MLP instead")
    kind.add_argument("--raw", action="store_true",
                      help="train an MLP written with tensors, variables and GradientTape")
    args = p.parse_args(argv)
    if args.raw:
        train(epochs=args.epochs or 5, seed=args.seed)
    elif args.mlp:
        train_keras(epochs=args.epochs or 8, seed=args.seed)
    else:
        train_convnet(epochs=args.epochs or 4, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
