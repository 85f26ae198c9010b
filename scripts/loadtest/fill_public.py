"""Fill the load test's database with 20,000 published reports (the benchmark's fixture) and
write the URLs it measures: ``urls.txt`` (name and path per line), ``mix.txt`` (LOADTEST_MIX
distinct filter combinations of the listing) and ``reports-mix.txt`` (as many report pages).
Usage: fill_public.py OUTPUT_DIR [--paths-only]
(``--paths-only``: the database is filled already; write the URLs only)."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_loadtest")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from benchmarks import public_fixture  # noqa: E402
from reports.models import Agency, District, Publication  # noqa: E402

#: How many distinct filter combinations the mix cycles through (LOADTEST_MIX; the issue says
#: 1,000; ``scripts/loadtest.sh`` asks for enough that every request of its run is a miss).
#: There are about 34,000 combinations in all: at most 20,000 are asked for.
MIX = min(int(os.environ.get("LOADTEST_MIX", "1000")), 20_000)


def main(output: Path, *, fill: bool = True) -> None:
    if fill:
        with transaction.atomic():
            public_fixture.create_published()
        public_fixture.settle()
    districts = list(District.objects.filter(name__startswith="测试市").order_by("pk"))
    report_id = Publication.objects.filter(year=2024).order_by("pk").values_list("report_id", flat=True)[500]
    urls = {
        "trivial view (floor)": "/_floor/",
        "static CSS (WhiteNoise)": None,  # filled in by the script (hashed name)
        "/": "/",
        "/?year=2023&kind=department&q=机关": "/?" + urlencode({"year": 2023, "kind": "department", "q": "机关"}),
        "/?page=900": "/?page=900",
        "/api/reports/": "/api/reports/",
        "/reports/<id>/": f"/reports/{report_id}/",
    }
    (output / "urls.txt").write_text(
        "".join(f"{name}\t{path}\n" for name, path in urls.items() if path), encoding="utf-8"
    )
    # MIX distinct combinations of the listing's filters (and a few pages), none of them
    # one of the URLs above, in a random order: most are misses the first time they come.
    rng = random.Random(13)
    words = ["机关", "第0", "第1", "第00", "第01", "第12", "号机关", "区第", "0号", "第3"]
    combos: set[tuple] = set()
    while len(combos) < MIX:
        combo = (
            rng.choice([None, 2020, 2021, 2022, 2023, 2024]),
            rng.choice([None, *(d.pk for d in districts)]),
            rng.choice([None, *Agency.Kind.values]),
            rng.choice([None, *words]),
            rng.choice([None, None, None, 2, 3]),
        )
        if any(part is not None for part in combo[:4]):
            combos.add(combo)
    lines = []
    for year, district, kind, q, page in sorted(combos, key=lambda _: rng.random()):
        query = {k: v for k, v in (("year", year), ("district", district), ("kind", kind), ("q", q), ("page", page))}
        lines.append("/?" + urlencode({k: v for k, v in query.items() if v is not None}) + "\n")
    (output / "mix.txt").write_text("".join(lines), encoding="utf-8")
    # As many distinct report pages, in a random order: the reading after a publication, when
    # every report's page is rendered again (measured with the cache emptied: the worst case,
    # each document rendered too).
    report_ids = list(Publication.objects.current().values_list("report_id", flat=True))
    chosen = rng.sample(report_ids, min(MIX, len(report_ids)))
    (output / "reports-mix.txt").write_text("".join(f"/reports/{pk}/\n" for pk in chosen), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), fill="--paths-only" not in sys.argv[2:])
