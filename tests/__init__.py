# Makes tests/ a package so that `tests.tools` (the real-tool fixtures and
# helpers) is importable as `from tests.tools import ...` from any test module.
