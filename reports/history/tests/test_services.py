"""Past reports brought in (issue 15): upload limits and hostile zips, review, confirm, who may,
and the historical report's place — immutable, yet last year's report for pre-fill and the
cross-year rules."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent
from reports import rules
from reports.cycle.services import year_open
from reports.editing import ReportNotEditableError, report_create, report_save
from reports.history import services
from reports.models import HistoricalImport, Report
from reports.publishing import media_path, publication_queue
from reports.selectors import report_previous
from review import workflow
from review.board import district_past_years
from review.models import LOG_ONLY_ACTIONS, Action
from tests.factories import make_report, make_user

from .helpers import corpus_text, make_import, rendered, upload_file, zip_of

CARRIED_IN = [f"t3.carried_in.{c}" for c in ("natural", "business", "research", "nonprofit", "legal", "other", "total")]


def stored_files(media_root) -> list:
    return (
        sorted(p for p in (media_root / "history").rglob("*") if p.is_file())
        if (media_root / "history").exists()
        else []
    )


# ── Upload ──────────────────────────────────────────────────────────────────────────────


def test_one_text_file_is_read_and_kept_with_its_checksum(world, media_root):
    text = corpus_text(year=2023, ambiguous=True)
    (item,) = services.history_upload(
        by=world["clerk"], agency=world["agency"], file=upload_file("民政局2023.txt", text), name="民政局2023.txt"
    )
    assert item.status == HistoricalImport.Status.PENDING and item.year == 2023 and item.kind == "text"
    data = media_path(item.path).read_bytes()
    assert data == text.encode() and item.sha256 == hashlib.sha256(data).hexdigest() and item.size == len(data)
    # The run-together figures are listed, not guessed: the row stays blank until resolved.
    (ambiguity,) = services.ambiguities(item)
    assert ambiguity["cells"] == CARRIED_IN and ["0", "0", "0", "0", "0", "1", "1"] in ambiguity["candidates"]
    assert all(services.import_cells(item)[code] is None for code in CARRIED_IN)
    assert services.import_cells(item)["t3.new.total"] == 1  # read as printed
    assert "上年结转政府信息公开申请数量" in item.source_text


def test_the_form_year_wins_for_one_file_and_is_the_fallback_in_a_zip(world):
    (single,) = services.history_upload(
        by=world["admin"],
        agency=world["agency"],
        file=upload_file("a.txt", corpus_text(year=2023)),
        name="a.txt",
        year=2022,
    )
    assert single.year == 2022
    no_year = corpus_text(year=2023).replace("2023", "")  # nothing printed, nothing in the name
    upload = upload_file("all.zip", zip_of({"printed.txt": corpus_text(year=2021), "bare.txt": no_year}))
    created = services.history_upload(by=world["admin"], agency=world["agency"], file=upload, name="all.zip", year=2020)
    assert sorted((item.filename, item.year) for item in created) == [("bare.txt", 2020), ("printed.txt", 2021)]


def test_a_zip_of_html_pdf_and_text_gives_one_import_each(world):
    upload = upload_file(
        "past.zip",
        zip_of(
            {
                "2022/report.html": rendered("html", year=2022),
                "report-2023.pdf": rendered("pdf", year=2023),
                "report-2024.txt": corpus_text(year=2024),
                "__MACOSX/._report-2024.txt": b"\x00\x05\x16\x07",  # the Mac's resource forks are skipped
            }
        ),
    )
    created = services.history_upload(by=world["admin"], agency=world["agency"], file=upload, name="past.zip")
    assert sorted((item.kind, item.year) for item in created) == [("html", 2022), ("pdf", 2023), ("text", 2024)]
    assert len({item.batch for item in created}) == 1
    for item in created:
        assert services.import_cells(item)["t3.new.total"] == 1, item.filename


def test_each_file_of_an_upload_is_extracted_once(world, monkeypatch):
    # A PDF's extraction runs pdftotext: the reading and the kept source text share it.
    from reports.importing import extract

    calls = []
    real = extract.pdf_lines

    def counting(data, *, name="文件"):
        calls.append(name)
        return real(data, name=name)

    monkeypatch.setattr(extract, "pdf_lines", counting)
    upload = upload_file("past.zip", zip_of({"a/report-2023.pdf": rendered("pdf", year=2023)}))
    (created,) = services.history_upload(by=world["admin"], agency=world["agency"], file=upload, name="past.zip")

    assert calls == ["report-2023.pdf"]
    assert created.source_text and services.import_cells(created)["t3.new.total"] == 1


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("bad.zip", {"../../etc/evil.txt": "x"}, "路径不安全"),
        ("bad.zip", {"/abs.txt": "x"}, "路径不安全"),
        ("bad.zip", {"inner.zip": zip_of({"a.txt": "x"})}, "不能再套压缩包"),
        ("bad.zip", {"virus.exe": "MZ"}, "不支持的文件类型"),
        ("bad.zip", {"bomb.txt": "0" * (4 * 1024 * 1024)}, "压缩比异常"),
        ("bad.zip", {}, "没有可读的报告文件"),
        ("report.exe", b"MZ", "不支持的文件类型"),
        ("junk.zip", b"PK not really a zip", "不是有效的 zip"),
        ("empty.txt", b"", "空的"),
    ],
)
def test_hostile_or_wrong_uploads_are_refused_and_keep_nothing(world, media_root, name, data, message):
    payload = zip_of(data) if isinstance(data, dict) else data
    with pytest.raises(services.HistoryError, match=message):
        services.history_upload(by=world["admin"], agency=world["agency"], file=upload_file(name, payload), name=name)
    assert not HistoricalImport.objects.exists() and stored_files(media_root) == []


def test_zip_limits_are_checked_from_the_directory_before_reading(world, media_root, monkeypatch):
    files = {f"r{n}.txt": corpus_text(year=2024) for n in range(4)}
    monkeypatch.setattr(services, "MAX_ZIP_ENTRIES", 3)
    with pytest.raises(services.HistoryError, match="文件过多"):
        services.history_upload(
            by=world["admin"], agency=world["agency"], file=upload_file("m.zip", zip_of(files)), name="m.zip"
        )
    monkeypatch.setattr(services, "MAX_ZIP_ENTRIES", 30)
    unpacked = sum(len(text.encode()) for text in files.values())
    monkeypatch.setattr(services, "MAX_UNPACKED_BYTES", unpacked - 1)
    with pytest.raises(services.HistoryError, match="解压后过大"):
        services.history_upload(
            by=world["admin"], agency=world["agency"], file=upload_file("m.zip", zip_of(files)), name="m.zip"
        )
    assert not HistoricalImport.objects.exists() and stored_files(media_root) == []


def test_an_upload_over_the_limit_is_refused_on_its_declared_size(world, monkeypatch):
    class Declared:
        size = services.MAX_UPLOAD_BYTES + 1

        def read(self, *args):  # pragma: no cover - must never be called
            raise AssertionError("read before the size was checked")

    with pytest.raises(services.HistoryError, match="文件太大"):
        services.history_upload(by=world["admin"], agency=world["agency"], file=Declared(), name="big.pdf")
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(services.HistoryError, match="文件太大"):  # no declared size: the bounded read
        services.history_upload(
            by=world["admin"], agency=world["agency"], file=upload_file("a.txt", "x" * 1001), name="a.txt"
        )


def test_one_unreadable_file_in_a_zip_keeps_none_of_them(world, media_root):
    upload = upload_file("two.zip", zip_of({"good.txt": corpus_text(year=2024), "broken.pdf": b"%PDF-1.4 garbage"}))
    with pytest.raises(services.HistoryError, match=r"broken\.pdf"):
        services.history_upload(by=world["admin"], agency=world["agency"], file=upload, name="two.zip")
    assert not HistoricalImport.objects.exists() and stored_files(media_root) == []


# ── Who may ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("who", ["clerk_other", "admin_y", "reviewer"])
def test_only_the_districts_administrator_or_the_agencys_clerk_may_import(world, who):
    with pytest.raises(PermissionDenied):
        services.history_upload(
            by=world[who], agency=world["agency"], file=upload_file("a.txt", corpus_text()), name="a.txt"
        )
    item = make_import(world["agency"], by=world["clerk"])
    before = HistoricalImport.objects.filter(pk=item.pk).values().get()
    for call in (
        lambda: services.history_resolve(by=world[who], import_id=item.pk, index=0, candidate=0),
        lambda: services.history_set_year(by=world[who], import_id=item.pk, year=2020),
        lambda: services.history_confirm(by=world[who], import_id=item.pk),
        lambda: services.history_discard(by=world[who], import_id=item.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert HistoricalImport.objects.filter(pk=item.pk).values().get() == before
    assert not Report.objects.exists()


# ── Review and confirm ──────────────────────────────────────────────────────────────────


def test_confirm_waits_for_every_ambiguity_then_makes_the_historical_report(world, media_root):
    item = make_import(world["agency"], by=world["admin"], year=2024)
    with pytest.raises(services.HistoryError, match="1 处存疑数字未处理"):
        services.history_confirm(by=world["admin"], import_id=item.pk)
    with pytest.raises(services.HistoryError, match="整数"):
        services.history_resolve(by=world["admin"], import_id=item.pk, index=0, values={CARRIED_IN[0]: "x"})
    with pytest.raises(services.HistoryError, match="没有这一处"):
        services.history_resolve(by=world["admin"], import_id=item.pk, index=5, candidate=0)
    services.history_resolve(by=world["admin"], import_id=item.pk, index=0, candidate=0)
    report = services.history_confirm(by=world["admin"], import_id=item.pk)
    assert report.status == Report.Status.HISTORICAL and report.get_status_display() == "历史导入"
    assert [report.cells[code] for code in CARRIED_IN] == [0, 0, 0, 0, 0, 1, 1]
    assert report.texts["overview"] and report.year == 2024 and report.agency == world["agency"]
    item.refresh_from_db()
    assert item.status == HistoricalImport.Status.CONFIRMED and item.report == report
    assert services.source_bytes(item) == media_path(item.path).read_bytes()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT)
    assert item.sha256 in event.detail and "历史导入" in event.object and event.district_id == world["x"].pk
    # Twice: the import is confirmed, nothing more happens.
    with pytest.raises(services.HistoryError, match="已经确认"):
        services.history_confirm(by=world["admin"], import_id=item.pk)
    assert Report.objects.count() == 1 and AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).count() == 1


def test_typed_figures_resolve_an_ambiguity(world):
    item = make_import(world["agency"], by=world["clerk"])
    typed = dict(zip(CARRIED_IN, ["0", "0", "0", "0", "", "2", "2"], strict=True))
    services.history_resolve(by=world["clerk"], import_id=item.pk, index=0, values=typed)
    item.refresh_from_db()
    assert [services.import_cells(item)[code] for code in CARRIED_IN] == [0, 0, 0, 0, None, 2, 2]


def test_a_year_that_already_has_a_report_is_refused(world):
    make_report(world["agency"], year=2024)
    item = make_import(world["agency"], by=world["admin"], ambiguous=False)
    with pytest.raises(services.HistoryError, match="2024年度已有报告（草稿），不能再导入为历史报告"):
        services.history_confirm(by=world["admin"], import_id=item.pk)
    assert Report.objects.get().status == Report.Status.DRAFT
    # A second import of a year already imported is refused the same way.
    services.history_set_year(by=world["admin"], import_id=item.pk, year=2023)
    services.history_confirm(by=world["admin"], import_id=item.pk)
    again = make_import(world["agency"], by=world["admin"], year=2023, ambiguous=False)
    with pytest.raises(services.HistoryError, match="2023年度已有报告（历史导入）"):
        services.history_confirm(by=world["admin"], import_id=again.pk)
    with pytest.raises(services.HistoryError, match="年度须在"):
        services.history_set_year(by=world["admin"], import_id=again.pk, year=1999)


def test_a_changed_source_file_is_not_served(world):
    item = make_import(world["agency"], by=world["admin"])
    media_path(item.path).write_bytes(b"tampered")
    with pytest.raises(services.HistoryError, match="校验值"):
        services.source_bytes(item)


def test_discard_removes_a_pending_import_and_its_file(world, media_root, django_capture_on_commit_callbacks):
    item = make_import(world["agency"], by=world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        services.history_discard(by=world["admin"], import_id=item.pk)
    assert not HistoricalImport.objects.exists() and stored_files(media_root) == []


# ── The historical report ───────────────────────────────────────────────────────────────


def confirmed(world, *, year=2024) -> Report:
    item = make_import(world["agency"], by=world["admin"], year=year)
    services.history_resolve(by=world["admin"], import_id=item.pk, index=0, candidate=0)
    return services.history_confirm(by=world["admin"], import_id=item.pk)


@pytest.mark.parametrize("action", sorted(set(Action) - LOG_ONLY_ACTIONS))
def test_no_action_moves_a_historical_report(world, action):
    report = confirmed(world)
    people = [
        world["clerk"],
        world["admin"],
        make_user(
            "all_reviewer", district=world["x"], is_first_reviewer=True, is_second_reviewer=True, is_final_reviewer=True
        ),
    ]
    assert not any(t.status == Report.Status.HISTORICAL for t in workflow.TRANSITIONS)
    for person in people:
        assert workflow.available_actions(report=report, user=person) == []
        with pytest.raises((workflow.WorkflowError, PermissionDenied)):
            workflow.transition_apply(report_id=report.pk, action=action, by=person, note="原因")
    with pytest.raises(workflow.WorkflowError):
        workflow.transition_apply_system(report_id=report.pk, action=action)
    report.refresh_from_db()
    assert report.status == Report.Status.HISTORICAL and report.version == 1


def test_a_historical_report_is_never_edited_or_published(world):
    report = confirmed(world)
    with pytest.raises(ReportNotEditableError):
        report_save(report_id=report.pk, expected_version=report.version, cells={"t3.new.total": 9}, by=world["clerk"])
    assert publication_queue(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.cells["t3.new.total"] == 1 and not report.publications.exists()


def test_the_next_draft_is_prefilled_from_the_historical_report(world):
    historical = confirmed(world, year=2024)
    historical.cells["t3.carried_out.total"] = 3  # as if the published report carried 3 forward
    historical.save(update_fields=["cells"])
    draft = report_create(agency=world["agency"], year=2025, by=world["clerk"])
    assert draft.cells["t3.carried_in.total"] == 3 and "t3.carried_in.total" in draft.prefilled
    # The whole district's drafts, opened in bulk, take it as well.
    draft.delete()
    year_open(district=world["x"], year=2025, by=world["admin"])
    assert Report.objects.get(agency=world["agency"], year=2025).cells["t3.carried_in.total"] == 3


def test_the_cross_year_rules_and_text_repeat_read_the_historical_report(world):
    historical = confirmed(world, year=2024)
    draft = report_create(agency=world["agency"], year=2025, by=world["clerk"])
    cells = dict(draft.cells, **{"t3.carried_in.total": 7})  # not what 2024 carried forward
    previous = report_previous(draft)
    assert previous == historical
    found = rules.check(rules.ReportData(cells, historical.texts), rules.ReportData(previous.cells, previous.texts))
    ids = {violation.rule for violation in found}
    assert "XY-CARRY" in ids and "TEXT-REPEAT" in ids


def test_the_past_years_view_lists_historical_reports_with_their_rule_results(world):
    historical = confirmed(world, year=2024)
    past = district_past_years(district=world["x"])
    assert past.years == [2024]
    (row,) = past.rows
    (cell,) = row.by_year
    assert row.name == world["agency"].name and cell.pk == historical.pk and cell.status == Report.Status.HISTORICAL
    counts = rules.check(rules.ReportData(historical.cells, historical.texts))
    assert (cell.errors, cell.warnings) == (len(rules.errors(counts)), len(rules.warnings(counts)))
