"""`keras.utils.PyDataset`: a Python class yielding batches, optionally with worker threads."""
import queue
import threading

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class for datasets written in Python, as `keras.utils.PyDataset`.

    Implement `__len__` (number of batches) and `__getitem__(index)` returning a
    batch `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` is called after
    each epoch.

    Args:
        workers: threads that prepare batches ahead (1: in the calling thread).
        use_multiprocessing: not supported (threads only); must be False.
        max_queue_size: how many batches workers may prepare ahead.

    Example:
    >>> class Batches(keras.utils.PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, i):
    ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if use_multiprocessing:
            raise NotImplementedError("tessera's PyDataset uses threads; pass "
                                      "use_multiprocessing=False (the default).")
        self._workers = int(workers)
        self._max_queue_size = int(max_queue_size)

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @property
    def num_batches(self):
        return len(self)

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__().")

    def on_epoch_end(self):
        """Called at the end of every epoch (override to reshuffle)."""

    def __iter__(self):
        n = len(self)
        if self.workers <= 1:
            for i in range(n):
                yield self[i]
            return
        results = {}
        cond = threading.Condition()
        tasks = queue.Queue()
        for i in range(n):
            tasks.put(i)
        errors = []

        def work():
            while True:
                try:
                    i = tasks.get_nowait()
                except queue.Empty:
                    return
                with cond:
                    while len(results) >= self.max_queue_size and not errors:
                        cond.wait(0.05)
                try:
                    item = self[i]
                except BaseException as e:  # re-raised in the consumer, with its traceback
                    errors.append(e)
                    item = None
                with cond:
                    results[i] = item
                    cond.notify_all()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(self.workers)]
        for t in threads:
            t.start()
        for i in range(n):
            with cond:
                while i not in results and not errors:
                    cond.wait(0.05)
                if errors:
                    raise errors[0]
                item = results.pop(i)
                cond.notify_all()
            yield item


Sequence = PyDataset
