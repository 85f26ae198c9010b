"""The pages: upload, review beside the original text, resolve, confirm; another agency's clerk
or another district's administrator is refused and changes nothing; a historical report is
marked 历史导入 where reports are listed."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from reports.history import services
from reports.models import HistoricalImport, Report
from tests.personas import client_for

from .helpers import corpus_text, make_import, upload_file, zip_of


def test_upload_review_resolve_confirm_through_the_pages(world):
    client = client_for(world["clerk"])
    page = client.get(reverse("history:index"))
    assert page.status_code == 200 and "往年报告导入" in page.content.decode()
    response = client.post(
        reverse("history:upload"),
        {"agency": world["agency"].pk, "file": upload_file("2024.txt", corpus_text(year=2024, ambiguous=True))},
    )
    item = HistoricalImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("history:review", args=[item.pk])
    page = client.get(response["Location"]).content.decode()
    # The original text beside the official tables, the ambiguity with its candidate split.
    assert 'id="source-text"' in page and "上年结转政府信息公开申请数量" in page
    assert 'id="table-t3"' in page and "0 | 0 | 0 | 0 | 0 | 1 | 1" in page
    assert "还有 1 处存疑数字未处理" in page
    refused = client.post(reverse("history:confirm", args=[item.pk]), follow=True)
    assert "存疑数字未处理" in refused.content.decode() and not Report.objects.exists()
    client.post(reverse("history:resolve", args=[item.pk]), {"index": "0", "choice": "0"})
    client.post(reverse("history:confirm", args=[item.pk]))
    report = Report.objects.get()
    assert report.status == Report.Status.HISTORICAL and report.cells["t3.carried_in.total"] == 1
    # Refreshing the review page after confirming shows the outcome, nothing lost.
    page = client.get(reverse("history:review", args=[item.pk])).content.decode()
    assert "确认导入为历史报告。" in page and "查看历史报告" in page
    edit = client.get(reverse("reports:edit", args=[report.pk])).content.decode()
    assert "历史导入" in edit and reverse("history:source", args=[item.pk]) in edit and item.sha256 in edit
    home = client.get(reverse("reports:home")).content.decode()
    assert "历史导入" in home
    source = client.get(reverse("history:source", args=[item.pk]))
    assert source.status_code == 200 and source.content == corpus_text(year=2024, ambiguous=True).encode()
    assert source["Content-Type"].startswith("text/plain")


def test_a_refused_upload_says_why_in_chinese_and_keeps_nothing(world):
    client = client_for(world["admin"])
    response = client.post(
        reverse("history:upload"),
        {"agency": world["agency"].pk, "file": upload_file("evil.zip", zip_of({"../x.txt": "x"}))},
    )
    assert response.status_code == 400 and "路径不安全" in response.content.decode()
    assert not HistoricalImport.objects.exists()
    # A clerk cannot pick another agency: the choice is not offered, the form refuses it.
    response = client_for(world["clerk"]).post(
        reverse("history:upload"), {"agency": world["other"].pk, "file": upload_file("a.txt", corpus_text())}
    )
    assert response.status_code == 400 and not HistoricalImport.objects.exists()


def test_another_agency_or_district_is_not_found_and_nothing_changes(world):
    item = make_import(world["agency"], by=world["admin"])
    before = HistoricalImport.objects.filter(pk=item.pk).values().get()
    for who in ("clerk_other", "admin_y"):
        client = client_for(world[who])
        assert client.get(reverse("history:review", args=[item.pk])).status_code == 404
        assert client.get(reverse("history:source", args=[item.pk])).status_code == 404
        for name, data in (
            ("history:resolve", {"index": "0", "choice": "0"}),
            ("history:set_year", {"year": "2020"}),
            ("history:confirm", {}),
            ("history:discard", {}),
        ):
            assert client.post(reverse(name, args=[item.pk]), data).status_code == 404, (who, name)
    assert client_for(world["reviewer"]).get(reverse("history:index")).status_code == 403
    assert HistoricalImport.objects.filter(pk=item.pk).values().get() == before
    assert not Report.objects.exists()


def test_the_past_years_page_marks_and_links_historical_reports(world):
    item = make_import(world["agency"], by=world["admin"], ambiguous=False)
    report = services.history_confirm(by=world["admin"], import_id=item.pk)
    page = client_for(world["reviewer"]).get(reverse("review:past_years")).content.decode()
    assert "往年报告" in page and "历史导入" in page and reverse("reports:edit", args=[report.pk]) in page
    assert world["agency"].name in page and "2024 年度" in page
    # The district's list of reports marks it too.
    district = client_for(world["reviewer"]).get(reverse("review:district") + "?year=2024").content.decode()
    assert "历史导入" in district


def test_the_board_of_an_imported_year_shows_the_historical_report(world):
    item = make_import(world["agency"], by=world["admin"], ambiguous=False)
    services.history_confirm(by=world["admin"], import_id=item.pk)
    client = client_for(world["reviewer"])
    board = client.get(reverse("review:board") + "?year=2024")
    assert board.status_code == 200 and "历史导入" in board.content.decode()
    assert client.get(reverse("review:board_xlsx") + "?year=2024").status_code == 200


def test_an_id_beyond_the_database_is_not_found_for_everyone(world):
    huge = 2**63
    for client in (Client(), client_for(world["admin"]), client_for(world["clerk"])):
        for name in ("review", "resolve", "set_year", "confirm", "discard", "source"):
            url = reverse(f"history:{name}", args=[huge])
            assert client.get(url).status_code == 404 and client.post(url).status_code == 404, url
