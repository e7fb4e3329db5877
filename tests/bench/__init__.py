"""The benchmark: generated district-scale sites, built by dwgk and by Hugo, timed from outside.

Run it as the README says (`bash tests/bench.sh`, which installs Hugo), or `python -m tests.bench`
from the repository. It is not part of the dwgk package:

    series.py     what is measured, in which order, the targets and the printed table
    probe.py      one timed command (wall, CPU, memory of its process tree), the machine, and the
                  file system the outputs go to (type, journal)
    benchdata.py  the generated content (dwgk content folders and an equivalent Hugo site)
"""
