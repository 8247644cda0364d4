"""``python -m lettrage`` runs the command line."""
from lettrage.cli import command

command()
