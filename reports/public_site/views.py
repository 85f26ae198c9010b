"""The public site: no sign-in, read-only. The listing of published reports, a report's page
in the official layout with its charts, downloads and versions, and the open-data page.

Everything shown comes from publications (``reports.models.Publication``), never from the
live report: a report under correction keeps showing its current published version until
the next one is published. Every view here answers GET and HEAD only.

Served at the framework's floor (issue 13, see ``reports/public_cache``): for an anonymous
visitor each page is kept in the shared cache — the listings and the open-data page under the
publication generation (a publication makes them new at once), a report's current page under
its own token (its agency's publication makes it new at once), a published version's page and
files forever (they never change). A miss costs at
most three queries; a hit none. Browsers and proxies may keep a page 30 seconds (with an
``ETag`` to revalidate), a version's page and files a year.
"""

from __future__ import annotations

import calendar
import functools

from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.html import escape
from django.utils.http import http_date, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from reports import charts
from reports.models import Agency, Publication, PublicationFile
from reports.public_cache import (
    IMMUTABLE_MAX_AGE,
    cached_public_page,
    cached_value,
    public_cache_control,
    public_generation,
    release,
    report_generation,
    request_generation,
)
from reports.publishing import media_path, publication_document
from reports.rendering import formats
from reports.rendering.documents import render_html

from .listing import (
    Q_MAX_LENGTH,
    facets,
    normalised_query,
    page_number,
    paginate_values,
    read_filters,
)

FILE_MAX_AGE = IMMUTABLE_MAX_AGE


class KindConverter:
    """``pdf``, ``docx``, ``xlsx``, ``json`` or ``html`` (``formats.KINDS``) in a download URL."""

    regex = "|".join(formats.KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# ── The listing ─────────────────────────────────────────────────────────────────────────


def listing_key(request) -> tuple | None:
    """The listing's cache key: the generation and the query, normalised as the filters are
    read (unknown parameters, blanks and the order of the parameters do not matter)."""
    generation = request_generation(request)
    if generation is None:
        return None
    # The page as the view reads it (``x`` is the first page, ``0`` or ``-3`` the last), so
    # that no spelling of a page is kept under another page's key.
    page = page_number(request.GET.get("page"))
    page = "last" if page is None else page
    return (generation, *sorted(normalised_query(request.GET).items()), page)


def query_without_page(request) -> str:
    return urlencode(normalised_query(request.GET))


def _options(choices, chosen) -> SafeString:
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )


def filter_options(found: dict, filters: dict) -> dict[str, SafeString]:
    """Each filter's ``<option>`` elements, the chosen one selected, written here rather than
    by a template loop (a listing miss renders them all: the districts are dozens)."""
    years = [("", "全部年度"), *((str(year), f"{year}年") for year in found["years"])]
    districts = [("", "全部区"), *((str(pk), name) for pk, name in found["districts"])]
    return {
        "year": _options(years, str(filters["year"] or "")),
        "district": _options(districts, str(filters["district"] or "")),
        "kind": _options([("", "全部类型"), *Agency.Kind.choices], filters["kind"]),
    }


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
    context = listing_context(request)
    return render_public(request, "reports/public_list.html", "reports/public_list_content.html", context)


def listing_context(request) -> dict:
    found = facets(generation=request_generation(request))
    filters = read_filters(request.GET, choices=found)
    page = paginate_values(request, filters)
    return {
        "options": filter_options(found, filters),
        "q": normalised_query(request.GET).get("q", "")[:Q_MAX_LENGTH],
        "page": page,
        "rows_html": listing_rows_html(page.object_list, listing_urls()["detail"]),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": page.paginator.ELLIPSIS,
        "query": query_without_page(request),
        "filtered": any(filters.values()),
        "urls": listing_urls(),
    }


def listing_urls() -> dict[str, str]:
    """The URLs the listing links to, reversed once per process (and script prefix)."""
    return _listing_urls(get_script_prefix())


@functools.cache
def _listing_urls(prefix: str) -> dict[str, str]:
    return {
        "public_list": reverse("reports:public_list"),
        "open_data": reverse("reports:open_data"),
        "detail": reverse("reports:public_detail", args=[0]).replace("/0/", "/{}/"),
    }


FRAME_MARK = "\x00public-content\x00"
_frames: dict[tuple[str, str, str], tuple[str, str]] = {}


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    """Tests that change settings (templates, static files, URLs) get new frames and URLs."""
    _frames.clear()
    _listing_urls.cache_clear()


def render_public(request, page_template: str, content_template: str, context: dict) -> HttpResponse:
    """``page_template`` (which extends ``base.html`` and includes ``content_template`` in its
    content block, unless ``frame_mark`` is set), rendered for ``request``.

    For an anonymous visitor the page around the content is the same on every request (no
    user, no message, no form token), so it is rendered once per process and release, and
    only ``content_template`` is rendered per request: the same bytes, without base.html's
    template work on every miss of a listing (issue 13). A signed-in visitor's page is
    rendered whole."""
    if request.user.is_authenticated:
        return render(request, page_template, context)
    key = (page_template, release(), get_script_prefix())
    frame = _frames.get(key)
    if frame is None:
        before, mark, after = render_to_string(page_template, {"frame_mark": FRAME_MARK}, request).partition(FRAME_MARK)
        if not mark:  # the page template does not place the mark: render it whole
            return render(request, page_template, context)
        frame = _frames[key] = (before, after)
    content = get_template(content_template).render(context)
    return HttpResponse(frame[0] + content + frame[1])


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
    """A report's current page changes only when its agency publishes (its versions, the years
    chart): keyed by the report's own token, not by every publication's generation."""
    token = report_generation(pk)
    return None if token is None else (token, pk)


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
