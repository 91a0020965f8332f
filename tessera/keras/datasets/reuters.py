"""`keras.datasets.reuters`: Reuters newswire topic classification (46 topics)."""
import numpy as np

from ..saving.object_registration import keras_export
from . import _common, _text

SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"


@keras_export("keras.datasets.reuters")
def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Loads the Reuters newswire dataset (11,228 newswires, 46 topics).

    Args:
        path: cached file name (relative to `~/.keras/datasets`).
        num_words: keep only the `num_words` most frequent words; None keeps all.
        skip_top: also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop sequences of length `maxlen` or more.
        test_split: fraction of the data reserved as test set.
        seed: seed for shuffling the data.
        start_char: index marking the start of a sequence (None: no marker).
        oov_char: index replacing out-of-vocabulary words (None: drop them).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    path = _common.get_file(path, origin=_common.GCS + "reuters.npz", file_hash=SHA256)
    with np.load(path, allow_pickle=True) as f:
        xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    idx = np.arange(len(xs))
    rng.shuffle(idx)
    xs, labels = xs[idx], labels[idx]
    xs = _text.index_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = _text.remove_long(maxlen, xs, labels)
        if not xs:
            raise ValueError("After filtering for sequences shorter than maxlen="
                             f"{maxlen}, no sequence was kept. Increase maxlen.")
    xs = _text.limit_vocab(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((_text.as_object_array(xs[:n]), np.asarray(labels[:n])),
            (_text.as_object_array(xs[n:]), np.asarray(labels[n:])))


@keras_export("keras.datasets.reuters")
def get_word_index(path="reuters_word_index.json"):
    """Returns the Reuters word index: a dict mapping words to their rank."""
    return _text.word_index(path, "reuters_word_index.json", WORD_INDEX_MD5)
