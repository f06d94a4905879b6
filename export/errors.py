"""The one exception the exporter raises for problems a user can fix (the CLI exits with code 2)."""


class ExportError(Exception):
    """What was wrong, what was expected, what to do; shown as one line, never a traceback."""
