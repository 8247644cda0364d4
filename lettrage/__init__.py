"""lettrage — automatic lettering of the third-party accounts of a general ledger."""
from lettrage.errors import FecError, SettingsError
from lettrage.io.fec_reader import read_fec

__all__ = ["FecError", "SettingsError", "read_fec"]
__version__ = "0.1.0"
