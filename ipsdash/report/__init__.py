"""The funder report and the slides: figures gathered, then laid out."""
