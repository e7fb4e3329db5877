# Real-tool fixtures (browser, page, nginx) and helpers live in tests/tools.py;
# import helpers in test modules with `from tests.tools import validate_html, ...`.
pytest_plugins = ["tests.tools"]
