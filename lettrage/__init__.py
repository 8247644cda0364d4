"""lettrage — automatic lettering of the third-party accounts of a general ledger.

>>> import lettrage
>>> ledger = lettrage.read_fec("123456789FEC20241231.txt")   # doctest: +SKIP
>>> result = lettrage.match(ledger)                          # doctest: +SKIP
>>> lettrage.write_fec(result, "lettered.txt")               # doctest: +SKIP
"""
import gc as _gc

# Importing pandas, pyarrow and the passes makes some 70 000 objects that all stay: the
# garbage collector's passes over them (about a tenth of the imports' time) would find
# nothing. They are made without it, then set aside (frozen) before it runs again.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from lettrage.engine import match
    from lettrage.errors import FecError, SettingsError
    from lettrage.io.fec_reader import read_fec
    from lettrage.io.fec_writer import write_fec
    from lettrage.result import MatchResult
    from lettrage.settings import Settings
finally:
    if _collecting:
        _gc.freeze()
        _gc.enable()

__all__ = ["FecError", "MatchResult", "Settings", "SettingsError", "match", "read_fec", "write_fec"]
__version__ = "0.1.0"
