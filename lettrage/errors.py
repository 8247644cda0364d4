"""Errors and data problems: what went wrong, in which file, on which line, in which field."""
from __future__ import annotations

from dataclasses import dataclass


class FecError(ValueError):
    """A fatal fault in a ledger file: the run cannot go on safely.

    The message is one line naming the file, the line number (1-based, as an editor counts
    them, header included), the field and the offending value.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.value = value
        self.reason = message
        super().__init__(_locate(message, file, line, field, value))


class SettingsError(ValueError):
    """A setting (command-line flag, keyword argument or TOML key) that cannot be used."""


@dataclass(frozen=True)
class Fault:
    """A data problem found while reading or checking a ledger.

    ``fatal_on_third_party`` marks faults that are only warnings on lines the run never
    letters, but stop the run when the line belongs to a selected third-party account
    (an amount or a date we could not read there would give a wrong letter).
    """

    file: str
    line: int
    field: str
    value: str
    message: str
    data_line: int = 0
    fatal_on_third_party: bool = False

    def describe(self) -> str:
        """One line naming file, line, field and value."""
        return _locate(self.message, self.file, self.line, self.field, self.value)

    def to_error(self) -> FecError:
        """The fault as a fatal error."""
        return FecError(
            self.message, file=self.file, line=self.line, field=self.field, value=self.value
        )


def _locate(
    message: str, file: str | None, line: int | None, field: str | None, value: str | None
) -> str:
    where = file or "<ledger>"
    if line is not None:
        where += f":{line}"
    text = f"{where}: {message}"
    if field:
        text += f" (field {field}"
        text += f", value {value!r})" if value is not None else ")"
    return text
