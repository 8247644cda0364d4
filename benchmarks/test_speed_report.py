"""The speed report's own arithmetic: alternated runs, medians, spreads, failures named."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from speed_report import alternated, median, spread


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


def _peaks_measured_from_a_small_process(command: list[str]) -> tuple[int, int]:
    """(sampled, unsampled) peaks of ``command``, measured from a fresh process: a child's
    ``ru_maxrss`` starts from its parent's size when it is spawned (the memory it had before
    ``exec``), and a pytest worker may hold hundreds of MB."""
    driver = ("import json, sys; sys.path.insert(0, sys.argv[1]); from speed_report import run_measured; "
              "command = json.loads(sys.argv[2]); "
              "print(json.dumps([run_measured(command, sample=True).peak_bytes, run_measured(command).peak_bytes]))")
    here = str(Path(__file__).resolve().parent)
    done = subprocess.run([sys.executable, "-c", driver, here, json.dumps(command)],
                          capture_output=True, text=True, check=True)
    sampled, timed = json.loads(done.stdout)
    return sampled, timed


def test_a_sampled_run_sees_the_memory_of_the_whole_process_tree():
    sampled, timed = _peaks_measured_from_a_small_process([sys.executable, "-c", _TWO_PROCESSES_HOLDING_MEMORY])
    assert sampled >= 300 * 2**20  # both processes' 160 MiB at once
    # unsampled: the kernel's high-water mark of the largest process only
    assert 160 * 2**20 <= timed < 300 * 2**20
