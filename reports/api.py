"""The open data: a JSON API of the published reports and a CSV of each year's figures.

* ``GET /api/reports/`` — the listing, with the public page's filters (``year``,
  ``district``, ``kind``, ``q``) and ``page``; 20 a page.
* ``GET /api/reports/<id>.json`` — the current version of a report in the interchange format
  (the published JSON file itself, byte for byte; its checksum is the ETag).
* ``GET /open-data/<year>.csv`` — every published report of the year, one row per report,
  one column per cell code; UTF-8 with a byte-order mark so that Excel reads the Chinese;
  a text cell a spreadsheet could take for a formula is prefixed with ``'``.

Read-only, no sign-in, ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import formats, standard
from .models import Agency, Publication, PublicationFile
from .public_views import PAGE_MAX_AGE, PublicFilterForm, file_response, listing, paginate

CSV_FIXED_COLUMNS = ("report_id", "agency", "district", "agency_kind", "year", "version", "published_at")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _public(response):
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
    return response


def _item(request, publication: Publication) -> dict:
    report_id = publication.report_id
    version = publication.version
    return {
        "id": report_id,
        "agency": publication.agency_name,
        "district": publication.agency.district.name,
        "agency_kind": publication.agency.kind,
        "agency_kind_label": Agency.Kind(publication.agency.kind).label,
        "year": publication.year,
        "version": version,
        "published_at": publication.published_at.isoformat() if publication.published_at else None,
        "url": request.build_absolute_uri(reverse("reports:public_detail", kwargs={"pk": report_id})),
        "document": request.build_absolute_uri(reverse("reports:api_detail", kwargs={"pk": report_id})),
        "files": {
            kind: request.build_absolute_uri(
                reverse("reports:public_download", kwargs={"pk": report_id, "version": version, "kind": kind})
            )
            for kind in formats.KINDS
        },
    }


@require_safe
def report_list(request):
    form = PublicFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = paginate(request, listing(filters))

    def page_url(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return request.build_absolute_uri(f"{reverse('reports:api_list')}?{params.urlencode()}")

    data = {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": page.paginator.per_page,
        "next": page_url(page.next_page_number()) if page.has_next() else None,
        "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
        "filters": {key: value for key, value in filters.items() if value},
        "results": [_item(request, publication) for publication in page.object_list],
    }
    return _public(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))


@require_safe
def report_detail(request, pk: int):
    try:
        record = PublicationFile.objects.select_related("publication").get(
            publication__report_id=pk, publication__is_current=True, kind="json"
        )
    except PublicationFile.DoesNotExist:
        raise Http404("没有已发布的报告") from None
    # The current version changes when a correction is published: cached briefly only.
    return file_response(record, as_attachment=False, max_age=PAGE_MAX_AGE)


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
        .order_by("agency__district__name", "agency_name", "pk")
        .values_list(
            "report_id",
            "agency_name",
            "agency__district__name",
            "agency__kind",
            "year",
            "version",
            "published_at",
            "snapshot",
        )
    )
    for report_id, agency, district, kind, row_year, version, published_at, snapshot in rows.iterator(chunk_size=500):
        cells = (snapshot or {}).get("cells") or {}
        fixed = [report_id, agency, district, kind, row_year, version, published_at.isoformat() if published_at else ""]
        yield [neutralise(value) for value in fixed] + [
            neutralise("" if cells.get(code) is None else cells.get(code)) for code in standard.CELL_CODES
        ]


@require_safe
def year_csv(request, year: int):
    if not Publication.objects.current().filter(year=year).exists():
        raise Http404("该年度没有已发布的报告")
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"
        for row in csv_rows(year):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{year}年政府信息公开工作年度报告数据.csv"
    )
    return _public(response)
