"""The speed report's own arithmetic: alternated runs, medians, spreads, failures named."""
from __future__ import annotations

import sys

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
