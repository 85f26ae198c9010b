"""The open data: a JSON API of the published reports and a CSV of each year's figures.

* ``GET /api/reports/`` — the listing, with the public page's filters (``year``,
  ``district``, ``kind``, ``q``); 20 a page; ``next`` is the URL of the following page
  (``cursor=…``: keyset pagination, as fast deep in the listing as at its start). ``page=N``
  is still read. Times are Beijing time with their offset (``2025-01-20T10:00:00+08:00``);
  ``agency_kind`` is the filter's value, ``agency_kind_label`` its Chinese name.
* ``GET /api/reports/<id>.json`` — the current version of a report in the interchange format
  (the published JSON file itself, byte for byte; its checksum is the ETag).
* ``GET /open-data/<year>.csv`` — every published report of the year, one row per report,
  one column per cell code; UTF-8 with a byte-order mark so that Excel reads the Chinese;
  a text cell a spreadsheet could take for a formula is prefixed with ``'``.
* ``GET /open-data/dictionary.csv`` — the data dictionary of those columns: each code with
  its Chinese table, row and column names (from ``reports/standard.py``).

Read-only, no sign-in, ``Access-Control-Allow-Origin: *``; cached as the public pages are
(``reports/public_cache``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_safe

from reports import standard
from reports.models import Agency, Publication
from reports.public_cache import (
    PAGE_MAX_AGE,
    cached_public_page,
    cached_value,
    public_generation,
    release,
    request_generation,
)
from reports.rendering import formats

from .listing import (
    LISTING_FIELDS,
    PAGE_SIZE,
    listing,
    listing_count,
    listing_rows,
    normalised_query,
    paginate,
    read_filters,
)
from .views import KIND_LABELS, file_response, stored_file

CSV_FIXED_COLUMNS = ("report_id", "agency", "district", "agency_kind", "year", "version", "published_at")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CURSOR_MAX_LENGTH = 400


def _public(response):
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
    return response


def local_iso(moment) -> str | None:
    """A time as readers here expect it: Beijing time with its offset (``…+08:00``)."""
    return timezone.localtime(moment).isoformat() if moment else None


def _item(request, publication: Publication) -> dict:
    report_id = publication.report_id
    version = publication.version
    return {
        "id": report_id,
        "agency": publication.agency_name,
        "district": publication.district.name,
        "agency_kind": publication.agency_kind,
        "agency_kind_label": Agency.Kind(publication.agency_kind).label,
        "year": publication.year,
        "version": version,
        "published_at": local_iso(publication.published_at),
        "url": request.build_absolute_uri(reverse("reports:public_detail", kwargs={"pk": report_id})),
        "document": request.build_absolute_uri(reverse("reports:api_detail", kwargs={"pk": report_id})),
        "files": {
            kind: request.build_absolute_uri(
                reverse("reports:public_download", kwargs={"pk": report_id, "version": version, "kind": kind})
            )
            for kind in formats.KINDS
        },
    }


# ── Keyset pagination ───────────────────────────────────────────────────────────────────


class BadCursor(ValueError):
    pass


def cursor_encode(publication: Publication) -> str:
    """The position after ``publication`` in the listing's order (year, agency name, id)."""
    raw = json.dumps([publication.year, publication.agency_name, publication.pk], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def cursor_decode(value: str) -> tuple[int, str, int]:
    if len(value) > CURSOR_MAX_LENGTH:
        raise BadCursor(value)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        year, name, pk = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise BadCursor(value) from exc
    if not (isinstance(year, int) and isinstance(name, str) and isinstance(pk, int)) or len(name) > 100:
        raise BadCursor(value)
    return year, name, pk


def rows_after(filters: dict, cursor: tuple[int, str, int], limit: int) -> list[Publication]:
    """Up to ``limit`` rows after ``cursor``, sought in the listing's index, so that a page
    deep in the listing costs what the first does. The rest of the cursor's year is a row
    comparison on the index's (agency name, id) — one query; only a page that runs into the
    next year needs a second one, for the years before."""
    year, name, pk = cursor
    quote = connection.ops.quote_name
    table = quote(Publication._meta.db_table)
    after = f"({table}.{quote('agency_name')}, {table}.{quote('id')}) > (%s, %s)"
    same_year = listing(filters).filter(year=year).extra(where=[after], params=[name, pk])
    # Not through ``listing_rows``' subquery: the row comparison names the outer table. With
    # the index's order and a limit, no row is joined that is not shown.
    rows = list(with_district(same_year)[:limit])
    if len(rows) < limit and not filters.get("year"):
        rows += with_district(listing(filters).filter(year__lt=year))[: limit - len(rows)]
    return rows


def with_district(queryset):
    return queryset.select_related("district").only(*LISTING_FIELDS)


def api_list_key(request) -> tuple | None:
    generation = request_generation(request)
    if generation is None:
        return None
    query = request.GET
    # The answer names this site's absolute URLs: the host and scheme are part of the key.
    return (
        generation,
        request.scheme,
        request.get_host(),
        *sorted(normalised_query(query).items()),
        *(query.get(name, "").strip()[: CURSOR_MAX_LENGTH + 1] for name in ("page", "cursor")),
    )


@require_safe
@cached_public_page(api_list_key)
def report_list(request):
    """The listing: ``count``, ``next`` (the URL of the following page, by keyset: the
    position after this page's last row) and ``results``. ``page=N`` is still read (an
    offset, with ``previous``) for the clients of the first version of the API."""
    filters = read_filters(request.GET)
    generation = request_generation(request)  # read once: the cache key read it already
    count = None
    cursor_value = request.GET.get("cursor", "").strip()
    page_number = previous = None
    if cursor_value:
        try:
            cursor = cursor_decode(cursor_value)
        except BadCursor:
            return _public(
                JsonResponse(
                    {"error": "cursor 参数无效：请使用上一页返回的 next 链接。"},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            )
        rows = rows_after(filters, cursor, PAGE_SIZE + 1)
        has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    elif "page" in request.GET:
        page = paginate(request, filters, generation=generation)
        rows, has_next, page_number = page.object_list, page.has_next(), page.number
        count = page.paginator.count
        if page.has_previous():
            previous = _url(request, page=str(page.previous_page_number()))
    else:
        rows = listing_rows(listing(filters).values("pk")[: PAGE_SIZE + 1])
        has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        page_number = 1
        if not has_next:
            count = len(rows)  # the first page holds them all: no count to ask for
    if count is None:
        count = listing_count(filters, generation=generation)
    data = {
        "count": count,
        "page": page_number,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "next": _url(request, cursor=cursor_encode(rows[-1])) if has_next and rows else None,
        "previous": previous,
        "filters": {key: value for key, value in filters.items() if value},
        "results": [_item(request, publication) for publication in rows],
    }
    return _public(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))


def _url(request, **replace: str) -> str:
    """A link to another page of this listing: the filters (as the cache key reads them, so a
    cached answer holds nothing else of its first visitor's query) and ``replace``."""
    params = {**normalised_query(request.GET), **replace}
    return request.build_absolute_uri(f"{reverse('reports:api_list')}?{urlencode(params)}")


@require_safe
def report_detail(request, pk: int):
    """The current version's JSON file. It changes when a correction is published: cached
    (here) with the generation and (by browsers) briefly, with its checksum as the ETag."""
    generation = public_generation()

    def compute():
        return stored_file(publication__report_id=pk, publication__is_current=True, kind="json")

    record = compute() if generation is None else cached_value(("api_detail", generation, pk), compute)
    if record is None:
        raise Http404("没有已发布的报告")
    return file_response(request, record, as_attachment=False, max_age=PAGE_MAX_AGE)


# ── CSV ─────────────────────────────────────────────────────────────────────────────────


def neutralise(value: object) -> object:
    """A text a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``, or after
    a tab or carriage return) made plain text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(year: int) -> Iterator[list]:
    yield [*CSV_FIXED_COLUMNS, *standard.CELL_CODES]
    rows = (
        Publication.objects.current()
        .filter(year=year)
        .order_by("district__name", "agency_name", "pk")
        .values_list(
            "report_id",
            "agency_name",
            "district__name",
            "agency_kind",
            "year",
            "version",
            "published_at",
            "snapshot__cells",
        )
    )
    codes = standard.CELL_CODES
    for report_id, agency, district, kind, row_year, version, published_at, cells in rows.iterator(chunk_size=500):
        get = (cells or {}).get
        fixed = [
            report_id,
            agency,
            district,
            KIND_LABELS.get(kind, kind),
            row_year,
            version,
            local_iso(published_at) or "",
        ]
        values = [get(code) for code in codes]  # numbers mostly: only texts can look like formulas
        yield [neutralise(value) for value in fixed] + [
            "" if value is None else neutralise(value) if isinstance(value, str) else value for value in values
        ]


@require_safe
def year_csv(request, year: int):
    """Every current publication of the year, one row each. Written once per publication
    generation to a file (``DATA_DIR/open-data``) and served from it, with an ``ETag`` that
    names the generation: a repeated download is a 304 or a file read, without a query."""
    generation = public_generation()
    if generation is None:  # no cache to name the file by: streamed from the database
        if not Publication.objects.current().filter(year=year).exists():
            raise Http404("该年度没有已发布的报告")
        return _csv_streamed(year)
    name = hashlib.sha256(f"{release()}\x1f{generation}\x1f{year}".encode()).hexdigest()[:32]
    etag = f'"{name}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return _public(not_modified)
    path = year_csv_file(year, name)
    if path is None:
        raise Http404("该年度没有已发布的报告")
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # removed meanwhile by a request of a newer generation
        return _csv_streamed(year)
    response = FileResponse(handle, content_type="text/csv; charset=utf-8")
    response["ETag"] = etag
    return _csv_headers(response, year)


def _csv_streamed(year: int):
    return _csv_headers(StreamingHttpResponse(csv_text(year), content_type="text/csv; charset=utf-8"), year)


def _csv_headers(response, year: int):
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{year}年政府信息公开工作年度报告数据.csv"
    )
    return _public(response)


def csv_text(year: int) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in csv_rows(year):
        yield writer.writerow(row)


def year_csv_file(year: int, name: str) -> Path | None:
    """The year's CSV written under ``name`` (its generation's), or ``None`` when the year has
    no current publication. One process writes it while the others wait for it (a lock file:
    4,000 reports take a second or two), to a temporary file renamed when complete, so that a
    reader never sees half a file; the year's files of earlier generations are then removed."""
    folder = Path(settings.DATA_DIR) / "open-data"
    path = folder / f"{year}-{name}.csv"
    if path.exists():
        return path
    if not Publication.objects.current().filter(year=year).exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{year}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if path.exists():  # written by another process meanwhile
            return path
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=folder, delete=False)
        try:
            with handle:
                handle.writelines(csv_text(year))
            os.replace(handle.name, path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        for older in folder.glob(f"{year}-*.csv"):
            if older != path:
                older.unlink(missing_ok=True)
        # A write cut short (the process killed) leaves its temporary file: gone after an hour.
        for stale in folder.glob("tmp*"):
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink()
    return path


# ── The data dictionary ─────────────────────────────────────────────────────────────────

#: The year CSV's fixed columns, explained.
CSV_FIXED_MEANINGS = {
    "report_id": ("报告编号", "报告页面 /reports/<编号>/ 与 JSON 接口中的编号"),
    "agency": ("机关名称", "发布时的机关名称"),
    "district": ("所属区", ""),
    "agency_kind": ("机关类型", "、".join(label for _, label in Agency.Kind.choices)),
    "year": ("年度", "报告所属年度"),
    "version": ("版本", "1 为首次发布；更正后发布的版本依次加一，表中为当前版本"),
    "published_at": ("发布时间", "北京时间，含时区（+08:00），ISO 8601 格式"),
}
DICTIONARY_HEADER = ("列名", "表", "栏目", "行", "列", "单位", "完整名称")


def dictionary_rows() -> Iterator[list[str]]:
    """One row per column of the year CSV: its code and its Chinese table, row and column
    names, all taken from ``reports/standard.py`` (the only list of cells)."""
    yield list(DICTIONARY_HEADER)
    for code in CSV_FIXED_COLUMNS:
        name, note = CSV_FIXED_MEANINGS[code]
        yield [code, "", "", "", "", "", f"{name}（{note}）" if note else name]
    for table in standard.STANDARD.tables:
        for section in table.sections:
            for cell in section.cells:
                yield [
                    cell.code,
                    f"{table.part}、{table.title}",
                    section.title,
                    " / ".join(cell.row.path),
                    " / ".join(cell.column.path),
                    cell.kind.unit,
                    cell.label,
                ]


@require_safe
def dictionary_csv(request):
    """The data dictionary of the year CSVs (the same for every year). It changes only with
    the code: a browser may keep it a day."""
    body = cached_value(("dictionary",), _dictionary_text, immutable=True)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="政府信息公开工作年度报告数据字典.csv"
    )
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


def _dictionary_text() -> str:
    writer = csv.writer(_Echo())
    return "\ufeff" + "".join(writer.writerow([neutralise(value) for value in row]) for row in dictionary_rows())
