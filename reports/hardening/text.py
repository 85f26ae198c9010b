"""The characters no text of a report may hold."""

from __future__ import annotations

import re

# The longest text part of a report, in characters: the form, the JSON endpoints, uploads and
# imported files all refuse a longer one before any rule runs on it.
MAX_TEXT_LENGTH = 50_000
# The longest raw cell value an imported file may hold (a value the rules then judge).
MAX_CELL_TEXT_LENGTH = 1_000

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: "visual spoofing", a
# published text that reads otherwise than it is stored); lone surrogates, which JSON can
# spell (\ud800) and PostgreSQL cannot store.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

_NAMES = {
    0x00: "空字符 NUL",
    0x1B: "转义字符 ESC",
    0x7F: "删除字符 DEL",
    0x202D: "从左到右强制字符",
    0x202E: "从右到左强制字符",
}


def _describe(char: str) -> str:
    code = ord(char)
    name = _NAMES.get(code)
    if name is None:
        if 0x202A <= code <= 0x2069:
            name = "文字方向控制字符"
        elif 0xD800 <= code <= 0xDFFF:
            name = "无效的代理字符"
        else:
            name = "控制字符"
    return f"{name}（U+{code:04X}）"


def unsafe_character_message(text: str, where: str) -> str | None:
    """A Chinese message naming the first character ``text`` may not hold, or ``None``."""
    match = UNSAFE_CHARACTERS.search(text)
    if match is None:
        return None
    return (
        f"“{where}”第 {match.start() + 1} 个字符是不允许的{_describe(match.group())}，"
        "请删除后再保存（常见于从其他文档复制的内容）。"
    )
