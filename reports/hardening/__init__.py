"""Refusing hostile input before any work is done on it (issue 11).

- ``text``: the characters no text of a report may hold (NUL and the other control
  characters but tab and line breaks, the bidi overrides that make text read otherwise than
  it is stored, lone surrogates PostgreSQL cannot store), found in one pass.
- ``jsonbody``: JSON parsed strictly — a 5,000-digit integer, an array nested 100,000 deep,
  NaN/Infinity or 1e999 are an error with a Chinese message, never a 500.
- ``middleware``: the request body refused on its ``Content-Length`` before a byte of it is
  read (413), and an id in a URL beyond the database's integer range a 404.

Every entry path (the form, the JSON endpoints, the spreadsheet upload, ``import_report``)
uses these, so a limit is the same wherever the input comes from.
"""

from .jsonbody import JsonInputError, strict_json_loads
from .text import unsafe_character_message

__all__ = ["JsonInputError", "strict_json_loads", "unsafe_character_message"]
