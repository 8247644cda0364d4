"""The I/O floor: parse a FEC with pyarrow into typed columns and write it back.

The speed benchmarks report each step of lettrage as a ratio to this floor, measured in the
same run on the same file: what it costs, at the least, to read a FEC into proper columns
(text as text, amounts as integer cents, dates as dates) and to write it out again. Nothing
in lettrage can be faster than reading and writing its input, so a ratio of 1 is the bound.

    python -m benchmarks.io_floor LEDGER OUT

pyarrow's CSV reader does the cutting and the conversions in C++ (its own threads, as it
chooses by default): the 18 fields, ``Debit``/``Credit``/``Montantdevise`` cast to
``decimal128(18, 2)`` (decimal comma made a point) and then viewed as int64 cents, the four
dates through ``%Y%m%d`` to ``date32``. Writing converts them back to ``1234,56`` and
``AAAAMMJJ`` and writes the table, tab or ``|`` as the input had, LF, no quoting. The floor
reads what the generator and most ledger software write (UTF-8, one layout); it is a
measuring stick, not a FEC reader: it does not keep bytes, pad widths or line ends.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FIELDS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
          "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
          "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")
AMOUNT_FIELDS = ("Debit", "Credit", "Montantdevise")
DATE_FIELDS = ("EcritureDate", "PieceDate", "DateLet", "ValidDate")
_DECIMAL = pa.decimal128(18, 2)


@dataclass(frozen=True)
class FloorTimes:
    """Seconds spent by :func:`io_floor` reading and writing, and the table's size."""

    read_seconds: float
    write_seconds: float
    rows: int

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.write_seconds


def separator_of(path: str | os.PathLike[str]) -> str:
    """``\\t`` or ``|``: whichever the header line holds (tab when it holds both)."""
    with open(path, "rb") as handle:
        header = handle.readline()
    return "\t" if b"\t" in header or b"|" not in header else "|"


def read_typed(path: str | os.PathLike[str]) -> pa.Table:
    """The FEC as a table of 18 typed columns: text, int64 cents, date32 (empty -> null)."""
    separator = separator_of(path)
    types: dict[str, pa.DataType] = {name: pa.string() for name in FIELDS}
    types.update({name: pa.timestamp("s") for name in DATE_FIELDS})
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=separator, quote_char=False,
                                         double_quote=False, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(column_types=types, timestamp_parsers=["%Y%m%d"],
                                             strings_can_be_null=False,
                                             include_columns=list(FIELDS)),
    )
    columns = []
    for name in FIELDS:
        column = table[name]
        if name in AMOUNT_FIELDS:
            column = _cents(column)
        elif name in DATE_FIELDS:
            column = pc.cast(column, pa.date32())
        columns.append(column)
    return pa.table(columns, names=list(FIELDS))


def _cents(column: pa.ChunkedArray) -> pa.Array:
    """``1234,56`` -> int64 cents ('' -> null), through decimal128(18, 2) whose unscaled value
    (its low 64 bits) is the number of cents. (pyarrow's CSV ``decimal_point=","`` option is
    not used: pyarrow 26 refuses or aborts on some values with it.)"""
    text = pc.replace_substring(column, ",", ".")
    if pc.any(pc.equal(text, "")).as_py():
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    decimal = pc.cast(text, _DECIMAL)
    array = decimal.combine_chunks() if decimal.num_chunks != 1 else decimal.chunk(0)
    words = np.frombuffer(array.buffers()[1], dtype=np.int64)
    cents = words[2 * array.offset: 2 * (array.offset + len(array)): 2]
    return pa.array(cents, type=pa.int64(), mask=array.is_null().to_numpy(zero_copy_only=False))


def _amount_text(cents: pa.Array) -> pa.Array:
    """int64 cents -> ``1234,56`` (null stays null, written empty)."""
    if cents.offset:
        cents = pa.concat_arrays([cents])  # offset 0, so its validity bitmap can be reused
    values = pc.fill_null(cents, 0).to_numpy()
    words = np.empty(2 * len(values), dtype=np.int64)
    words[0::2], words[1::2] = values, np.where(values < 0, -1, 0)
    decimal = pa.Array.from_buffers(_DECIMAL, len(values), [cents.buffers()[0], pa.py_buffer(words)],
                                    null_count=cents.null_count)
    return pc.replace_substring(pc.cast(decimal, pa.string()), ".", ",")


def _date_text(dates: pa.Array) -> pa.Array:
    """date32 -> ``AAAAMMJJ`` (null stays null): formatted once per distinct date."""
    encoded = pc.dictionary_encode(dates)
    texts = pc.strftime(pc.cast(encoded.dictionary, pa.timestamp("s")), format="%Y%m%d")
    return pc.take(texts, encoded.indices)


def write_text(table: pa.Table, path: str | os.PathLike[str], separator: str = "\t") -> None:
    """The typed table back as FEC text: ``1234,56``, ``AAAAMMJJ``, LF, no quoting."""
    columns = []
    for name in FIELDS:
        column = table[name]
        chunk = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if name in AMOUNT_FIELDS:
            chunk = _amount_text(chunk)
        elif name in DATE_FIELDS:
            chunk = _date_text(chunk)
        columns.append(chunk)
    with pa.OSFile(os.fspath(path), "wb") as sink:
        sink.write((separator.join(FIELDS) + "\n").encode("ascii"))
        pacsv.write_csv(pa.table(columns, names=list(FIELDS)), sink,
                        write_options=pacsv.WriteOptions(delimiter=separator, include_header=False,
                                                         quoting_style="none"))


def io_floor(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> FloorTimes:
    """Read ``source`` into typed columns and write it back to ``target``; the two times."""
    started = time.perf_counter()
    table = read_typed(source)
    read = time.perf_counter()
    write_text(table, target, separator_of(source))
    done = time.perf_counter()
    return FloorTimes(read - started, done - read, table.num_rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ledger")
    parser.add_argument("output")
    args = parser.parse_args(argv)
    times = io_floor(args.ledger, args.output)
    print(f"{times.rows} lines: read {times.read_seconds:.2f} s, write {times.write_seconds:.2f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
