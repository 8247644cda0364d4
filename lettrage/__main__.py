"""``python -m lettrage`` runs the command line."""
from lettrage.cli import main

raise SystemExit(main())
