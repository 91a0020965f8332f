"""`keras.datasets.imdb`: IMDB movie-review sentiment classification."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _common, _text

SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


@keras_export("keras.datasets.imdb")
def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the IMDB dataset (25,000 train and 25,000 test reviews, labels 0/1).

    Reviews are lists of word indices (index = frequency rank + `index_from`).

    Args:
        path: cached file name (relative to `~/.keras/datasets`).
        num_words: keep only the `num_words` most frequent words (others become
            `oov_char`); None keeps all.
        skip_top: also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop sequences of length `maxlen` or more.
        seed: seed for shuffling the data.
        start_char: index marking the start of a sequence (None: no marker).
        oov_char: index replacing out-of-vocabulary words (None: drop them).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of lists and int labels.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized keyword arguments: {sorted(kwargs)}.")
    path = _common.get_file(path, origin=_common.GCS + "imdb.npz", file_hash=SHA256)
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]
    x_train = _text.index_words(x_train, start_char, index_from)
    x_test = _text.index_words(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _text.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = _text.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError("After filtering for sequences shorter than maxlen="
                             f"{maxlen}, no sequence was kept. Increase maxlen.")
    xs = _text.limit_vocab(x_train + x_test, num_words, skip_top, oov_char)
    n = len(x_train)
    return ((_text.as_object_array(xs[:n]), np.asarray(labels_train)),
            (_text.as_object_array(xs[n:]), np.asarray(labels_test)))


@keras_export("keras.datasets.imdb")
def get_word_index(path="imdb_word_index.json"):
    """Returns the IMDB word index: a dict mapping words to their (1-based) rank."""
    return _text.word_index(path, "imdb_word_index.json", WORD_INDEX_MD5)
