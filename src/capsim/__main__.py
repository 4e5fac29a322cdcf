"""``python -m capsim`` runs the command line."""

from capsim.cli.main import entry_point

entry_point()
