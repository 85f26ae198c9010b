"""The official tables as the editing page lays them out: built from ``reports/standard.py``.

Each input gets its place in one page-wide grid (``r`` = the row among all data rows of all
tables, ``c`` = the column within that row), which the page's script uses for Enter, the
arrow keys and pasting a block copied from Excel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import standard
from .forms import cell_dom_id


@dataclass(frozen=True)
class GridCell:
    code: str
    dom_id: str
    label: str
    value: str
    is_amount: bool
    places: int
    prefilled: bool
    r: int
    c: int

    @property
    def inputmode(self) -> str:
        return "decimal" if self.is_amount else "numeric"


@dataclass(frozen=True)
class GridRow:
    labels: list[standard.HeaderCell]
    cells: list[GridCell]
    label_depth: int = 0  # the section's number of label columns

    @property
    def placed_labels(self) -> list[tuple[int, standard.HeaderCell]]:
        """Each label with the label column it starts in: a row holds the labels that start on
        it, and its last one reaches the last label column (the others span down from above).
        The page uses it to hold the labels at the left while a table scrolls sideways."""
        col = self.label_depth - sum(label.colspan for label in self.labels)
        placed = []
        for label in self.labels:
            placed.append((col, label))
            col += label.colspan
        return placed


@dataclass(frozen=True)
class GridSection:
    title: str
    corner: str
    corner_colspan: int
    corner_rowspan: int
    header_rows: list[list[standard.HeaderCell]]
    rows: list[GridRow]
    width: int


@dataclass(frozen=True)
class GridTable:
    code: str
    part: str
    title: str
    note: str
    sections: list[GridSection]

    @property
    def anchor(self) -> str:
        return f"table-{self.code}"


def display_value(raw: object) -> str:
    return "" if raw is None else str(raw)


def grid_tables(cells: Mapping[str, object], prefilled: Iterable[str] = ()) -> list[GridTable]:
    prefilled = set(prefilled)
    tables = []
    r = 0
    for table in standard.STANDARD.tables:
        sections = []
        for section in table.sections:
            rows = []
            for body_row in section.body_rows():
                row_cells = [
                    GridCell(
                        code=cell.code,
                        dom_id=cell_dom_id(cell.code),
                        label=cell.label,
                        value=display_value(cells.get(cell.code)),
                        is_amount=cell.kind.is_amount,
                        places=cell.kind.places,
                        prefilled=cell.code in prefilled,
                        r=r,
                        c=c,
                    )
                    for c, cell in enumerate(body_row.cells)
                ]
                rows.append(GridRow(labels=body_row.labels, cells=row_cells, label_depth=section.row_depth))
                r += 1
            sections.append(
                GridSection(
                    title=section.title,
                    corner=section.corner,
                    corner_colspan=section.row_depth,
                    corner_rowspan=section.header_depth,
                    header_rows=section.header_rows(),
                    rows=rows,
                    width=section.row_depth + len(section.columns),
                )
            )
        tables.append(GridTable(table.code, table.part, table.title, table.note, sections))
    return tables
