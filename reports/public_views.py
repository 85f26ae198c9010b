"""The public site: no sign-in, read-only. The listing of published reports, a report's page
in the official layout with its charts, downloads and versions, and the open-data page.

Everything shown comes from publications (``reports.models.Publication``), never from the
live report: a report under correction keeps showing its current published version until
the next one is published. Every view here answers GET and HEAD only.

Pages are cacheable for anonymous visitors for 30 seconds (``Cache-Control: public``; a new
report is then on every cached copy within a minute of its sign-off); a
published file's URL names its version, so its content never changes and it is cached for
a year.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from . import charts, formats
from .documents import render_html
from .models import Agency, District, Publication, PublicationFile
from .publishing import media_path, publication_document

PAGE_SIZE = 20
PAGE_MAX_AGE = 30  # seconds
FILE_MAX_AGE = 365 * 24 * 3600
CACHE_SECONDS = 300


class KindConverter:
    """``pdf``, ``docx``, ``xlsx``, ``json`` or ``html`` (``formats.KINDS``) in a download URL."""

    regex = "|".join(formats.KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def public_cache(view):
    """``Cache-Control: public, max-age=30`` for anonymous visitors; private when signed in
    (the page header then names the user)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("Cache-Control"):
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
        return response

    return wrapper


# ── The listing ─────────────────────────────────────────────────────────────────────────


class PublicFilterForm(forms.Form):
    """The listing's filters, shared by the page and the JSON API. Invalid values are ignored."""

    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    district = forms.TypedChoiceField(label="所属区", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="机关类型", required=False, choices=[("", "全部类型"), *Agency.Kind.choices])
    q = forms.CharField(label="机关名称", required=False, max_length=50, strip=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *((year, f"{year}年") for year in published_years())]
        self.fields["district"].choices = [("", "全部区"), *district_choices()]

    def filters(self) -> dict:
        if not self.is_valid():
            # Keep what is valid: a bad year does not drop the search by name.
            return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return dict(self.cleaned_data)


def published_years() -> list[int]:
    years = cache.get("public:years")
    if years is None:
        years = list(Publication.objects.current().order_by("-year").values_list("year", flat=True).distinct())
        cache.set("public:years", years, 60)
    return years


def district_choices() -> list[tuple[int, str]]:
    choices = cache.get("public:districts")
    if choices is None:
        choices = list(District.objects.order_by("name").values_list("pk", "name"))
        cache.set("public:districts", choices, 60)
    return choices


LISTING_FIELDS = (
    "id",
    "report_id",
    "year",
    "version",
    "agency_name",
    "published_at",
    "agency__kind",
    "agency__district__name",
)


def listing(filters: dict):
    """The current published versions matching ``filters`` (year, district, kind, q), newest
    year first, then by agency name; only the columns a listing shows."""
    queryset = (
        Publication.objects.current()
        .select_related("agency__district")
        .only(*LISTING_FIELDS)
        .order_by("-year", "agency_name", "pk")
    )
    if filters.get("year"):
        queryset = queryset.filter(year=filters["year"])
    if filters.get("district"):
        queryset = queryset.filter(agency__district_id=filters["district"])
    if filters.get("kind"):
        queryset = queryset.filter(agency__kind=filters["kind"])
    if filters.get("q"):
        queryset = queryset.filter(Q(agency_name__icontains=filters["q"]))
    return queryset


def paginate(request, queryset):
    """A page of ``queryset``. The page is cut on the publication ids alone (the listing's
    index serves the count, the order and the offset without joining a row), then only its
    20 rows are loaded with their agency and district: a deep page costs little more than
    the first."""
    paginator = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = queryset.model.objects.filter(pk__in=ids).select_related("agency__district").only(*LISTING_FIELDS)
    by_id = {row.pk: row for row in rows}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_safe
@public_cache
def public_list(request):
    form = PublicFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = paginate(request, listing(filters))
    return render(
        request,
        "reports/public_list.html",
        {
            "form": form,
            "page": page,
            "publications": page.object_list,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "ellipsis": page.paginator.ELLIPSIS,
            "query": query_without_page(request),
            "filtered": any(filters.values()),
            "years": published_years(),
        },
    )


# ── A report's page ─────────────────────────────────────────────────────────────────────


def published_versions(report_id: int) -> list[Publication]:
    return list(
        Publication.objects.filter(report_id=report_id, status=Publication.Status.PUBLISHED)
        .defer("snapshot")
        .prefetch_related("files")
        .order_by("-version")
    )


def document_html(publication: Publication) -> str:
    """The report's ``<article>`` in the official layout; cached, since a published
    version never changes."""
    key = f"public:document:{publication.pk}"
    html = cache.get(key)
    if html is None:
        html = render_html(publication_document(publication), page=False)
        cache.set(key, html, CACHE_SECONDS)
    return html


def years_points(publication: Publication) -> list[tuple[int, dict]]:
    """(year, cells) of the agency's current versions up to this report's year."""
    rows = (
        Publication.objects.current()
        .filter(agency_id=publication.agency_id, year__lte=publication.year)
        .exclude(pk=publication.pk)
        .values_list("year", "snapshot")
    )
    points = [(year, (snapshot or {}).get("cells") or {}) for year, snapshot in rows]
    points.append((publication.year, publication.snapshot.get("cells") or {}))
    return points


def _detail(request, publication: Publication, versions: list[Publication]):
    current = next((v for v in versions if v.is_current), versions[0])
    for version in versions:
        version.downloads = _files(version)
    cells = publication.snapshot.get("cells") or {}
    context = {
        "publication": publication,
        "current": current,
        "is_current": publication.pk == current.pk,
        "versions": versions,
        "files": _files(publication),
        "document_html": mark_safe(document_html(publication)),  # rendered by an autoescaped template
        "handling_chart": charts.handling_chart(cells, publication.year),
        "years_chart": charts.years_chart(years_points(publication), current_year=publication.year),
        "district_name": (publication.snapshot.get("agency") or {}).get("district", ""),
    }
    return render(request, "reports/public_detail.html", context)


def _files(publication: Publication) -> list[dict]:
    by_kind = {f.kind: f for f in publication.files.all()}
    return [
        {
            "kind": kind,
            "label": PublicationFile.Kind(kind).label,
            "file": by_kind[kind],
            "url": download_url(publication, kind),
        }
        for kind in formats.KINDS
        if kind in by_kind
    ]


def download_url(publication: Publication, kind: str) -> str:
    return reverse(
        "reports:public_download", kwargs={"pk": publication.report_id, "version": publication.version, "kind": kind}
    )


def _full(pk: int) -> Publication:
    return Publication.objects.select_related("agency__district").prefetch_related("files").get(pk=pk)


@require_safe
@public_cache
def public_detail(request, pk: int):
    versions = published_versions(pk)
    current = next((v for v in versions if v.is_current), None)
    if current is None:
        raise Http404("没有已发布的报告")
    return _detail(request, _full(current.pk), versions)


@require_safe
@public_cache
def public_version(request, pk: int, version: int):
    versions = published_versions(pk)
    chosen = next((v for v in versions if v.version == version), None)
    if chosen is None:
        raise Http404("没有这个版本")
    return _detail(request, _full(chosen.pk), versions)


@require_safe
def public_download(request, pk: int, version: int, kind: str):
    """A published file, as stored (its checksum is the ETag)."""
    record = get_object_or_404(
        PublicationFile.objects.select_related("publication"),
        publication__report_id=pk,
        publication__version=version,
        publication__status=Publication.Status.PUBLISHED,
        kind=kind,
    )
    return file_response(record, as_attachment=True)


def file_response(record: PublicationFile, *, as_attachment: bool, max_age: int = FILE_MAX_AGE) -> FileResponse:
    publication = record.publication
    etag = f'"{record.sha256}"'
    try:
        handle = media_path(record.path).open("rb")
    except OSError:
        raise Http404("文件不存在") from None
    response = FileResponse(
        handle,
        as_attachment=as_attachment,
        filename=formats.file_name(publication.title, record.kind, version=publication.version),
        content_type=formats.MEDIA_TYPES[record.kind],
    )
    response["ETag"] = etag
    response["Content-Length"] = str(record.size)
    response["Access-Control-Allow-Origin"] = "*"
    if max_age >= FILE_MAX_AGE:
        patch_cache_control(response, public=True, max_age=max_age, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)
    return response


# ── Open data ───────────────────────────────────────────────────────────────────────────


@require_safe
@public_cache
def open_data(request):
    rows = []
    for year in published_years():
        rows.append(
            {
                "year": year,
                "count": Publication.objects.current().filter(year=year).count(),
                "csv_url": reverse("reports:open_data_csv", kwargs={"year": year}),
            }
        )
    return render(
        request,
        "reports/public_open_data.html",
        {"rows": rows, "api_url": reverse("reports:api_list")},
    )
