"""The public site: no sign-in, read-only. The listing of published reports, a report's page
in the official layout with its charts, downloads and versions, and the open-data page.

Everything shown comes from publications (``reports.models.Publication``), never from the
live report: a report under correction keeps showing its current published version until
the next one is published. Every view here answers GET and HEAD only.

Served at the framework's floor (issue 13, see ``reports/public_cache``): for an anonymous
visitor each page is kept in the shared cache — the listings, the open-data page and a
report's current page under the publication generation (a publication makes them new at
once), a published version's page and files forever (they never change). A miss costs at
most three queries; a hit none. Browsers and proxies may keep a page 30 seconds (with an
``ETag`` to revalidate), a version's page and files a year.
"""

from __future__ import annotations

import calendar
from functools import cached_property

from django import forms
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.html import escape
from django.utils.http import http_date, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from . import charts, formats
from .documents import render_html
from .models import Agency, District, Publication, PublicationFile
from .public_cache import (
    IMMUTABLE_MAX_AGE,
    cached_public_page,
    cached_value,
    public_cache_control,
    public_generation,
    request_generation,
)
from .publishing import media_path, publication_document

PAGE_SIZE = 20
FILE_MAX_AGE = IMMUTABLE_MAX_AGE


class KindConverter:
    """``pdf``, ``docx``, ``xlsx``, ``json`` or ``html`` (``formats.KINDS``) in a download URL."""

    regex = "|".join(formats.KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# ── The listing ─────────────────────────────────────────────────────────────────────────


class PublicFilterForm(forms.Form):
    """The listing's filters, shared by the page and the JSON API. Invalid values are ignored.

    ``choices=False`` (the API) checks the year and district as numbers only, so that the
    filter choices need not be read to answer."""

    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    district = forms.TypedChoiceField(label="所属区", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="机关类型", required=False, choices=[("", "全部类型"), *Agency.Kind.choices])
    q = forms.CharField(label="机关名称", required=False, max_length=50, strip=True)

    def __init__(self, *args, choices: bool = True, generation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices:
            found = facets(generation=generation)
            self.fields["year"].choices = [("", "全部年度"), *((year, f"{year}年") for year in found["years"])]
            self.fields["district"].choices = [("", "全部区"), *found["districts"]]
        else:
            self.fields["year"] = forms.IntegerField(required=False, min_value=1, max_value=9999)
            self.fields["district"] = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def filters(self) -> dict:
        if not self.is_valid():
            # Keep what is valid: a bad year does not drop the search by name.
            return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return dict(self.cleaned_data)


def facets(*, generation=None) -> dict:
    """The years and the districts that have published reports (the filters' choices), in
    one query, cached with the generation (``generation``: the one the caller has read
    already; read here when not given)."""

    def compute() -> dict:
        rows = list(
            Publication.objects.current().order_by().values_list("year", "district_id", "district__name").distinct()
        )
        return {
            "years": sorted({year for year, _, _ in rows}, reverse=True),
            "districts": sorted({(pk, name) for _, pk, name in rows}, key=lambda item: (item[1], item[0])),
        }

    generation = public_generation() if generation is None else generation
    return compute() if generation is None else cached_value(("facets", generation), compute)


def published_years() -> list[int]:
    return facets()["years"]


LISTING_FIELDS = (
    "id",
    "report_id",
    "year",
    "version",
    "agency_name",
    "agency_kind",
    "published_at",
    "district__name",
)
LISTING_ORDER = ("-year", "agency_name", "pk")
#: What the listing page shows of a row (:func:`listing_page_values`), in this order.
LISTING_VALUES = ("report_id", "year", "version", "agency_name", "agency_kind", "published_at", "district__name")


def listing(filters: dict):
    """The current published versions matching ``filters`` (year, district, kind, q), newest
    year first, then by agency name. Each filter is a column of the publication served by
    a partial index (``publication_listing``, ``…_district``, ``…_kind``)."""
    queryset = Publication.objects.current().order_by(*LISTING_ORDER)
    if filters.get("year"):
        queryset = queryset.filter(year=filters["year"])
    if filters.get("district"):
        queryset = queryset.filter(district_id=filters["district"])
    if filters.get("kind"):
        queryset = queryset.filter(agency_kind=filters["kind"])
    if filters.get("q"):
        queryset = queryset.filter(agency_name__icontains=filters["q"])
    return queryset


def listing_rows(ids_queryset):
    """The rows whose ids ``ids_queryset`` (a sliced ``values("pk")`` query) selects, with
    their district, in the listing's order: one query. The slice is cut on the index alone
    (no join for the rows skipped), then only its rows are joined."""
    return list(listing_rows_query(ids_queryset))


def listing_rows_query(ids_queryset):
    return (
        Publication.objects.filter(pk__in=ids_queryset)
        .select_related("district")
        .only(*LISTING_FIELDS)
        .order_by(*LISTING_ORDER)
    )


def filters_key(filters: dict) -> tuple:
    return tuple((name, filters[name]) for name in sorted(filters) if filters[name] not in (None, ""))


def listing_count(filters: dict, *, generation=None) -> int:
    """How many reports match, cached with the generation: a deep page does not count again."""
    generation = public_generation() if generation is None else generation

    def compute() -> int:
        return listing(filters).count()

    return compute() if generation is None else cached_value(("count", generation, filters_key(filters)), compute)


class CountedPaginator(Paginator):
    """A paginator whose count is given (cached), not queried."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


def paginate(request, filters: dict, *, generation=None):
    """The page asked for (clamped into range), its rows loaded in one query; with the count
    (cached with the generation) when it is not known yet: two."""
    queryset = listing(filters)
    paginator = CountedPaginator(queryset.values("pk"), PAGE_SIZE, count=listing_count(filters, generation=generation))
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = listing_rows(page.object_list) if paginator.count else []
    return page


def listing_page_values(filters: dict, number: int | None) -> tuple[list[tuple], int]:
    """Page ``number`` of the listing (``None``: the last page) as tuples of
    :data:`LISTING_VALUES`, and how many reports match in all (``0`` when the page is past
    the end): one query.

    The count is a window (``COUNT(*) OVER ()``) over the filtered ids, computed by the same
    scan that cuts the page, so a miss of a filtered listing neither scans its rows twice nor
    pays for a second query; the page is cut on the ids alone and only its rows are joined
    with their district. The last page (asked for, or a page past the end) is the rows whose
    position is past the last multiple of the page size below the count."""
    ids = listing(filters).annotate(total=models.Window(models.Count("*")))
    if number is None:
        order = [models.F("year").desc(), models.F("agency_name").asc(), models.F("pk").asc()]
        ids = ids.annotate(position=models.Window(RowNumber(), order_by=order)).values("pk", "total", "position")
        condition = f"WHERE page.position > (page.total - 1) / {PAGE_SIZE} * {PAGE_SIZE} "
        names = "id, total, position"
    else:
        offset = (number - 1) * PAGE_SIZE
        ids = ids.values("pk", "total")[offset : offset + PAGE_SIZE]
        condition, names = "", "id, total"
    inner, params = ids.query.sql_with_params()
    quote = connection.ops.quote_name
    publication, district = quote(Publication._meta.db_table), quote(District._meta.db_table)
    columns = ", ".join(f"p.{quote(name)}" for name in LISTING_VALUES[:-1])
    sql = (
        f"SELECT {columns}, d.{quote('name')}, page.total FROM ({inner}) AS page ({names}) "
        f"JOIN {publication} p ON p.{quote('id')} = page.id "
        f"JOIN {district} d ON d.{quote('id')} = p.{quote('district_id')} {condition}"
        f"ORDER BY p.{quote('year')} DESC, p.{quote('agency_name')}, p.{quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [row[:-1] for row in fetched], (fetched[0][-1] if fetched else 0)


#: Pages beyond this are the last page (as the paginator clamps them) without asking.
MAX_PAGE_NUMBER = 10**7


def page_number(value: str | None) -> int | None:
    """The page asked for, read as the paginator reads it: not a number → the first page;
    below 1 (or absurdly far) → the last page (``None``)."""
    try:
        number = int(value) if value not in (None, "") else 1
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE_NUMBER else None


def paginate_values(request, filters: dict):
    """The listing page's rows (tuples of :data:`LISTING_VALUES`) and the count in one query
    (:func:`listing_page_values`); a page past the end costs a second one, for the last page."""
    number = page_number(request.GET.get("page"))
    rows, count = listing_page_values(filters, number) if number is not None else ([], 0)
    if not rows and number != 1:
        rows, count = listing_page_values(filters, None)
        number = None
    paginator = CountedPaginator([], PAGE_SIZE, count=count)
    page = paginator.page(paginator.num_pages if number is None else number)
    page.object_list = rows
    return page


FILTER_NAMES = ("year", "district", "kind", "q")


def normalised_query(query) -> dict[str, str]:
    """The filter parameters as the cache key reads them. The page links are built from these
    alone, so that a cached page holds nothing of its first visitor's other parameters."""
    values = {name: query.get(name, "").strip()[:60] for name in FILTER_NAMES}
    return {name: value for name, value in values.items() if value}


def query_without_page(request) -> str:
    return urlencode(normalised_query(request.GET))


def listing_key(request) -> tuple | None:
    """The listing's cache key: the generation and the query, normalised as the form reads it
    (unknown parameters, blanks and the order of the parameters do not matter)."""
    generation = request_generation(request)
    if generation is None:
        return None
    # The page as the view reads it (``x`` is the first page, ``0`` or ``-3`` the last), so
    # that no spelling of a page is kept under another page's key.
    page = page_number(request.GET.get("page"))
    page = "last" if page is None else page
    return (generation, *sorted(normalised_query(request.GET).items()), page)


def filter_options(form: PublicFilterForm) -> dict[str, SafeString]:
    """Each filter's ``<option>`` elements, written here rather than by a template loop (a
    listing miss renders them all: the districts are dozens)."""
    options = {}
    for name in ("year", "district", "kind"):
        chosen = form[name].value()
        chosen = "" if chosen is None else str(chosen)
        options[name] = mark_safe(
            "".join(
                f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>{escape(label)}</option>'
                for value, label in form.fields[name].choices
            )
        )
    return options


KIND_LABELS = dict(Agency.Kind.choices)


def listing_rows_html(rows: list[tuple], detail_url: str) -> SafeString:
    """The listing's table rows, written in Python (every text escaped): a miss of a filtered
    listing spends its time here, and a template loop over the rows costs several times more."""
    html = []
    for report_id, year, version, agency_name, agency_kind, published_at, district_name in rows:
        published = timezone.localtime(published_at) if published_at else None
        title = f"{escape(agency_name)}{year}年政府信息公开工作年度报告"
        version_text = f"第 {version} 版（已更正）" if version > 1 else "第 1 版"
        date = f"{published.year}年{published.month}月{published.day}日" if published else ""
        district, kind = escape(district_name), escape(KIND_LABELS.get(agency_kind, agency_kind))
        # On a phone two columns: the district, kind, version and date under the agency's name.
        html.append(
            f'<tr><td>{year}</td><td><a href="{detail_url.format(report_id)}">{title}</a>'
            f'<div class="small text-body-secondary d-md-none public-row-meta">'
            f"{district} · {kind} · {version_text} · {date}发布</div></td>"
            f'<td class="d-none d-md-table-cell">{district}</td><td class="d-none d-md-table-cell">{kind}</td>'
            f'<td class="d-none d-md-table-cell">{version_text}</td>'
            f'<td class="small d-none d-md-table-cell">{date}</td></tr>\n'
        )
    return mark_safe("".join(html))


@require_safe
@cached_public_page(listing_key)
def public_list(request):
    generation = request_generation(request)
    form = PublicFilterForm(request.GET or None, generation=generation)
    filters = form.filters() if request.GET else {}
    page = paginate_values(request, filters)
    detail_url = reverse("reports:public_detail", args=[0]).replace("/0/", "/{}/")
    return render(
        request,
        "reports/public_list.html",
        {
            "form": form,
            "options": filter_options(form),
            "page": page,
            "rows_html": listing_rows_html(page.object_list, detail_url),
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "ellipsis": page.paginator.ELLIPSIS,
            "query": query_without_page(request),
            "filtered": any(filters.values()),
        },
    )


# ── A report's page ─────────────────────────────────────────────────────────────────────


def published_versions(report_id: int, *, up_to: int | None = None) -> list[Publication]:
    """The report's published versions, newest first, with their files: two queries."""
    queryset = Publication.objects.filter(report_id=report_id, status=Publication.Status.PUBLISHED)
    if up_to is not None:
        queryset = queryset.filter(version__lte=up_to)
    return list(queryset.prefetch_related("files").order_by("-version"))


def document_html(publication: Publication) -> str:
    """The report's ``<article>`` in the official layout; kept forever, since a published
    version never changes."""
    return cached_value(
        ("document", publication.pk, publication.version),
        lambda: render_html(publication_document(publication), page=False),
        immutable=True,
    )


def years_points(publication: Publication) -> list[tuple[int, dict]]:
    """(year, cells) of the agency's current versions up to this report's year: one query,
    reading only the cells of each snapshot."""
    rows = (
        Publication.objects.current()
        .filter(agency_id=publication.agency_id, year__lte=publication.year)
        .exclude(pk=publication.pk)
        .values_list("year", "snapshot__cells")
    )
    points = [(year, cells or {}) for year, cells in rows]
    points.append((publication.year, publication.snapshot.get("cells") or {}))
    return points


def _detail(request, publication: Publication, versions: list[Publication], *, current: Publication | None):
    """A version's page. ``current`` is the report's current version for the report's page,
    ``None`` for a version's own page, which shows only what never changes (the versions up
    to it, not the agency's later years), so that it can be kept for good."""
    for version in versions:
        version.downloads = _files(version)
    cells = publication.snapshot.get("cells") or {}
    context = {
        "publication": publication,
        "current": current,
        "is_current": current is not None and publication.pk == current.pk,
        "versions": versions,
        "files": publication.downloads,
        "document_html": mark_safe(document_html(publication)),  # rendered by an autoescaped template
        "handling_chart": charts.handling_chart(cells, publication.year),
        "years_chart": (
            charts.years_chart(years_points(publication), current_year=publication.year) if current else None
        ),
        "district_name": (publication.snapshot.get("agency") or {}).get("district", ""),
    }
    response = render(request, "reports/public_detail.html", context)
    if publication.published_at is not None:
        response.public_last_modified = calendar.timegm(publication.published_at.utctimetuple())
    return response


def _files(publication: Publication) -> list[dict]:
    """The publication's files, whatever formats it has, in the order of ``formats.KINDS``
    (a format unknown to this code last)."""
    order = {kind: index for index, kind in enumerate(formats.KINDS)}
    records = sorted(publication.files.all(), key=lambda f: (order.get(f.kind, len(order)), f.kind))
    return [
        {
            "kind": record.kind,
            "label": record.get_kind_display(),
            "file": record,
            "url": download_url(publication, record.kind),
        }
        for record in records
    ]


def download_url(publication: Publication, kind: str) -> str:
    return reverse(
        "reports:public_download", kwargs={"pk": publication.report_id, "version": publication.version, "kind": kind}
    )


def detail_key(request, pk: int) -> tuple | None:
    generation = public_generation()
    return None if generation is None else (generation, pk)


@require_safe
@cached_public_page(detail_key)
def public_detail(request, pk: int):
    versions = published_versions(pk)
    current = next((v for v in versions if v.is_current), None)
    if current is None:
        raise Http404("没有已发布的报告")
    return _detail(request, current, versions, current=current)


@require_safe
@cached_public_page(lambda request, pk, version: (pk, version), immutable=True)
def public_version(request, pk: int, version: int):
    versions = published_versions(pk, up_to=version)
    chosen = next((v for v in versions if v.version == version), None)
    if chosen is None:
        raise Http404("没有这个版本")
    return _detail(request, chosen, versions, current=None)


# ── Files ───────────────────────────────────────────────────────────────────────────────


def stored_file(**lookup) -> dict | None:
    """What serving a published file needs, from one query."""
    row = (
        PublicationFile.objects.filter(publication__status=Publication.Status.PUBLISHED, **lookup)
        .values(
            "kind",
            "path",
            "sha256",
            "size",
            "publication__agency_name",
            "publication__year",
            "publication__version",
            "publication__published_at",
        )
        .first()
    )
    if row is None:
        return None
    published_at = row["publication__published_at"]
    return {
        "kind": row["kind"],
        "path": row["path"],
        "sha256": row["sha256"],
        "size": row["size"],
        "title": f"{row['publication__agency_name']}{row['publication__year']}年政府信息公开工作年度报告",
        "version": row["publication__version"],
        "last_modified": calendar.timegm(published_at.utctimetuple()) if published_at else None,
    }


@require_safe
def public_download(request, pk: int, version: int, kind: str):
    """A published file, as stored: its checksum is the ETag, and its URL names its version,
    so it is kept (here and by browsers) for good."""
    record = cached_value(
        ("file", pk, version, kind),
        lambda: stored_file(publication__report_id=pk, publication__version=version, kind=kind),
        immutable=True,
    )
    if record is None:
        raise Http404("没有这个文件")
    return file_response(request, record, as_attachment=True)


def file_response(request, record: dict, *, as_attachment: bool, max_age: int = FILE_MAX_AGE):
    """The stored file of ``record`` (see :func:`stored_file`), or a 304 when the visitor
    has it already."""
    etag = f'"{record["sha256"]}"'
    last_modified = record["last_modified"]
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        response = not_modified
    else:
        try:
            handle = media_path(record["path"]).open("rb")
        except OSError:
            raise Http404("文件不存在") from None
        response = FileResponse(
            handle,
            as_attachment=as_attachment,
            filename=formats.file_name(record["title"], record["kind"], version=record["version"]),
            content_type=formats.MEDIA_TYPES.get(record["kind"], "application/octet-stream"),
        )
        response["Content-Length"] = str(record["size"])
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Access-Control-Allow-Origin"] = "*"
    public_cache_control(response, max_age=max_age)
    return response


# ── Open data ───────────────────────────────────────────────────────────────────────────


def open_data_key(request) -> tuple | None:
    generation = public_generation()
    return None if generation is None else (generation,)


@require_safe
@cached_public_page(open_data_key)
def open_data(request):
    counts = (
        Publication.objects.current()
        .order_by("-year")
        .values("year")
        .annotate(count=models.Count("pk"))
        .values_list("year", "count")
    )
    rows = [
        {"year": year, "count": count, "csv_url": reverse("reports:open_data_csv", kwargs={"year": year})}
        for year, count in counts
    ]
    return render(
        request,
        "reports/public_open_data.html",
        {
            "rows": rows,
            "api_url": reverse("reports:api_list"),
            "dictionary_url": reverse("reports:open_data_dictionary"),
        },
    )
