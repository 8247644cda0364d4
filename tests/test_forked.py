"""A function run in a forked child while the parent goes on: the same answer, or the same
error, as run in the parent; a child that fails or dies costs time, never a result."""
from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from lettrage.forked import ForkedCall

forks = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                           reason="the system does not fork")


def _pid_and_sum(numbers: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def _fails_in_child(parent: int) -> str:
    if os.getpid() != parent:
        raise MemoryError("the child ran short")
    return "computed here"


def _dies_in_child(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(9)
    return "computed here"


def _raises() -> None:
    raise ValueError("bad value, line 7")


def _unpicklable() -> object:
    return lambda: None


@forks
def test_the_answer_comes_from_a_child():
    with ForkedCall(_pid_and_sum, list(range(1000))) as call:
        pid, total = call.result()
    assert pid != os.getpid() and total == 499_500


def test_without_fork_it_runs_here_when_asked():
    with ForkedCall(_pid_and_sum, [1, 2, 3], fork=False) as call:
        assert call.result() == (os.getpid(), 6)
        assert call.result() == (os.getpid(), 6)  # once computed, kept


@forks
@pytest.mark.parametrize("function", [_fails_in_child, _dies_in_child])
def test_a_child_that_fails_or_dies_is_replaced_by_the_parent(function):
    with ForkedCall(function, os.getpid()) as call:
        assert call.result() == "computed here"


@forks
def test_an_answer_that_cannot_be_sent_is_computed_here():
    with ForkedCall(_unpicklable) as call:
        assert callable(call.result())


@pytest.mark.parametrize("fork", [True, False])
def test_the_function_error_is_raised_as_without_a_child(fork):
    with ForkedCall(_raises, fork=fork) as call, pytest.raises(ValueError, match="line 7"):
        call.result()


@forks
def test_leaving_the_block_unasked_stops_the_child():
    with ForkedCall(time.sleep, 60) as call:
        process = call._process
        assert process is not None and process.is_alive()
    assert not process.is_alive()


@forks
def test_a_call_dropped_unasked_stops_its_child():
    call = ForkedCall(time.sleep, 60)
    process = call._process
    assert process is not None and process.is_alive()
    del call
    process.join(timeout=5)
    assert not process.is_alive()
