"""Limits no editor meets, declared once: input beyond them is hostile or broken, and is refused
with its line rather than allowed to take the machine's memory or time (the README lists them).
"""

from __future__ import annotations

#: Bytes of one content file that dwgk reads as text (site.yml, notice.md, an issue file). The
#: bundled notice is 9 KB, an issue file 1 to 2 KB; an attachment has no limit.
MAX_TEXT_FILE_BYTES = 1_000_000

#: Characters of one value of a single-line field (a title, a unit's name, a category).
MAX_FIELD_CHARS = 500

#: Levels of lists and maps inside one another in YAML; dwgk's own fields use two.
MAX_YAML_DEPTH = 8

#: Lists and quotes inside one another on one line of Markdown ("- - - x", "> 1. > x").
MAX_MARKDOWN_NESTING = 20

#: "[" still open at once in one paragraph of Markdown (a link's text inside a link's text …).
MAX_OPEN_BRACKETS = 20

#: Characters inside square brackets in one Markdown body, added up over every "[" (from it to
#: its "]", or to the end of its paragraph when there is none). Python-Markdown reads them all
#: once per "[", which made 30,000 nested brackets take two minutes.
MAX_BRACKETED_CHARS = 200_000
