"""The public listing of published reports: its filters, its queries and the filters' choices.

One reader of the filters (:func:`read_filters`) serves the page and the JSON API. The page's
rows and its count come from one hand-written query (:func:`listing_page_values`): a miss of
a filtered listing is the public site's most frequent uncached work (issue 13), and compiling
the same few shapes of SQL through the ORM cost more than running them. The API keeps the ORM
queryset (:func:`listing`) for its keyset pages; both read the same columns of the
publication, each served by a partial index (``publication_listing``, ``…_district``,
``…_kind``; see ``docs/public-site-query-plans.md``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from reports.models import Agency, District, Publication
from reports.public_cache import cached_value

PAGE_SIZE = 20
#: Pages beyond this are the last page (as the paginator clamps them) without asking.
MAX_PAGE_NUMBER = 10**7
FILTER_NAMES = ("year", "district", "kind", "q")
Q_MAX_LENGTH = 50
KIND_VALUES = frozenset(Agency.Kind.values)

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
PUBLICATION = Publication._meta.db_table
DISTRICT = District._meta.db_table
#: The filters' choices (:func:`facets`): ``("y", year, NULL)`` and ``("d", id, name)`` rows.
FACETS_SQL = (
    f"WITH RECURSIVE found (year) AS ("
    f" SELECT MAX(year) FROM {PUBLICATION} WHERE is_current"
    f" UNION ALL"
    f" SELECT (SELECT MAX(p.year) FROM {PUBLICATION} p WHERE p.is_current AND p.year < found.year)"
    f" FROM found WHERE found.year IS NOT NULL)"
    f" SELECT 'y', year, NULL FROM found WHERE year IS NOT NULL"
    f" UNION ALL"
    f" SELECT 'd', d.id, d.name FROM {DISTRICT} d"
    f" WHERE EXISTS (SELECT 1 FROM {PUBLICATION} p WHERE p.district_id = d.id AND p.is_current)"
)


# ── The filters ─────────────────────────────────────────────────────────────────────────


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else None


def read_filters(query, *, choices: dict | None = None) -> dict:
    """The listing's filters from a query string: ``year``, ``district``, ``kind``, ``q``.

    A value that is not valid is ignored, the others kept (a bad year does not drop the
    search by name). ``choices`` (the page; see :func:`facets`): the year and the district
    must be among those that have published reports, as the page's lists offer them;
    without (the API) they are checked as numbers only, so that the choices need not be
    read to answer. ``q`` is at most :data:`Q_MAX_LENGTH` characters, spaces around it cut.
    """
    year = _number(query.get("year", ""))
    district = _number(query.get("district", ""))
    if choices is not None:
        year = year if year in choices["year_set"] else None
        district = district if district in choices["district_set"] else None
    else:
        year = year if year and year <= 9999 else None
        district = district if district and district <= 2**62 else None
    kind = query.get("kind", "")
    q = query.get("q", "").strip()
    return {
        "year": year,
        "district": district,
        "kind": kind if kind in KIND_VALUES else "",
        "q": q if len(q) <= Q_MAX_LENGTH and "\x00" not in q else "",
    }


def filters_key(filters: dict) -> tuple:
    return tuple((name, filters[name]) for name in sorted(filters) if filters[name] not in (None, ""))


def normalised_query(query) -> dict[str, str]:
    """The filter parameters as the cache key reads them. The page links are built from these
    alone, so that a cached page holds nothing of its first visitor's other parameters."""
    values = {name: query.get(name, "").strip()[:60] for name in FILTER_NAMES}
    return {name: value for name, value in values.items() if value}


def page_number(value: str | None) -> int | None:
    """The page asked for, read as Django's paginator reads it: not a number → the first page;
    below 1 (or absurdly far) → the last page (``None``)."""
    try:
        number = int(value) if value not in (None, "") else 1
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE_NUMBER else None


# ── The filters' choices ────────────────────────────────────────────────────────────────


def facets(*, generation: str | None) -> dict:
    """The years and the districts that have published reports (the filters' choices),
    cached with the generation the caller has read (``None``: the cache does not answer, so
    they are read from the database).

    One query of index probes rather than an aggregate over every current publication
    (281 ms at 200,000 reports): the years are a skip scan of ``publication_listing`` (from
    the largest year, each next one is the largest below it), the districts one ``EXISTS``
    probe of ``publication_listing_district`` per district (:data:`FACETS_SQL`)."""

    def compute() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(FACETS_SQL)
            found = cursor.fetchall()
        years = sorted((value for what, value, _ in found if what == "y"), reverse=True)
        districts = sorted(((value, name) for what, value, name in found if what == "d"), key=lambda d: (d[1], d[0]))
        return {
            "years": years,
            "districts": districts,
            "year_set": frozenset(years),
            "district_set": frozenset(pk for pk, _ in districts),
        }

    return compute() if generation is None else cached_value(("facets", generation), compute)


# ── The rows ────────────────────────────────────────────────────────────────────────────


def listing(filters: dict):
    """The current published versions matching ``filters`` as a queryset (the API's keyset
    pages and the count), newest year first, then by agency name."""
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


def listing_count(filters: dict, *, generation: str | None) -> int:
    """How many reports match, cached with the generation the caller has read (``None``: the
    cache does not answer): a deep page does not count again."""

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


def paginate(request, filters: dict, *, generation: str | None):
    """The page asked for (clamped into range), its rows loaded in one query; with the count
    (cached with the generation) when it is not known yet: two."""
    queryset = listing(filters)
    paginator = CountedPaginator(queryset.values("pk"), PAGE_SIZE, count=listing_count(filters, generation=generation))
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = listing_rows(page.object_list) if paginator.count else []
    return page


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def listing_where(filters: dict) -> tuple[str, list]:
    """The ``WHERE`` of the listing's query (publication ``p``) and its parameters. The name
    search is a plain ``LIKE`` when the words have no upper and lower case (Chinese: the
    usual search), which PostgreSQL runs about twice as fast as a case-blind one; with Latin
    letters both sides are upper-cased, as ``icontains`` does."""
    where, params = ["p.is_current"], []
    for name, column in (("year", "year"), ("district", "district_id"), ("kind", "agency_kind")):
        if filters.get(name):
            where.append(f"p.{column} = %s")
            params.append(filters[name])
    q = filters.get("q")
    if q:
        pattern = f"%{_escape_like(q)}%"
        if q.upper() == q.lower():
            where.append("p.agency_name LIKE %s ESCAPE '\\'")
        else:
            where.append("UPPER(p.agency_name) LIKE UPPER(%s) ESCAPE '\\'")
        params.append(pattern)
    return " AND ".join(where), params


def page_query(filters: dict, number: int | None) -> tuple[str, list]:
    """The SQL of :func:`listing_page_values` and its parameters."""
    where, params = listing_where(filters)
    order = "p.year DESC, p.agency_name, p.id"
    if number is None:
        # The positions are counted on the index; only the last page's ids are joined (at most a
        # page of them: the LIMIT tells the planner so, which then joins by the primary key).
        inner = (
            f"SELECT counted.id, counted.total FROM (SELECT p.id, COUNT(*) OVER () AS total, "
            f"ROW_NUMBER() OVER (ORDER BY {order}) AS position FROM {PUBLICATION} p WHERE {where}) counted "
            f"WHERE counted.position > (counted.total - 1) / {PAGE_SIZE} * {PAGE_SIZE} LIMIT {PAGE_SIZE}"
        )
    else:
        inner = (
            f"SELECT p.id, COUNT(*) OVER () AS total FROM {PUBLICATION} p WHERE {where} "
            f"ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {(number - 1) * PAGE_SIZE}"
        )
    columns = ", ".join(f"p.{name}" for name in LISTING_VALUES[:-1])
    sql = (
        f"SELECT {columns}, d.name, page.total FROM ({inner}) page "
        f"JOIN {PUBLICATION} p ON p.id = page.id JOIN {DISTRICT} d ON d.id = p.district_id ORDER BY {order}"
    )
    return sql, params


def listing_page_values(filters: dict, number: int | None) -> tuple[list[tuple], int]:
    """Page ``number`` of the listing (``None``: the last page) as tuples of
    :data:`LISTING_VALUES`, and how many reports match in all (``0`` when the page is past
    the end): one query.

    The count is a window (``COUNT(*) OVER ()``) over the filtered ids, computed by the same
    scan that cuts the page, so a miss of a filtered listing neither scans its rows twice nor
    pays for a second query; the page is cut on the ids alone (an index-only scan) and only
    its rows are joined with their district. The last page (asked for, or a page past the
    end) is the rows whose position is past the last multiple of the page size below the
    count."""
    sql, params = page_query(filters, number)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = [row[:-1] for row in fetched]
    if connection.vendor == "sqlite":  # SQLite gives the stored UTC time without its zone
        published = LISTING_VALUES.index("published_at")
        rows = [(*row[:published], _utc(row[published]), *row[published + 1 :]) for row in rows]
    return rows, (fetched[0][-1] if fetched else 0)


def _utc(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


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
