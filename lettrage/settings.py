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

#: Write-off nature -> default account (French chart of accounts).
WRITEOFF_ACCOUNTS: dict[str, str] = {
    "bank_fees": "627000",
    "discount_granted": "665000",
    "discount_received": "765000",
    "rounding_loss": "658000",
    "rounding_gain": "758000",
    "exchange_loss": "666000",
    "exchange_gain": "766000",
}


@dataclass(frozen=True)
class Settings:
    """What a run may change. Amounts are integer cents.

    Attributes
    ----------
    accounts : prefixes of the third-party accounts to letter (default 40, 41).
    tolerance : absolute gap, in cents, a group may leave and still be lettered (default 0).
    tolerance_pct : gap allowed as a percentage of the group (default 0).
    date_let : ``"latest"`` (the latest EcritureDate of the group) or ``"today"``.
    today : the run date used by ``date_let="today"`` (default: the current date).
    letter_width : minimum width of new codes (``3`` → AAA, AAB…); ``None`` follows the
        most common width of the codes already in the ledger.
    jobs : worker processes for the lettering passes (default 1 in the library; the command
        line defaults to every core). Letters do not depend on it.
    window_days : the date span a group may cover (default 120 days).
    learn_window : widen the window of a third party whose history shows slow payment:
        twice the 90th percentile of its groups' spans, up to ``max_window_days``
        (default True); never narrower than ``window_days``.
    max_window_days : the widest window ever searched.
    max_group_size : the most lines in one group of the subset pass.
    max_solutions : a search finding more candidate groups than this leaves its lines to
        review (too ambiguous to letter).
    solve_time_limit : limit per CP-SAT search, in the solver's deterministic seconds (about
        wall-clock seconds, but the same on every machine); a search that reaches it sends
        its lines to review and is reported in the run's issues.
    opening_balances : ``"review"`` (default): an aggregated opening balance — a line whose
        label only says "Report à nouveau" — is never lettered automatically, it goes to
        the review list; ``"letter"``: it is matched like any other line.
    review_gap, review_gap_pct : the review pass proposes an invoice and a settlement this
        far apart (the larger of cents and percent of the invoice; default 10.00 and 5 %)
        as a ``gap`` — a discount, fees — rather than a partial payment.
    review_top : proposals kept per open line in the review list (default 3; every tied
        group is kept).
    company_currency : lines in another ``Idevise`` are matched on ``Montantdevise``.
    writeoff_journal : journal code of the write-off entries.
    writeoff_accounts : account per write-off nature (see ``WRITEOFF_ACCOUNTS``).
    """

    accounts: tuple[str, ...] = DEFAULT_ACCOUNTS
    tolerance: int = 0
    tolerance_pct: Decimal = Decimal(0)
    date_let: str = "latest"
    today: dt.date | None = None
    letter_width: int | None = None
    jobs: int | None = None
    window_days: int = 120
    learn_window: bool = True
    max_window_days: int = 365
    max_group_size: int = 6
    max_solutions: int = 16
    solve_time_limit: float = 0.5
    opening_balances: str = "review"
    review_gap: int = 1_000
    review_gap_pct: Decimal = Decimal(5)
    review_top: int = 3
    company_currency: str = "EUR"
    writeoff_journal: str = "OD"
    writeoff_accounts: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: dict(WRITEOFF_ACCOUNTS)
    )

    def __post_init__(self) -> None:
        if not self.accounts or any(not a or not a.isalnum() for a in self.accounts):
            raise SettingsError(f"accounts: {list(self.accounts)!r} — give prefixes like 401,411")
        if self.tolerance < 0 or self.tolerance_pct < 0:
            raise SettingsError("tolerance: must not be negative")
        if self.review_gap < 0 or self.review_gap_pct < 0 or self.review_top < 1:
            raise SettingsError("review_gap, review_gap_pct: not negative; review_top: at least 1")
        if self.opening_balances not in ("review", "letter"):
            raise SettingsError(f"opening_balances: {self.opening_balances!r} — use 'review' or 'letter'")
        if self.date_let not in ("latest", "today"):
            raise SettingsError(f"date_let: {self.date_let!r} — use 'latest' or 'today'")
        if self.letter_width is not None and not 1 <= self.letter_width <= 8:
            raise SettingsError("letter_width: from 1 to 8")
        if self.jobs is not None and self.jobs < 1:
            raise SettingsError("jobs: at least 1")
        if not 1 <= self.window_days <= self.max_window_days:
            raise SettingsError("window_days: from 1 to max_window_days")
        if not 2 <= self.max_group_size <= 10:
            raise SettingsError("max_group_size: from 2 to 10")
        if self.max_solutions < 1 or self.solve_time_limit <= 0:
            raise SettingsError("max_solutions and solve_time_limit: must be positive")
        unknown = set(self.writeoff_accounts) - set(WRITEOFF_ACCOUNTS)
        if unknown:
            raise SettingsError(f"writeoff_accounts: unknown nature {min(unknown)!r} "
                                f"(known: {sorted(WRITEOFF_ACCOUNTS)})")

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], *, source: str = "settings") -> Settings:
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
        if name in ("tolerance", "review_gap"):
            return to_cents(value, name=name)
        if name in ("tolerance_pct", "review_gap_pct"):
            return Decimal(str(value).replace(",", "."))
        if name in ("letter_width", "jobs", "window_days", "max_window_days",
                    "max_group_size", "max_solutions", "review_top"):
            return int(value)  # type: ignore[call-overload]
        if name == "solve_time_limit":
            return float(value)  # type: ignore[arg-type]
        if name == "writeoff_accounts":
            if not isinstance(value, Mapping):
                raise ValueError("a table nature = account")
            return {**WRITEOFF_ACCOUNTS, **{str(k): str(v) for k, v in value.items()}}
        if name == "today" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        return value
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise SettingsError(f"{source}: {name}: {value!r} is not usable ({exc})") from None
