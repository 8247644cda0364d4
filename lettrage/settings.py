"""Run settings: one frozen dataclass, from keyword arguments, a TOML file or the CLI."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lettrage.errors import SettingsError
from lettrage.ledger import DEFAULT_ACCOUNTS
from lettrage.money import to_cents


@dataclass(frozen=True)
class Settings:
    """What a run may change. Amounts are integer cents.

    Attributes
    ----------
    accounts : prefixes of the third-party accounts to letter (default 40, 41).
    tolerance : absolute gap, in cents, a group may leave (default 0). Used by the subset
        pass (not yet built: the exact pass only letters exact matches).
    tolerance_pct : gap allowed as a percentage of the group (default 0; subset pass).
    date_let : ``"latest"`` (the latest EcritureDate of the group) or ``"today"``.
    today : the run date used by ``date_let="today"`` (default: the current date).
    letter_width : minimum width of new codes (``3`` → AAA, AAB…); ``None`` follows the
        most common width of the codes already in the ledger.
    jobs : worker processes (accepted; the work runs in one process for now).
    """

    accounts: tuple[str, ...] = DEFAULT_ACCOUNTS
    tolerance: int = 0
    tolerance_pct: Decimal = Decimal(0)
    date_let: str = "latest"
    today: dt.date | None = None
    letter_width: int | None = None
    jobs: int | None = None

    def __post_init__(self) -> None:
        if not self.accounts or any(not a or not a.isalnum() for a in self.accounts):
            raise SettingsError(f"accounts: {list(self.accounts)!r} — give prefixes like 401,411")
        if self.tolerance < 0 or self.tolerance_pct < 0:
            raise SettingsError("tolerance: must not be negative")
        if self.date_let not in ("latest", "today"):
            raise SettingsError(f"date_let: {self.date_let!r} — use 'latest' or 'today'")
        if self.letter_width is not None and not 1 <= self.letter_width <= 8:
            raise SettingsError("letter_width: from 1 to 8")
        if self.jobs is not None and self.jobs < 1:
            raise SettingsError("jobs: at least 1")

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], *, source: str = "settings") -> "Settings":
        """Settings from keyword arguments or a TOML table; unknown names are refused."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"{source}: unknown setting {unknown[0]!r} (known: {sorted(known)})")
        converted: dict[str, object] = {}
        for name, value in values.items():
            if value is None:
                continue
            converted[name] = _convert(name, value, source)
        return cls(**converted)  # type: ignore[arg-type]

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> dict[str, object]:
        """The settings table of a TOML file, as a mapping to merge under CLI flags."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as handle:
                table = tomllib.load(handle)
        except OSError as exc:
            raise SettingsError(f"{name}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{name}: not valid TOML: {exc}") from None
        table = dict(table.get("lettrage", table))
        cls.from_mapping(table, source=name)  # check names and values early
        return table


def _convert(name: str, value: object, source: str) -> object:
    try:
        if name == "accounts":
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, Sequence):
                raise ValueError("a list of prefixes")
            return tuple(str(item).strip() for item in items if str(item).strip())
        if name == "tolerance":
            return to_cents(value, name=name)
        if name == "tolerance_pct":
            return Decimal(str(value).replace(",", "."))
        if name in ("letter_width", "jobs"):
            return int(value)  # type: ignore[call-overload]
        if name == "today" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        return value
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise SettingsError(f"{source}: {name}: {value!r} is not usable ({exc})") from None
