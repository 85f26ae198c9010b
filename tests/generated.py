"""Generated report figures that pass every table rule, for tests and benchmarks of many agencies.

``generated_cells(seed)`` builds all cells of ``reports/standard.py`` from a seeded random
generator: table 三 balances in every column (new + carried in = handled + carried out) with
each row's 总计 the sum of the applicant columns, table 四's totals add up, the fees collected
do not exceed the fees notified, and documents in force are at least issued − repealed.
Counts are ``int`` and amounts decimal strings, as the interchange format stores them.
"""

from __future__ import annotations

import random
from decimal import Decimal

from reports import standard
from reports.standard import T3_HANDLING_ROWS, T3_PART_COLUMNS, T4_GROUPS, t3, t4


def generated_cells(seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    cells: dict[str, object] = {}
    for cell in standard.TABLE_2.cells:
        if cell.kind.is_amount:
            cells[cell.code] = str(Decimal(rng.randint(0, 500_000)) / 10_000)
        else:
            cells[cell.code] = rng.randint(0, 40)
    for row in ("regulation", "normative"):
        issued, repealed = cells[f"t2.{row}.issued"], cells[f"t2.{row}.repealed"]
        cells[f"t2.{row}.in_force"] = max(0, issued - repealed) + rng.randint(0, 30)
    for column in T3_PART_COLUMNS:
        handled = {row: rng.choice((0, 0, 0, 1, 2, 5)) for row in T3_HANDLING_ROWS}
        handled_total = sum(handled.values())
        carried_out = rng.randint(0, 3)
        carried_in = rng.randint(0, handled_total + carried_out)
        cells.update({t3(row, column): value for row, value in handled.items()})
        cells[t3("handled_total", column)] = handled_total
        cells[t3("carried_out", column)] = carried_out
        cells[t3("carried_in", column)] = carried_in
        cells[t3("new", column)] = handled_total + carried_out - carried_in
    for row in standard.T3_ROWS:
        cells[t3(row.code, "total")] = sum(cells[t3(row.code, column)] for column in T3_PART_COLUMNS)
    for group, _path, _label in T4_GROUPS:
        parts = {column: rng.randint(0, 3) for column in ("upheld", "corrected", "other", "pending")}
        cells.update({t4(group, column): value for column, value in parts.items()})
        cells[t4(group, "total")] = sum(parts.values())
    unpaid = cells[t3("other_handling.unpaid_fee", "total")]
    cells["t6.fee_notices"] = unpaid + rng.randint(0, 3)
    notified = Decimal(rng.randint(0, 100_000)) / 100
    cells["t6.fee_notice_amount"] = str(notified)
    cells["t6.fee_collected"] = str(notified - Decimal(rng.randint(0, int(notified * 100))) / 100)
    assert set(cells) == set(standard.CELL_CODES)
    return cells
