from decimal import Decimal

import pytest

from reports import standard
from reports.tests.samples import NAMES, sample
from reports.values import (
    COUNT_REASON,
    LEADING_ZERO_REASON,
    NEGATIVE_REASON,
    RANGE_REASON,
    CellValueError,
    format_cell,
    parse_cell,
)

COUNT = "t3.new.natural"
WAN = "t2.fees.amount"  # 万元, 4 places
YUAN = "t6.fee_collected"  # 元, 2 places


def test_the_codes_used_here_have_the_kinds_the_spec_gives():
    assert standard.CELL_BY_CODE[COUNT].kind.name == "count"
    assert standard.CELL_BY_CODE[WAN].kind.places == 4
    assert standard.CELL_BY_CODE[YUAN].kind.places == 2


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\t\n"])
@pytest.mark.parametrize("code", [COUNT, WAN, YUAN])
def test_a_blank_cell_is_none_not_zero(code, raw):
    assert parse_cell(code, raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, 0),
        (12, 12),
        (999_999_999, 999_999_999),
        ("12", 12),
        (" 12 ", 12),
        ("1,234", 1234),
        ("1,234,567", 1_234_567),
        ("１２", 12),  # full-width digits from a Chinese input method
        ("1，234", 1234),  # full-width comma
        (3.0, 3),  # what a spreadsheet delivers
        (Decimal("4"), 4),
        (Decimal("4.0"), 4),
    ],
)
def test_a_count_accepts_whole_numbers(raw, expected):
    value = parse_cell(COUNT, raw)
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (True, COUNT_REASON),
        (False, COUNT_REASON),
        (1.5, COUNT_REASON),
        (float("nan"), COUNT_REASON),
        (float("inf"), COUNT_REASON),
        (Decimal("2.5"), COUNT_REASON),
        (Decimal("NaN"), COUNT_REASON),
        (-1, NEGATIVE_REASON),
        ("-1", NEGATIVE_REASON),
        (-2.0, NEGATIVE_REASON),
        (1_000_000_000, RANGE_REASON),
        ("1,000,000,000", RANGE_REASON),
        ("abc", COUNT_REASON),
        ("五", COUNT_REASON),
        ("1.0", COUNT_REASON),
        ("1e3", COUNT_REASON),
        ("12,34", COUNT_REASON),  # not a thousands grouping
        ("1 2", COUNT_REASON),
        ("+3", COUNT_REASON),
        ([1], COUNT_REASON),
        ({"v": 1}, COUNT_REASON),
    ],
)
def test_a_count_refuses_anything_else_with_a_chinese_reason(raw, reason):
    with pytest.raises(CellValueError) as caught:
        parse_cell(COUNT, raw)
    assert str(caught.value) == reason


def test_the_reasons_read_as_the_spec_words_them():
    assert COUNT_REASON == "须为不小于 0 的整数"
    assert "999,999,999" in RANGE_REASON


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        (YUAN, "12.5", Decimal("12.5")),
        (YUAN, "0", Decimal("0")),
        (YUAN, "0.00", Decimal("0")),
        (YUAN, 12, Decimal("12")),
        (YUAN, Decimal("3.25"), Decimal("3.25")),
        (YUAN, " 1,234.50 ", Decimal("1234.50")),
        (YUAN, "１２.５", Decimal("12.5")),
        (YUAN, "12.500", Decimal("12.5")),  # zeros beyond the places change nothing
        (YUAN, 0.1, Decimal("0.1")),  # a float is read through its shortest repr
        (YUAN, "999999999", Decimal("999999999")),
        (WAN, "1.2345", Decimal("1.2345")),
        (WAN, "0.0001", Decimal("0.0001")),
    ],
)
def test_an_amount_accepts_decimals_within_its_places(code, raw, expected):
    value = parse_cell(code, raw)
    assert value == expected
    assert isinstance(value, Decimal)


@pytest.mark.parametrize(
    ("code", "raw", "reason"),
    [
        (YUAN, "1.234", "最多 2 位小数"),
        (YUAN, Decimal("0.001"), "最多 2 位小数"),
        (YUAN, 1.234, "最多 2 位小数"),
        (WAN, "1.23456", "最多 4 位小数"),
        (YUAN, "-1", NEGATIVE_REASON),
        (YUAN, "-0.5", NEGATIVE_REASON),
        (YUAN, -3, NEGATIVE_REASON),
        (YUAN, Decimal("-0.01"), NEGATIVE_REASON),
        (YUAN, "1000000000", RANGE_REASON),
        (YUAN, Decimal("1E+10"), RANGE_REASON),
        (YUAN, "NaN", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, "Infinity", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, Decimal("NaN"), "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, Decimal("Infinity"), "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, float("inf"), "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, "1e5", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, "1E-2", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, "12元", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, ".5", "须为不小于 0 的数字，最多 2 位小数"),
        (YUAN, True, "须为不小于 0 的数字，最多 2 位小数"),
        (WAN, "abc", "须为不小于 0 的数字，最多 4 位小数"),
    ],
)
def test_an_amount_refuses_anything_else_with_a_chinese_reason(code, raw, reason):
    with pytest.raises(CellValueError) as caught:
        parse_cell(code, raw)
    assert str(caught.value) == reason


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        parse_cell("t3.new.nobody", 1)


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        (COUNT, 0, 0),
        (COUNT, 12, 12),
        (COUNT, None, None),
        (YUAN, None, None),
        (YUAN, Decimal("12.50"), "12.5"),
        (YUAN, Decimal("0.00"), "0"),
        (YUAN, Decimal("100"), "100"),
        (YUAN, Decimal("1E+2"), "100"),
        (WAN, Decimal("0.0001"), "0.0001"),
        (WAN, Decimal("999999999.0000"), "999999999"),
        (YUAN, 7, "7"),
    ],
)
def test_format_cell_gives_the_interchange_representation(code, value, expected):
    result = format_cell(code, value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("name", NAMES)
def test_every_value_of_the_samples_reads_and_writes_back_unchanged(name):
    cells = sample(name)["cells"]
    for code, raw in cells.items():
        assert format_cell(code, parse_cell(code, raw)) == raw, code


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        (COUNT, "00"),
        (COUNT, "007"),
        (COUNT, "０５"),  # full-width, as a Chinese input method types it
        (COUNT, "0,123"),
        (YUAN, "00"),
        (YUAN, "00.5"),
        (WAN, "012.5"),
    ],
)
def test_a_leading_zero_is_refused_not_read_as_a_number(code, raw):
    # "00" is a slip more often than a figure: never silently 0 (issue 14).
    with pytest.raises(CellValueError) as caught:
        parse_cell(code, raw)
    assert str(caught.value) == LEADING_ZERO_REASON


@pytest.mark.parametrize(("code", "raw", "expected"), [(COUNT, "0", 0), (YUAN, "0.5", Decimal("0.5")), (YUAN, "0", 0)])
def test_a_single_zero_and_a_fraction_below_one_are_fine(code, raw, expected):
    assert parse_cell(code, raw) == expected
