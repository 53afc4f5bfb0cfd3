"""The IPS steering dashboard (README.md). Layers: extract -> figures -> delivery, report, app."""

from pathlib import Path

# The repository's folder: queries/, data/, roles.toml and targets.toml are found from here.
ROOT = Path(__file__).resolve().parent.parent
