"""The JSON interchange format (``shared/spec/report-data-format.md``): read and write.

(Skeleton: the document type is fixed here; parsing and writing are being filled in.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from . import standard


class InterchangeError(Exception):
    """A file that cannot be read as a report. ``str(exc)`` is a one-line Chinese message."""


@dataclass
class ReportDocument:
    """One agency's report for one year, as the interchange format holds it.

    ``cells`` maps every cell code to its raw value: ``int`` for counts, ``str`` holding a
    decimal for amounts, ``None`` for blank. Values are *not* validated here: a wrong value
    (negative, text, too many places) is kept as found so the rules report it
    (``CELL-INVALID``). Unknown cell codes, however, are refused when parsing.
    """

    year: int
    agency_name: str
    district_name: str = ""
    texts: dict[str, str] = field(default_factory=standard.empty_texts)
    cells: dict[str, object] = field(default_factory=standard.empty_cells)
    signature_organ: str = ""
    signature_date: datetime.date | None = None
