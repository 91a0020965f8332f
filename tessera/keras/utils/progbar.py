"""`keras.utils.Progbar`: the text progress bar that `fit`, `evaluate` and `predict` print.

The layout follows Keras 3:

    verbose=1:  ` 3/10 ━━━━━━━━━━━━━━━━━━━━ 1s 12ms/step - accuracy: 0.8125 - loss: 0.4321`
                (redrawn in place with a carriage return; ETA while running, elapsed time
                once finished)
    verbose=2:  `469/469 - 2s - 4ms/step - loss: 0.1000 - val_loss: 0.2000`
                (one line, printed only when the bar finishes)

ANSI styling (bold counters, green/grey bar) is used only when stdout is a terminal.
"""
import math
import os
import sys
import time

import numpy as np

from ..saving.object_registration import keras_export

__all__ = ["Progbar"]

_now = time.time  # indirection so tests can control the clock
_BAR_CHAR = "\u2501"  # '━'
_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _print_msg(message, line_break=True):
    """Writes `message` to the current `sys.stdout` and flushes it."""
    out = sys.stdout
    out.write(message + ("\n" if line_break else ""))
    try:
        out.flush()
    except (AttributeError, ValueError):
        pass


def _stdout_is_tty():
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _format_value(value):
    """Formats one metric value the way Keras's progress bar does."""
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _format_duration(seconds, unit_name):
    """` 12ms/step`, ` 3s/step` or ` 85us/step` (note the leading space)."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def _as_number(value):
    """The mean of `value` as a Python float, or None if it is not numeric."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "biuf" or arr.size == 0:
        return None
    return float(np.mean(arr))


@keras_export("keras.utils")
class Progbar:
    """Displays a progress bar.

    If neither `stateful_metrics` nor `stateless_metrics` is given, every metric is
    treated as stateless: the bar averages its values over the steps before display.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Progress bar width on screen, in characters.
        verbose: Verbosity mode: 0 (silent), 1 (live bar), 2 (one line at the end).
        interval: Minimum visual update interval (in seconds) for `verbose=1`.
        stateful_metrics: Iterable of metric names that should *not* be averaged over
            time: their latest value is displayed as-is. Exclusive with
            `stateless_metrics`.
        stateless_metrics: Iterable of metric names that *should* be averaged; all
            others are displayed as-is. Exclusive with `stateful_metrics`.
        unit_name: Display name for the step counts (usually `"step"` or `"sample"`).

    Example:

    >>> bar = keras.utils.Progbar(10)
    >>> for i in range(10):
    ...     bar.update(i + 1, values=[("loss", 0.5)])
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: pass either `stateful_metrics` (metrics shown as-is, others "
                "averaged) or `stateless_metrics` (metrics averaged, others shown as-is), "
                f"not both. Received stateful_metrics={stateful_metrics!r} and "
                f"stateless_metrics={stateless_metrics!r}.")
        if target is not None:
            try:
                target = int(target)
            except (TypeError, ValueError):
                raise ValueError(f"Progbar: `target` must be an integer number of steps or "
                                 f"None (unknown). Received target={target!r}.") from None
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: `verbose` must be 0, 1 or 2. Received verbose={verbose!r}.")
        self.target = target
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        # Keras redraws in place with '\r' wherever a terminal, notebook or POSIX shell
        # may show the output; otherwise each update goes on a new line.
        self._dynamic_display = (_stdout_is_tty() or "ipykernel" in sys.modules
                                 or "posix" in sys.modules or "PYCHARM_HOSTED" in os.environ)
        self._ansi = _stdout_is_tty()
        self._seen_so_far = 0
        self._values = {}        # name -> [weighted sum, weight] (or [value, 1])
        self._values_order = []  # display order: first appearance
        self._start = _now()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    # ---------------------------------------------------------------- state
    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, values, current, finalize):
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            if self._is_stateless(name) and not finalize:
                weight = max(current - self._seen_so_far, 1)
                num = _as_number(value)
                if num is None:
                    self._values[name] = [value, 1]
                elif name in self._values and _as_number(self._values[name][0]) is not None:
                    self._values[name][0] += num * weight
                    self._values[name][1] += weight
                else:
                    self._values[name] = [num * weight, weight]
            else:
                # Shown as given (a finalizing update carries the epoch's final values).
                self._values[name] = [value, 1]

    def _step_duration(self, current, now):
        """Seconds per step, ignoring the (usually slow) first step once more are done."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def _metrics_text(self):
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            num = _as_number(total)
            if num is None:
                parts.append(f" - {name}: {total}")
            else:
                parts.append(f" - {name}: {_format_value(num / max(1, count))}")
        return "".join(parts)

    def _style(self, text, code):
        return f"{code}{text}{_RESET}" if self._ansi else text

    # ---------------------------------------------------------------- public
    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: List of `(name, value_for_last_step)` tuples. Stateful metrics are
                displayed as-is; stateless ones are averaged over the steps.
            finalize: Whether this is the last update. Defaults to
                `current >= self.target` (never, if the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(values or [], current, finalize)
        self._seen_so_far = current

        now = _now()
        per_step = self._step_duration(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            known = self.target is not None and self.target > 0
            if known:
                digits = int(math.log10(self.target)) + 1
                count = f"{current:>{digits}d}/{self.target}"
                done = min(max(int(self.width * float(current) / self.target), 0), self.width)
                bar_plain = f"{count} {_BAR_CHAR * self.width}"
                bar = self._style(count, _BOLD) + " "
                if done > 0:
                    bar += self._style(_BAR_CHAR * done, _GREEN)
                if done < self.width:
                    bar += self._style(_BAR_CHAR * (self.width - done), _GREY)
            else:
                bar_plain = bar = "%7d/Unknown" % current
            if known and not finalize:
                when = _format_eta(per_step * (self.target - current))
            else:
                when = f"{now - self._start:.0f}s"
            info_plain = f" {when}" + _format_duration(per_step, self.unit_name)
            info_plain += self._metrics_text()
            info = f" {self._style(when, _BOLD)}" + info_plain[len(when) + 1:]

            message = "\r" if self._dynamic_display else "\n"
            message += bar + info
            total_width = len(bar_plain) + len(info_plain)
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            if finalize:
                message += "\n"
            _print_msg(message, line_break=False)
            self._prev_total_width = total_width

        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                line = (f"{current:>{digits}d}/{self.target} - {now - self._start:.0f}s -"
                        + _format_duration(per_step, self.unit_name) + self._metrics_text())
                _print_msg(line + "\n", line_break=False)

        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps (see `update` for `values`)."""
        self.update(self._seen_so_far + n, values)
