"""One function run in a forked process while this process goes on with other work.

The child inherits its inputs (nothing is pickled to it) and sends back its answer. Where
the system cannot fork, or when asked not to, the function runs here, when its answer is
first asked for. Should the child fail in any way, the function runs here too: its answer,
or its error, is then the same as without a child.
"""
from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, Self, TypeVar

from lettrage.parallel import forking

log = logging.getLogger(__name__)

T = TypeVar("T")

_UNSET = object()


class ForkedCall(Generic[T]):
    """``function(*args)``, computed in a forked child when ``fork`` is true and the system
    forks; :meth:`result` gives its answer. Use it in a ``with`` block: leaving it stops a
    child whose answer was not asked for."""

    def __init__(self, function: Callable[..., T], *args: object, fork: bool = True) -> None:
        self._function, self._args = function, args
        self._answer: object = _UNSET
        self._process: multiprocessing.Process | None = None
        self._connection: Connection | None = None
        if fork and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            ours, theirs = context.Pipe(duplex=False)
            with forking():
                self._process = context.Process(target=_serve, args=(function, args, theirs),
                                                daemon=True)
                self._process.start()
            theirs.close()
            self._connection = ours

    def result(self) -> T:
        """The function's answer (waiting for the child, if there is one)."""
        if self._answer is _UNSET:
            self._answer = self._from_child()
        if self._answer is _UNSET:  # no child, or it failed: computed here
            self._answer = self._function(*self._args)
        return self._answer  # type: ignore[return-value]

    def _from_child(self) -> object:
        """The child's answer, or ``_UNSET`` when there is no child or it gave none."""
        if self._connection is None:
            return _UNSET
        try:
            status, value = self._connection.recv()
        except (EOFError, OSError):
            status, value = "error", "stopped without an answer"
        self.close(wait=status == "ok")
        if status == "ok":
            return value
        log.debug("forked %s failed (%s); computed here", getattr(self._function, "__name__", "call"), value)
        return _UNSET

    def close(self, *, wait: bool = False) -> None:
        """Release the pipe and the child: waited for when it has answered (``wait``), else
        stopped."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.join(timeout=5 if wait else 0)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
            self._process = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A call dropped unasked: its child would wait to send its answer for ever.
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - at interpreter exit, modules may be gone
            pass


def _serve(function: Callable[..., object], args: tuple, connection: Connection) -> None:
    """In the child: send ``function(*args)``, or the error it met."""
    try:
        answer = function(*args)
    except BaseException as exc:  # noqa: BLE001 - told to the parent, which computes it again
        answer, status = f"{type(exc).__name__}: {exc}", "error"
    else:
        status = "ok"
    try:
        connection.send((status, answer))
    except Exception:  # noqa: BLE001 - the parent stopped listening, or the answer would not pickle
        try:
            connection.send(("error", "its answer could not be sent"))
        except OSError:
            pass
    finally:
        connection.close()
