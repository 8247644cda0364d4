"""Speed and peak memory of lettrage at several sizes, against the I/O floor of the same run.

    python -m benchmarks.speed_report --lines 10000 100000 1000000 [--seed 1] [--jobs N]
        [--repeat 3] [--markdown benchmarks/RESULTS-speed.md] [--compare-jobs] [--work DIR]

For each size it generates a ledger (``datasets/generator.py``), then runs each measured step
in its own process, so that peaks do not mix:

- ``generate``: the generator's command line;
- ``I/O floor``: pyarrow reads the FEC into typed columns and writes it back
  (:mod:`io_floor`); the time every other step is divided by;
- ``read_fec``: lettrage's reader alone;
- ``match`` (library): ``read_fec``, ``match(jobs=N)``, ``write_fec`` in one process; the times
  of the references, the lettering passes and the rest (letters, review pass, result) come
  from the engine's log lines;
- ``lettrage match``: the command line, end to end (interpreter start and imports included),
  ``--jobs N``.

A step's peak memory is the largest sum of the proportional set sizes (``Pss``) of its process
and all its children (worker processes included), sampled every 20 ms from ``/proc``, or the kernel's
``ru_maxrss`` of the process (``os.wait4``) if larger. The sampling costs CPU (the kernel walks the
page tables of each process at each sample: 4.3-4.7 s of CPU in a 10 s run of 10^6 lines), so
the timed runs are not sampled: the steps that may fork (the library run, the command line) are
run once more, sampled, for their peak; a single process's peak is its ``ru_maxrss``. Every step is checked: the floor writes the input back
byte for byte; the letters of the library's lettered file, read back in another process,
score against the generator's truth (precision, recall); the lettered file equals the input but for EcritureLet and DateLet; the command line
writes the same bytes as the library. ``--compare-jobs`` also runs the command line with
``--jobs 1`` and ``--jobs 2`` on the largest size and compares their files.

The floor and ``lettrage match`` are run ``--repeat`` times each, alternately, and their
medians make the ratio (the spread is in the table): on a shared virtual machine, one run of
each can differ by a factor of two. On the machine of ``RESULTS-speed.md``, touching memory
the process has not used yet costs about 3 s a GiB when the host hands it out afresh, and
0.2 s when the guest reuses pages just freed, so the same step's time depends on what ran
before it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR = REPO / "datasets" / "generator.py"
sys.path.insert(0, str(HERE))

from io_floor import io_floor  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Running a step in its own process, with its peak memory.


@dataclass
class Measured:
    """A finished process: wall seconds, peak memory (bytes), its JSON report, its stderr."""

    seconds: float
    peak_bytes: int
    report: dict = field(default_factory=dict)
    stderr: str = ""
    returncode: int = 0


def _tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants (0 for a process already gone): the sum of
    their proportional set sizes (``Pss``: a page shared by forked workers counted once
    over all of them, where summing ``VmRSS`` would count it in each)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{current}/task/{current}/children", "rb") as handle:
                stack.extend(int(child) for child in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_measured(command: list[str], *, sample: bool = False, interval: float = 0.02,
                 env: dict | None = None) -> Measured:
    """Run ``command``; its wall time, its peak memory, the JSON of its last stdout line.

    The peak is the kernel's ``ru_maxrss`` of this child (``wait4``: its largest process,
    workers included); with ``sample``, the larger of that and the sum over the process tree
    sampled every ``interval`` seconds. Sampling is not free: reading ``smaps_rollup`` walks
    the page tables of every process, about 20 ms for a process of 1 GB, so sampling every
    20 ms took 4.3-4.7 s of CPU during a 10 s run of 10^6 lines, on a machine of 2 cores.
    Timed runs are therefore not sampled, and peaks of process trees come from runs of their own.
    A spawned child's ``ru_maxrss`` starts from its parent's size (the memory it had before
    ``exec``): the report's own process holds about 60 MB, below any step's peak.
    """
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        peak = 0
        if sample:
            while not (waited := os.wait4(process.pid, os.WNOHANG))[0]:
                peak = max(peak, _tree_rss(process.pid))
                time.sleep(interval)
        else:
            waited = os.wait4(process.pid, 0)
        _, status, usage = waited
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = stdout.decode().strip().splitlines()
    report = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    peak = max(peak, usage.ru_maxrss * 1024)  # kB on Linux
    return Measured(seconds, peak, report, stderr.decode(errors="replace"), process.returncode)


# ---------------------------------------------------------------------------------------------
# The steps, each run as ``python speed_report.py --step NAME ...``.


class _PassTimes(logging.Handler):
    """Collects the cumulative seconds the engine logs after the references and after the
    lettering passes."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        for name in ("references", "lettering passes"):
            if message.startswith(name + ":") and record.args and isinstance(record.args, tuple):
                last = record.args[-1]
                if isinstance(last, float):
                    self.seconds[name] = last


def warm_up_floor(ledger, scratch) -> None:  # noqa: ANN001
    """Pay pyarrow's one-time start (about 0.3 s: kernels, date parsing) on the first lines of
    ``ledger``, so the floor measures reading and writing, not the first call."""
    with open(ledger, "rb") as source:
        head = b"".join(source.readline() for _ in range(100))
    sample = Path(str(scratch) + ".head")
    sample.write_bytes(head)
    io_floor(sample, scratch)
    sample.unlink()


def _step(args: argparse.Namespace) -> dict:
    if args.step == "floor":
        warm_up_floor(args.ledger, args.out)
        times = io_floor(args.ledger, args.out)
        same = Path(args.ledger).read_bytes() == Path(args.out).read_bytes()
        return {"seconds": times.seconds, "read": times.read_seconds,
                "write": times.write_seconds, "rows": times.rows, "identical": same}
    import lettrage
    if args.step == "read":
        started = time.perf_counter()
        ledger = lettrage.read_fec(args.ledger)
        return {"seconds": time.perf_counter() - started, "rows": len(ledger)}
    if args.step == "library":
        handler = _PassTimes()
        engine_log = logging.getLogger("lettrage")
        engine_log.addHandler(handler)
        engine_log.setLevel(logging.INFO)
        t0 = time.perf_counter()
        ledger = lettrage.read_fec(args.ledger)
        t1 = time.perf_counter()
        result = lettrage.match(ledger, jobs=args.jobs)
        t2 = time.perf_counter()
        changed = lettrage.write_fec(result, args.out)
        t3 = time.perf_counter()
        return {"read": t1 - t0, "match": t2 - t1, "write": t3 - t2, "changed": changed,
                "references": handler.seconds.get("references"),
                "passes": handler.seconds.get("lettering passes")}
    if args.step == "check":
        report = check_lettered_file(args.ledger, args.out, args.truth)
        report["only_letters_changed"] = only_letter_fields_differ(args.ledger, args.out)
        return report
    raise SystemExit(f"unknown step {args.step}")


def check_lettered_file(source, target, truth_path) -> dict:
    """Precision and recall of the letters ``target`` added to ``source``, against the
    generator's truth: a new group is a (third party, new letter) of the lettered file."""
    import numpy as np
    import pandas as pd

    import lettrage
    from generated_quality import load_generator

    before, after = lettrage.read_fec(source), lettrage.read_fec(target)
    new = (after["letter"].fillna("") != before["letter"].fillna("")).to_numpy()
    key = after["account"].astype(str) + "\t" + after["aux"].fillna("").astype(str) + "\t" \
        + after["letter"].fillna("").astype(str)
    codes, _ = pd.factorize(key[new])
    group = np.full(len(after), -1, dtype=np.int64)
    group[new] = codes
    lines = pd.DataFrame({"line": after["line"].to_numpy(),
                          "group": pd.array(np.where(group >= 0, group, 0), dtype="Int64")})
    lines.loc[group < 0, "group"] = pd.NA
    truth = pd.read_csv(truth_path, dtype={"group": str, "aux": str, "account": str, "case": str},
                        keep_default_na=False)
    table = load_generator().score(truth, lines).set_index("situation")
    amounts = pd.Series(after["amount"].to_numpy()[new]).groupby(codes).sum()
    return {"precision": float(table.loc["all", "precision"]),
            "recall": float(table.loc["all", "recall"]),
            "groups": int(table.loc["all", "new_groups"]), "lettered": int(new.sum()),
            "unbalanced": int((amounts != 0).sum())}


def only_letter_fields_differ(source, target, result=None) -> bool:  # noqa: ANN001
    """``target`` is ``source`` but for EcritureLet and DateLet; with ``result``, its
    EcritureLet column is the result's letters."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from io_floor import separator_of

    def text(path):
        return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(
            delimiter=separator_of(path), quote_char=False),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False, column_types={
                name: pa.string() for name in _header(path)}))

    before, after = text(source), text(target)
    if before.column_names != after.column_names or before.num_rows != after.num_rows:
        return False
    for name in before.column_names:
        if name not in ("EcritureLet", "DateLet") and not before[name].equals(after[name]):
            return False
    if result is not None:
        letters = pa.array(result.lines.sort_values("line")["letter"].fillna("").astype(str).tolist())
        if not pc.all(pc.equal(pc.utf8_trim_whitespace(after["EcritureLet"]), letters)).as_py():
            return False
    data_b, data_a = Path(source).read_bytes(), Path(target).read_bytes()
    return data_b.count(b"\n") == data_a.count(b"\n")


def _header(path) -> list[str]:
    from io_floor import separator_of
    with open(path, "rb") as handle:
        return handle.readline().decode("utf-8-sig").rstrip("\r\n").split(separator_of(path))


# ---------------------------------------------------------------------------------------------
# The report.


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, Python, OS."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": ram, "load": load,
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
            "commit": commit}


def compile_lettrage() -> None:
    """Compile lettrage's modules (``__pycache__``, ignored by git), as the first run of any
    installation does, so that every timed run starts as the later runs of a user do: where
    ``PYTHONDONTWRITEBYTECODE`` is set, no run writes them, and each run would compile the
    package again (about 0.1 s at every start)."""
    subprocess.run(_python("-m", "compileall", "-q", str(REPO / "lettrage")), check=True)


def _python(*arguments: str) -> list[str]:
    return [sys.executable, *arguments]


def _cli_command(ledger: Path, out: Path, jobs: int) -> list[str]:
    return _python("-m", "lettrage", "match", str(ledger), "-o", str(out), "-q", "--jobs", str(jobs))


def peak_of(what: str, command: list[str]) -> int:
    """The peak memory of ``command``'s process tree, from a run of its own whose memory is
    sampled (its time is not reported: the sampling slows it)."""
    measured = run_measured(command, sample=True)
    _fail(what, measured)
    return measured.peak_bytes


def _fail(what: str, measured: Measured) -> None:
    if measured.returncode != 0:
        raise SystemExit(f"{what} failed ({measured.returncode}):\n{measured.stderr[-3000:]}")


def alternated(commands: dict[str, list[str]], repeat: int) -> list[list[Measured]]:
    """Each named command run ``repeat`` times, in turns (a, b, a, b…): the runs of each, in
    order. A run that fails stops the report, naming its command."""
    runs: list[list[Measured]] = [[] for _ in commands]
    for _ in range(repeat):
        for (name, command), measured in zip(commands.items(), runs):
            measured.append(run_measured(command))
            _fail(name, measured[-1])
    return runs


def median(values: list[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def spread(values: list[float]) -> str:
    """``"3 runs: 1.21–1.90 s"``, or ``""`` for a single run."""
    return f"{len(values)} runs: {min(values):.2f}–{max(values):.2f} s" if len(values) > 1 else ""


def measure_size(lines: int, seed: int, jobs: int, work: Path, repeat: int = 1) -> list[dict]:
    """The rows of the table for one size (floor and command line: medians of ``repeat``
    alternated runs)."""
    ledger, truth = work / f"fec_{lines}.txt", work / f"truth_{lines}.csv"
    rows = []
    gen = run_measured(_python(str(GENERATOR), "--lines", str(lines), "--seed", str(seed),
                               "-o", str(ledger), "--truth", str(truth)))
    _fail("generator", gen)
    rows.append({"step": "generate (not in the ratios)", "seconds": gen.seconds, "peak": gen.peak_bytes,
                 "check": f"{lines} lines"})
    me = str(Path(__file__).resolve())
    cli_out = work / "cli.txt"
    floors, clis = alternated({
        "I/O floor": _python(me, "--step", "floor", "--ledger", str(ledger), "--out", str(work / "floor.txt")),
        "lettrage match": _cli_command(ledger, cli_out, jobs),
    }, repeat)
    floor_seconds = [floor.report["seconds"] for floor in floors]
    base, base_peak = median(floor_seconds), max(floor.peak_bytes for floor in floors)
    identical = all(floor.report["identical"] for floor in floors)
    rows.append({"step": "**I/O floor** (pyarrow read + write)", "seconds": base, "peak": base_peak,
                 "check": "; ".join(filter(None, [
                     "written back byte for byte" if identical else "DIFFERS", spread(floor_seconds)]))})
    read = run_measured(_python(me, "--step", "read", "--ledger", str(ledger)))
    _fail("read", read)
    rows.append({"step": "read_fec", "seconds": read.report["seconds"], "peak": read.peak_bytes,
                 "check": f"{read.report['rows']} rows"})
    library_command = _python(me, "--step", "library", "--ledger", str(ledger),
                              "--out", str(work / "library.txt"), "--truth", str(truth),
                              "--jobs", str(jobs))
    library = run_measured(library_command)
    _fail("library run", library)
    library_peak = peak_of("library run", library_command)
    r = library.report
    check = run_measured(_python(me, "--step", "check", "--ledger", str(ledger),
                                 "--out", str(work / "library.txt"), "--truth", str(truth)))
    _fail("check", check)
    r.update(check.report)
    references, passes = r.get("references"), r.get("passes")
    if references is not None:
        rows.append({"step": "· prepare, references", "seconds": references, "peak": None, "check": ""})
    if references is not None and passes is not None:
        rows.append({"step": f"· lettering passes (jobs {jobs})", "seconds": passes - references,
                     "peak": None, "check": ""})
        rows.append({"step": "· letters, review pass, result", "seconds": r["match"] - passes,
                     "peak": None, "check": ""})
    quality = (f"precision {r['precision']:.4f}, recall {r['recall']:.4f} of "
               f"{r['groups']:,} new groups ({r['unbalanced']} not balanced in EUR: USD)")
    rows.append({"step": f"match (all passes, jobs {jobs})", "seconds": r["match"], "peak": None,
                 "check": quality})
    rows.append({"step": "write_fec", "seconds": r["write"], "peak": None,
                 "check": f"{r['changed']} lines changed; "
                          + ("only EcritureLet/DateLet differ" if r["only_letters_changed"] else "OTHER FIELDS DIFFER")})
    rows.append({"step": "read + match + write (library, one process)",
                 "seconds": r["read"] + r["match"] + r["write"], "peak": library_peak,
                 "check": ""})
    same = cli_out.read_bytes() == (work / "library.txt").read_bytes()
    cli_seconds = [cli.seconds for cli in clis]
    cli_peak = max([cli.peak_bytes for cli in clis]
                   + [peak_of("lettrage match", _cli_command(ledger, work / "cli_peak.txt", jobs))])
    rows.append({"step": f"**`lettrage match --jobs {jobs}`** (whole process)", "seconds": median(cli_seconds),
                 "peak": cli_peak,
                 "check": "; ".join(filter(None, [
                     "same bytes as the library" if same else "DIFFERS FROM THE LIBRARY",
                     spread(cli_seconds)]))})
    for row in rows:
        row["ratio"] = row["seconds"] / base if base else float("nan")
        row["peak_ratio"] = row["peak"] / base_peak if row["peak"] and base_peak else None
        row["lines"] = lines
    return rows


def compare_jobs(lines: int, work: Path) -> list[dict]:
    """``lettrage match`` with ``--jobs 1`` and ``--jobs 2`` on the ledger of ``lines``."""
    ledger = work / f"fec_{lines}.txt"
    rows, outputs = [], []
    for jobs in (1, 2):
        out = work / f"cli_jobs{jobs}.txt"
        command = _cli_command(ledger, out, jobs)
        measured = run_measured(command)
        _fail(f"lettrage match --jobs {jobs}", measured)
        outputs.append(out.read_bytes())
        peak = max(measured.peak_bytes, peak_of(f"lettrage match --jobs {jobs}", command))
        rows.append({"jobs": jobs, "seconds": measured.seconds, "peak": peak})
    for row in rows:
        row["identical"] = outputs[0] == outputs[1]
    return rows


def _mb(value) -> str:
    return "" if value is None else f"{value / 1e6:,.0f}"


def markdown(rows: list[dict], info: dict[str, str], jobs_rows: list[dict] | None,
             jobs_lines: int | None) -> str:
    today = dt.date.today().isoformat()
    load_after = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    out = [f"Measured {today} with `python -m benchmarks.speed_report` on: {info['cpu']}, "
           f"{info['cores']} cores, {info['ram']} RAM, Python {info['python']}, {info['os']}"
           f" (commit {info['commit'] or 'unknown'}; load average 1/5/15 min {info['load']} at "
           f"the start, {load_after} at the end); lettrage's modules compiled beforehand, as "
           "after a first run.", "",
           "| lines | step | seconds | × I/O floor | peak MB | × floor peak | check |",
           "|---:|---|---:|---:|---:|---:|---|"]
    for row in rows:
        peak_ratio = "" if row["peak_ratio"] is None else f"{row['peak_ratio']:.1f}"
        out.append(f"| {row['lines']:,} | {row['step']} | {row['seconds']:.2f} | {row['ratio']:.1f} "
                   f"| {_mb(row['peak'])} | {peak_ratio} | {row['check']} |")
    if jobs_rows:
        out += ["", f"`lettrage match` on {jobs_lines:,} lines by number of worker processes:", "",
                "| --jobs | seconds | peak MB (all processes) | letters identical |",
                "|---:|---:|---:|---|"]
        for row in jobs_rows:
            out.append(f"| {row['jobs']} | {row['seconds']:.1f} | {_mb(row['peak'])} | "
                       f"{'yes' if row['identical'] else 'NO'} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes of the lettering passes (default: every core)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the files (default: a temporary one)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table to this file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternated runs of the floor and of lettrage match; their medians "
                             "make the ratio (default 3)")
    parser.add_argument("--compare-jobs", action="store_true",
                        help="also run lettrage match --jobs 1 and --jobs 2 on the largest size")
    # One measured step (internal: the report runs itself in a subprocess per step).
    parser.add_argument("--step", choices=["floor", "read", "library", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--truth", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.step:
        print(json.dumps(_step(args)))
        return 0
    import tempfile
    compile_lettrage()
    info = machine()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        work = Path(folder)
        for lines in args.lines:
            print(f"{lines} lines…", file=sys.stderr)
            rows += measure_size(lines, args.seed, args.jobs, work, args.repeat)
        jobs_rows = compare_jobs(max(args.lines), work) if args.compare_jobs else None
    text = markdown(rows, info, jobs_rows, max(args.lines) if jobs_rows else None)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
