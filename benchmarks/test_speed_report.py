"""The speed report's own arithmetic: alternated runs, medians, spreads, failures named."""
from __future__ import annotations

import sys

import pytest

from speed_report import alternated, median, run_measured, spread


def _appender(path, word):
    return [sys.executable, "-c", f"open({str(path)!r}, 'a').write({word!r})"]


def test_commands_run_in_turns(tmp_path):
    trace = tmp_path / "trace"
    runs = alternated({"a": _appender(trace, "a"), "b": _appender(trace, "b")}, 3)
    assert trace.read_text() == "ababab"
    assert [len(measured) for measured in runs] == [3, 3]
    assert all(m.returncode == 0 and m.seconds > 0 for measured in runs for m in measured)


def test_a_failing_run_stops_the_report_naming_its_command(tmp_path):
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    with pytest.raises(SystemExit, match="I/O floor failed"):
        alternated({"ok": _appender(tmp_path / "trace", "x"), "I/O floor": failing}, 2)
    assert (tmp_path / "trace").read_text() == "x"  # stopped at the first failure


def test_median_and_spread():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([7.0]) == 7.0
    assert spread([1.5, 1.25, 2.0]) == "3 runs: 1.25–2.00 s"
    assert spread([1.5]) == ""


_TWO_PROCESSES_HOLDING_MEMORY = """
import os, time
child = os.fork()
block = bytearray(160 * 2**20)
block[::4096] = b"x" * len(block[::4096])  # each process touches 160 MiB of its own
time.sleep(0.6)
os._exit(0) if child == 0 else os.wait()
"""


def test_a_sampled_run_sees_the_memory_of_the_whole_process_tree():
    command = [sys.executable, "-c", _TWO_PROCESSES_HOLDING_MEMORY]
    sampled = run_measured(command, sample=True)
    timed = run_measured(command)
    assert sampled.returncode == timed.returncode == 0
    assert sampled.peak_bytes >= 300 * 2**20  # both processes' 160 MiB at once
    # unsampled: the kernel's high-water mark of the largest process only
    assert 160 * 2**20 <= timed.peak_bytes < 300 * 2**20
