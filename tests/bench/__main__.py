"""`python -m tests.bench`: the benchmark (see tests/bench/__init__.py)."""

import sys

from tests.bench.series import main

sys.exit(main())
