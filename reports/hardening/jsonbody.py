"""JSON parsed strictly: what Python's ``json`` would turn into a 500 is an error message."""

from __future__ import annotations

import json
import math

# No value of a report needs more digits (counts stay below 10^12); Python itself refuses
# an integer of more than 4,300 digits with a ValueError, which used to become a 500.
MAX_INTEGER_DIGITS = 30


class JsonInputError(ValueError):
    """``str(exc)`` is a Chinese message for the user."""


def _refuse_constant(name: str) -> object:
    raise JsonInputError(f"不是有效的 JSON（不允许 {name}）")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JsonInputError(f"不是有效的 JSON（数字过长：{len(text)} 位）")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_INTEGER_DIGITS + 20:
        raise JsonInputError(f"不是有效的 JSON（数字过长：{len(text)} 位）")
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise JsonInputError(f"不是有效的 JSON（数字超出范围：{text[:40]}）")
    return value


def strict_json_loads(text: str | bytes) -> object:
    """Parse JSON; anything Python's parser would choke on raises ``JsonInputError``."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float)
    except JsonInputError:
        raise
    except UnicodeDecodeError:
        raise JsonInputError("内容不是 UTF-8 编码的文本") from None
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
    except RecursionError:
        raise JsonInputError("不是有效的 JSON（嵌套层数过多）") from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise JsonInputError(f"不是有效的 JSON（{str(exc)[:80]}）") from None
