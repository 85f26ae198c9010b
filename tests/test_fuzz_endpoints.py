"""Fuzzing every endpoint with hostile bodies (issue 11): for each URL of the project (taken
from the URL resolver) and the personas that matter for it — one it serves, a clerk of
another agency and the anonymous visitor — random and adversarial POST bodies (wrong
types, huge values, control characters, deep nesting, broken JSON, random files) never
give a 5xx, and a refused one changes nothing stored; a page read with hostile query
parameters never gives a 5xx either.

The bodies are a table generated from a fixed seed, so a failure is reproducible by its
test id and index; the run stays bounded (8 bodies per endpoint and persona).
"""

from __future__ import annotations

import json
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reports.models import Report
from tests.test_url_matrix import (  # noqa: F401 - world is a fixture
    ANON,
    CLERK_A,
    CLERK_B,
    MATRIX,
    media_root_fixture,
    report_in,
    url_for,
    url_names,
    world,
)

SEED = 11
FIELDS = (
    "version",
    "cells",
    "texts",
    "explanations",
    "overview",
    "problems",
    "other_matters",
    "t3.new.total",
    "t6.fee_notices",
    "t6.fee_notice_amount",
    "explain:TEXT-THIN||problems",
    "year",
    "decision",
    "reason",
    "body",
    "anchor_kind",
    "anchor_code",
    "username",
    "password",
    "old_password",
    "new_password1",
    "new_password2",
    "next",
    "kind",
    "step",
)
HOSTILE_STRINGS = (
    "\x00",
    "a\x00b",
    "\u202e",
    "\x1b[31m",
    "\x7f",
    "9" * 5000,
    "99999999999999999999",
    "-1",
    "1e999",
    "NaN",
    "A" * 60_000,
    "",
    " ",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "收到申请1件，" * 500,
    "approve",
    "return",
    "text",
    "cell",
    "t3.new.total",
)
HOSTILE_JSON = (
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    '{"version": ' + "9" * 5000 + "}",
    '{"version": 1, "cells": {"t3.new.total": NaN}}',
    '{"version": 1, "cells": {"t3.new.total": 1e999}}',
    '{"version": 1, "texts": {"overview": "\\u0000\\u202e\\ud800"}}',
    '{"version": 1, "explanations": {"\\ud800": "x"}}',
    "{not json",
    "",
    "null",
)


QUERY_NAMES = ("page", "year", "q", "district", "kind", "username", "status", "sort", "step", "agency", "next")
QUERY_VALUES = ("%00", "99999999999999999999", "-1", "1e999", "%E2%80%AE", "%FF%FE", "x" * 3000, "[]", "%0d%0aX:1")


def _value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 4 and roll < 0.2:
        return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 4 and roll < 0.3:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice(
        (
            rng.choice(HOSTILE_STRINGS),
            rng.randint(-(2**70), 2**70),
            rng.random() * 10 ** rng.randint(0, 300),
            True,
            None,
            1,
        )
    )


def bodies(rng: random.Random) -> list[tuple[str, object]]:
    """(kind, body) pairs: kind is "json" (a string sent as application/json), "raw" (bytes
    sent as JSON, maybe not UTF-8) or "form" (a dict sent as multipart)."""
    result: list[tuple[str, object]] = [("json", rng.choice(HOSTILE_JSON)) for _ in range(2)]
    result.append(("json", json.dumps({name: _value(rng) for name in rng.sample(FIELDS, 5)})))
    result.append(("raw", rng.randbytes(rng.randint(1, 2000))))
    for _ in range(3):
        form = {name: rng.choice(HOSTILE_STRINGS) for name in rng.sample(FIELDS, rng.randint(1, 8))}
        form["version"] = rng.choice(("1", "0", "-1", "99999999999999999999", "x", ""))
        result.append(("form", form))
    result.append(
        ("form", {"version": "1", "file": SimpleUploadedFile("模板.xlsx", b"PK\x03\x04" + rng.randbytes(3000))})
    )
    return result


def state(report: Report | None):
    if report is None:
        return None
    report = Report.objects.get(pk=report.pk)
    return (report.status, report.version, report.cells, report.texts, report.explanations)


def send(client: Client, url: str, kind: str, body):
    if kind == "json":
        return client.post(url, data=body, content_type="application/json")
    if kind == "raw":
        return client.post(url, data=body, content_type="application/json")
    return client.post(url, data=body)


def test_every_endpoint_is_fuzzed():
    # A new URL needs an entry in the URL matrix (its method, state and personas); the
    # fuzzing takes every entry, so a new POST endpoint is fuzzed as soon as it has one.
    missing = url_names() - set(MATRIX)
    assert not missing, f"URLs the fuzz test cannot reach without a MATRIX entry: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_hostile_bodies_never_give_a_5xx_and_a_refused_one_changes_nothing(name, world):  # noqa: F811
    method, status, served = MATRIX[name]
    report = report_in(world, status) if status is not None else None
    url = url_for(name, report, world)
    if method == "GET":
        _hostile_queries(name, url, served, world["people"])
    personas = [ANON, CLERK_B]
    served_people = sorted(served - {ANON})
    if served_people:
        personas.append(CLERK_A if CLERK_A in served_people else served_people[0])
    rng = random.Random(f"{SEED}:{name}")
    for persona in dict.fromkeys(personas):
        client = Client(raise_request_exception=False)
        if persona != ANON:
            client.force_login(world["people"][persona])
        for index, (kind, body) in enumerate(bodies(rng)):
            before = state(report)
            response = send(client, url, kind, body)
            where = f"{name} {url} as {persona}, body #{index} ({kind})"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            if response.status_code >= 400 or persona not in served:
                assert state(report) == before, f"{where}: refused ({response.status_code}) but changed the report"


def _hostile_queries(name: str, url: str, served, people) -> None:
    """A page read with hostile query parameters (NUL, huge numbers, bidi, broken UTF-8)."""
    served_people = sorted(served - {ANON})
    client = Client(raise_request_exception=False)
    if served_people:
        client.force_login(people[served_people[0]])
    rng = random.Random(f"{SEED}:{name}:get")
    for _ in range(6):
        query = "&".join(f"{key}={rng.choice(QUERY_VALUES)}" for key in rng.sample(QUERY_NAMES, 4))
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, f"GET {url}?{query[:200]}: {response.status_code}"
