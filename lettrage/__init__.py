"""lettrage — automatic lettering of the third-party accounts of a general ledger.

>>> import lettrage
>>> ledger = lettrage.read_fec("123456789FEC20241231.txt")   # doctest: +SKIP
>>> result = lettrage.match(ledger)                          # doctest: +SKIP
>>> lettrage.write_fec(result, "lettered.txt")               # doctest: +SKIP
"""
from lettrage.engine import match
from lettrage.errors import FecError, SettingsError
from lettrage.io.fec_reader import read_fec
from lettrage.io.fec_writer import write_fec
from lettrage.result import MatchResult
from lettrage.settings import Settings

__all__ = ["FecError", "MatchResult", "Settings", "SettingsError", "match", "read_fec", "write_fec"]
__version__ = "0.1.0"
