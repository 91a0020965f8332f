"""An LSTM text classifier on Tessera, trained on synthetic "reviews" with a learnable rule.

Each review is a sequence of word ids: mostly neutral words, plus an odd number of
sentiment words (ids 2-21 positive, 22-41 negative) at random places. A review is
positive when it holds more positive than negative words, so the model has to learn
which words carry sentiment and count them along the sequence. Chance is 50%; the
model reaches about 89-90% test accuracy with the defaults (under a minute on 2 cores).

Run: `python examples/lstm_text_classifier.py [--epochs 5] [--samples 4000]`
"""
import argparse
import os
import sys

import numpy as np

try:
    import tessera  # noqa: F401
except ImportError:  # running from a source checkout that is not installed
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tessera import keras
from tessera.keras import layers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synthetic_reviews import MAXLEN, VOCAB, make_reviews as _make_reviews  # noqa: E402


def make_reviews(n, seed, maxlen=MAXLEN, vocab=VOCAB):
    """(tokens (n, maxlen) int32, labels (n,) float32): see examples/synthetic_reviews.py."""
    return _make_reviews(n, seed, maxlen, vocab, label_dtype="float32")


def build_model(embed_dim=32, units=32):
    return keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        layers.Embedding(VOCAB, embed_dim),
        layers.LSTM(units),
        layers.Dense(1, activation="sigmoid"),
    ])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--samples", type=int, default=4000, help="training reviews")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    x_train, y_train = make_reviews(args.samples, seed=args.seed)
    x_test, y_test = make_reviews(1000, seed=args.seed + 1)
    print(f"{len(x_train)} training and {len(x_test)} test reviews of {MAXLEN} words; "
          f"{y_train.mean():.0%} positive")
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
