"""The editing page, its live check and its saves (HTML form and JSON)."""

import json
import re

import pytest
from django.urls import reverse

from reports import standard
from reports.models import Report
from tests.factories import make_clerk, report_state

pytestmark = pytest.mark.django_db


def edit_url(report):
    return reverse("reports:edit", args=[report.pk])


def post_json(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


# ── The page ────────────────────────────────────────────────────────────────────────────


def test_the_page_lays_out_every_cell_with_a_label_naming_row_and_column(clerk_a_client, draft_report):
    response = clerk_a_client.get(edit_url(draft_report))
    assert response.status_code == 200
    html = response.content.decode()
    inputs = re.findall(r"<input type=\"text\" class=\"[^\"]*cell-input[^>]*>", html)
    assert len(inputs) == len(standard.CELL_CODES)
    assert 'id="cell-t3-handled_total-natural" name="t3.handled_total.natural" value="12" inputmode="numeric"' in html
    assert 'aria-label="三、本年度办理结果（七）总计·自然人"' in html
    assert 'id="cell-t6-fee_notice_amount" name="t6.fee_notice_amount" value="" inputmode="decimal"' in html
    assert 'aria-label="行政诉讼（未经复议直接起诉）·结果维持"' in html
    # The official layout: grouped headers, row spans, the 勾稽关系 note over table 三.
    assert '<th scope="col" colspan="5">法人或其他组织</th>' in html
    assert 'rowspan="22">三、本年度办理结果</th>' in html
    assert standard.T3_NOTE in html
    # The narrative parts with their guidance.
    for text in standard.STANDARD.texts:
        assert f'id="text-{text.key}"' in html
        assert text.guidance in html


def test_the_page_has_no_inline_script_style_or_event_handler(clerk_a_client, draft_report):
    html = clerk_a_client.get(edit_url(draft_report)).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, "the page loads its script"
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_page_lists_the_errors_and_gives_the_script_its_configuration(clerk_a_client, draft_report):
    response = clerk_a_client.get(edit_url(draft_report))
    config = response.context["editor_config"]
    assert config["version"] == 1
    assert config["editable"] is True
    assert [item["rule"] for item in config["initial"]["errors"]] == ["CELL-REQUIRED"] * 3
    html = response.content.decode()
    assert 'href="#cell-t6-fee_notices"' in html
    assert "发出收费通知的件数 未填写，没有的请填 0" in html


def test_prefilled_cells_are_marked(agency_a, clerk_a, clerk_a_client):
    from reports.editing import report_create
    from tests.factories import complete_cells, complete_texts, make_report

    make_report(agency_a, year=2024, status=Report.Status.APPROVED, cells=complete_cells(), texts=complete_texts())
    report = report_create(agency=agency_a, year=2025, by=clerk_a)
    html = clerk_a_client.get(edit_url(report)).content.decode()
    assert html.count(">预填</span>") == 9
    assert 'id="cell-t3-carried_in-natural"' in html
    assert re.search(r'class="[^"]*is-prefilled[^"]*" id="cell-t3-carried_in-natural"', html)


def test_a_submitted_report_is_shown_read_only(clerk_a_client, submitted_report):
    response = clerk_a_client.get(edit_url(submitted_report))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="readonly-notice"' in html
    assert "cell-input" not in html
    assert "<textarea" not in html
    assert "report-editor.js" not in html
    assert re.search(
        r'<span [^>]*id="cell-t3-new-natural" aria-label="一、本年新收政府信息公开申请数量·自然人"[^>]*>11<', html
    )


def test_a_reviewer_of_the_district_sees_the_draft_read_only(reviewer_client, draft_report):
    html = reviewer_client.get(edit_url(draft_report)).content.decode()
    assert "您没有修改权限" in html
    assert "cell-input" not in html


# ── The live check ──────────────────────────────────────────────────────────────────────


def test_the_live_check_answers_with_the_servers_rules_for_the_figures_on_screen(clerk_a_client, draft_report):
    cells = {"t6.fee_notices": "0", "t6.fee_notice_amount": "0", "t6.fee_collected": "0", "t3.carried_out.natural": "2"}
    response = post_json(clerk_a_client, reverse("reports:check", args=[draft_report.pk]), {"cells": cells})
    assert response.status_code == 200
    data = response.json()
    balance = [item for item in data["errors"] if item["rule"] == "T3-BALANCE"]
    assert len(balance) == 1
    assert balance[0]["cells"] == [
        "t3.new.natural",
        "t3.carried_in.natural",
        "t3.handled_total.natural",
        "t3.carried_out.natural",
    ]
    assert balance[0]["level"] == "error"
    assert balance[0]["key"].startswith("T3-BALANCE|")
    assert "自然人" in balance[0]["message"]
    assert data["counts"]["errors"] == len(data["errors"])
    assert Report.objects.get(pk=draft_report.pk).version == 1  # a check saves nothing


def test_the_live_check_shows_text_rules_at_the_text(clerk_a_client, draft_report):
    response = post_json(
        clerk_a_client,
        reverse("reports:check", args=[draft_report.pk]),
        {"texts": {"problems": "无"}, "cells": {}},
    )
    items = response.json()["errors"] + response.json()["warnings"]
    thin = [item for item in items if item["rule"] == "TEXT-THIN"]
    assert thin and thin[0]["text"] == "problems" and thin[0]["level"] == "warning"


def test_the_live_check_refuses_unknown_codes_and_bad_json(clerk_a_client, draft_report):
    url = reverse("reports:check", args=[draft_report.pk])
    assert post_json(clerk_a_client, url, {"cells": {"t9.x": 1}}).status_code == 400
    response = clerk_a_client.post(url, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert post_json(clerk_a_client, url, {"cells": [1, 2]}).status_code == 400


# ── Saving through the script (JSON) ────────────────────────────────────────────────────


def test_the_autosave_saves_the_changes_and_answers_the_new_version(clerk_a_client, draft_report):
    response = post_json(
        clerk_a_client,
        reverse("reports:save", args=[draft_report.pk]),
        {
            "version": 1,
            "cells": {"t6.fee_notices": "0"},
            "texts": {"problems": "无"},  # raises TEXT-THIN, which the explanation explains
            "explanations": {"TEXT-THIN||problems": "说明"},
        },
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    report = Report.objects.get(pk=draft_report.pk)
    assert report.cells["t6.fee_notices"] == 0
    assert report.explanations == {"TEXT-THIN||problems": "说明"}


def test_a_stale_autosave_is_refused_with_who_changed_it_and_the_newer_data_is_kept(
    clerk_a_client, draft_report, agency_a
):
    from reports.editing import report_save

    colleague = make_clerk(agency_a, "colleague", full_name="王芳")
    report_save(report_id=draft_report.pk, expected_version=1, cells={"t6.fee_notices": 7}, by=colleague)
    response = post_json(
        clerk_a_client,
        reverse("reports:save", args=[draft_report.pk]),
        {"version": 1, "cells": {"t6.fee_notices": "0", "t3.new.natural": "99"}},
    )
    assert response.status_code == 409
    data = response.json()
    assert data["error"] == "stale"
    assert data["changed_by"] == "王芳"
    assert data["current_version"] == 2
    assert "王芳" in data["message"] and "仍保留在页面上" in data["message"]
    report = Report.objects.get(pk=draft_report.pk)
    assert report.version == 2
    assert report.cells["t6.fee_notices"] == 7
    assert report.cells["t3.new.natural"] == 11


def test_saving_a_submitted_report_is_refused_in_chinese(clerk_a_client, submitted_report):
    before = report_state(submitted_report)
    response = post_json(
        clerk_a_client, reverse("reports:save", args=[submitted_report.pk]), {"version": 1, "cells": {}}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "not_editable"
    assert "不能再修改" in response.json()["message"]
    assert report_state(submitted_report) == before


def test_a_save_without_a_version_is_refused(clerk_a_client, draft_report):
    response = post_json(clerk_a_client, reverse("reports:save", args=[draft_report.pk]), {"cells": {}})
    assert response.status_code == 400


# ── Saving without the script (the form) ────────────────────────────────────────────────


def form_data(report, **changes):
    data = {"version": str(report.version)}
    for code in standard.CELL_CODES:
        value = report.cells.get(code)
        data[code] = "" if value is None else str(value)
    data.update(report.texts)
    data.update(changes)
    return data


def test_the_form_saves_the_draft_and_redirects_with_a_message(clerk_a_client, draft_report):
    data = form_data(draft_report, **{"t6.fee_notices": "0", "problems": "无", "explain:TEXT-THIN||problems": "说明"})
    response = clerk_a_client.post(edit_url(draft_report), data, follow=True)
    assert response.redirect_chain[-1][0] == edit_url(draft_report)
    assert "草稿已保存（第 2 版）" in response.content.decode()
    report = Report.objects.get(pk=draft_report.pk)
    assert report.cells["t6.fee_notices"] == 0
    assert report.cells["t6.fee_collected"] is None
    assert report.explanations == {"TEXT-THIN||problems": "说明"}


def test_a_stale_form_save_is_refused_and_the_typed_input_stays_on_the_page(clerk_a_client, draft_report, agency_a):
    from reports.editing import report_save

    colleague = make_clerk(agency_a, "colleague", full_name="王芳")
    report_save(report_id=draft_report.pk, expected_version=1, cells={"t2.penalty.decisions": 511}, by=colleague)
    data = form_data(draft_report, **{"t6.fee_notices": "3", "problems": "我输入的问题"})
    response = clerk_a_client.post(edit_url(draft_report), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "王芳" in html
    assert 'name="t6.fee_notices" value="3"' in html
    assert "我输入的问题" in html
    assert response.context["form"].initial["version"] == 2
    report = Report.objects.get(pk=draft_report.pk)
    assert report.cells["t2.penalty.decisions"] == 511
    assert report.cells["t6.fee_notices"] is None
    assert report.texts["problems"] == draft_report.texts["problems"]
