"""Every page carries the headers a government site is assessed on."""

import pytest


@pytest.mark.django_db
def test_public_page_sends_csp_without_inline_script_and_the_other_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_are_served_in_simplified_chinese(client):
    response = client.get("/")
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in response.content.decode()
