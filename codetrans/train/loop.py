"""The optimizer loop in nanoT5's shape: a step, then ``maybe_log``, ``maybe_evaluate`` and ``maybe_save``;
and the stop request (SIGTERM, Ctrl-C) that ends it resumably."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from codetrans.errors import DataError
from codetrans.train.finalize import save_pretrained
from codetrans.train.run import Engine
from codetrans.train.runlog import RunLog

logger = logging.getLogger(__name__)


class _Window:
    """Training-loss and throughput counters between two log lines."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.real = self.padded = self.samples = 0
        self.t0 = time.perf_counter()

    def add(self, loss: float, real: int, padded: int, samples: int) -> None:
        self.losses.append(loss)
        self.real, self.padded, self.samples = self.real + real, self.padded + padded, self.samples + samples


class Loop:
    """One run of the optimizer loop in nanoT5's shape: a step, then ``maybe_log``, ``maybe_evaluate``
    and ``maybe_save``, each deciding from the step counter whether it is due."""

    def __init__(self, eng: Engine, log: RunLog, bar: Any, stop_at: int, deadline: float | None) -> None:
        self.eng, self.r, self.st, self.log, self.bar = eng, eng.r, eng.state, log, bar
        self.stop_at, self.deadline = stop_at, deadline
        self.window = _Window()
        self.timed_out = False
        self.stop = _StopRequest()

    def step(self) -> None:
        st = self.st
        t0 = time.perf_counter()
        loss, real, padded, samples = self.eng.train_step()
        if not math.isfinite(loss):
            raise DataError(f"loss became {loss} at step {st.step + 1}; lower optim.lr or check the data")
        st.train_seconds += time.perf_counter() - t0
        st.step += 1
        st.tokens += real
        st.padded += padded
        st.samples += samples
        self.window.add(loss, real, padded, samples)
        self.bar.update(1)

    @property
    def last(self) -> bool:
        return self.st.step == self.stop_at

    def maybe_log(self) -> None:
        st, w = self.st, self.window
        if not (st.step % self.r.train.log_every == 0 or self.last):
            return
        dt = time.perf_counter() - w.t0
        rec = {"event": "train", "step": st.step, "loss": round(float(np.mean(w.losses)), 5), "lr": self.eng.lr(),
               "tokens_per_s": round(w.real / dt, 1), "samples_per_s": round(w.samples / dt, 2),
               "padding": round(1 - w.real / max(w.padded, 1), 4), "epoch": self.eng.loaders.train.epoch,
               "window_tokens": w.real, "window_s": round(dt, 4)}
        st.loss_history.append([st.step, rec["loss"]])
        self.log.write(rec)
        self.bar.set_postfix(loss=f"{rec['loss']:.3f}", lr=f"{rec['lr']:.2e}", tok_s=f"{rec['tokens_per_s']:.0f}")
        self.window = _Window()

    def maybe_evaluate(self) -> None:
        eng, r, st = self.eng, self.r, self.st
        if not (eng.loaders.dev and (st.step % r.train.eval_every == 0 or self.last)):
            return
        dl = eng.dev_loss()
        st.last_dev = dl
        st.last_input_gain = eng.input_gain(dl)
        st.last_exemplar_gain = eng.exemplar_gain(dl)
        if dl < st.best_dev - 1e-4:
            st.best_dev, st.bad_evals = dl, 0
            if r.train.early_stopping_patience:
                save_pretrained(eng.ds or eng.model, eng.tokenizer, eng.out / "best", eng.rt)
        else:
            st.bad_evals += 1
        rec = {"event": "dev", "step": st.step, "dev_loss": round(dl, 5), "best_dev_loss": round(st.best_dev, 5)}
        if st.last_input_gain is not None:
            rec["input_gain"] = round(st.last_input_gain, 5)
        if st.last_exemplar_gain is not None:
            rec["exemplar_gain"] = round(st.last_exemplar_gain, 5)
        self.log.write(rec)
        if r.train.early_stopping_patience and st.bad_evals >= r.train.early_stopping_patience:
            st.stopped_early = True
            self.bar.write(f"codetrans train: early stop at step {st.step}: dev loss has not improved "
                           f"for {st.bad_evals} evaluations (best {st.best_dev:.4f})")

    def maybe_save(self) -> None:
        st, r = self.st, self.r
        self.timed_out = (self.deadline is not None and time.monotonic() > self.deadline) or self.stop.requested
        if st.step % r.train.checkpoint_every == 0 or st.stopped_early or self.timed_out or (
                self.last and self.stop_at < r.train.steps):
            self.eng.save_checkpoint()

    def run(self) -> None:
        self.eng.model.train()
        with self.stop.installed(self.eng.rt.world == 1):
            while self.st.step < self.stop_at:
                self.step()
                self.maybe_log()
                self.maybe_evaluate()
                self.maybe_save()
                if self.st.stopped_early or self.timed_out:
                    break
        self.bar.close()


class _StopRequest:
    """SIGTERM or a first Ctrl-C asks the loop to stop after the current step, the way the time budget
    does: checkpoint, weights so far in ``latest``, resumable — a long run is never lost to a kill. A
    second Ctrl-C interrupts at once. Single-process runs only (ranks stopping apart would hang a collective)."""

    def __init__(self) -> None:
        self.requested = False

    def _handle(self, signum: int, frame: Any) -> None:
        import signal

        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        logger.info("\ncodetrans train: %s: stopping after this step (checkpoint, resumable); Ctrl-C again to abort",
                 signal.Signals(signum).name)

    @contextlib.contextmanager
    def installed(self, enabled: bool = True) -> Iterator[None]:
        import signal
        import threading

        if not enabled or threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

