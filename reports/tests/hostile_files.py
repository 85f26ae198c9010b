"""Builders of hostile and broken .xlsx files for the tests of ``reports.spreadsheet``.

Each builder returns the bytes of one file. Most start from a real template (``build_workbook``)
so that the file passes every check except the one it attacks.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>"
)
XXE_DTD = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def rewrite_zip(
    data: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """A copy of the zip ``data`` with entries replaced, added or dropped (deflated)."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def read_entry(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def sheet_entry(data: bytes, title: str) -> str:
    """The zip entry of the worksheet called ``title`` (through workbook.xml and its rels)."""
    workbook = read_entry(data, "xl/workbook.xml").decode()
    rels = read_entry(data, "xl/_rels/workbook.xml.rels").decode()
    match = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', workbook)
    assert match, title
    target = re.search(rf'<Relationship [^>]*Id="{match.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{match.group(1)}"', rels
    )
    assert target, match.group(1)
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else "xl/" + path


def _with_dtd(xml: bytes, dtd: str, reference: str) -> bytes:
    """``xml`` with ``dtd`` before its root element and its first text node replaced by ``reference``."""
    text = xml.decode()
    declaration = re.match(r"<\?xml[^>]*\?>", text)
    head = declaration.group(0) if declaration else ""
    body = text[len(head) :]
    body = re.sub(r"<t>[^<]*</t>", f"<t>{reference}</t>", body, count=1)
    return (head + dtd + body).encode()


def billion_laughs(template: bytes, sheet_title: str) -> bytes:
    """The template with an entity-expansion bomb in one worksheet (parsed while reading cells)."""
    entry = sheet_entry(template, sheet_title)
    return rewrite_zip(template, replace={entry: _with_dtd(read_entry(template, entry), BILLION_LAUGHS_DTD, "&lol9;")})


def billion_laughs_in_workbook_part(template: bytes) -> bytes:
    """The bomb in xl/workbook.xml, which openpyxl parses while opening the file."""
    xml = read_entry(template, "xl/workbook.xml")
    text = xml.decode()
    declaration = re.match(r"<\?xml[^>]*\?>", text)
    head = declaration.group(0) if declaration else ""
    return rewrite_zip(template, replace={"xl/workbook.xml": (head + BILLION_LAUGHS_DTD + text[len(head) :]).encode()})


def external_entity(template: bytes, sheet_title: str) -> bytes:
    """The template with an XXE (an external entity reading a local file) in one worksheet."""
    entry = sheet_entry(template, sheet_title)
    return rewrite_zip(template, replace={entry: _with_dtd(read_entry(template, entry), XXE_DTD, "&xxe;")})


def zip_bomb(template: bytes, *, size: int = 50 * 1024 * 1024, name: str = "xl/media/image1.png") -> bytes:
    """The template plus one entry of ``size`` zero bytes: tiny on disk, huge when unpacked."""
    out = io.BytesIO(rewrite_zip(template))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(name, "w") as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return out.getvalue()


def many_entries(template: bytes, count: int = 150) -> bytes:
    return rewrite_zip(template, add={f"customXml/item{n}.xml": b"<a/>" for n in range(count)})


def oversized(template: bytes, size: int) -> bytes:
    """A template padded with an incompressible (stored, random) entry up to ``size`` bytes."""
    out = io.BytesIO(rewrite_zip(template))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/padding.bin", os.urandom(max(size - len(template), 1)))
    return out.getvalue()


def with_macros(template: bytes) -> bytes:
    return rewrite_zip(template, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)})


def with_external_link(template: bytes) -> bytes:
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>'
        b"</externalLink>"
    )
    return rewrite_zip(template, add={"xl/externalLinks/externalLink1.xml": link})


def encrypted_entry(template: bytes) -> bytes:
    """The template with every entry flagged as encrypted (general purpose bit 0), as in a
    password-protected zip. zipfile cannot write that flag, so the headers are patched."""
    data = bytearray(template)
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        infos = archive.infolist()
    for info in infos:  # local file headers: flags at offset 6
        assert data[info.header_offset : info.header_offset + 4] == b"PK\x03\x04"
        data[info.header_offset + 6] |= 0x1
    end = data.rindex(b"PK\x05\x06")
    position = struct.unpack_from("<I", data, end + 16)[0]
    for _ in infos:  # central directory headers: flags at offset 8
        assert data[position : position + 4] == b"PK\x01\x02"
        data[position + 8] |= 0x1
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def old_xls() -> bytes:
    """The start of an OLE2 compound file: a .xls, or an .xlsx saved with an opening password."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)


def formula_with_cached_value(data: bytes, sheet_title: str, formula: str, cached: str) -> bytes:
    """Give the formula cell(s) ``formula`` that openpyxl saved without a value a cached ``cached``,
    as Excel would when it saves."""
    entry = sheet_entry(data, sheet_title)
    xml = read_entry(data, entry).decode()
    pattern = re.compile(rf"<f>{re.escape(formula)}</f>\s*<v\s*/>|<f>{re.escape(formula)}</f>\s*<v>\s*</v>")
    changed, count = pattern.subn(f"<f>{formula}</f><v>{cached}</v>", xml)
    assert count, "no formula without a value found"
    return rewrite_zip(data, replace={entry: changed.encode()})


def shared_strings_bomb(template: bytes, *, size: int) -> bytes:
    """The template with a shared-strings part of ``size`` bytes of short strings (issue 11:
    223 KB on disk, 19.7 MB unpacked, half a minute of parsing)."""
    # Distinct strings, so the part packs about as well as the (88:1 at most).
    pieces, length, n = [], 0, 0
    while length < size:
        piece = b"<si><t>%d</t></si>" % n
        pieces.append(piece)
        length += len(piece)
        n += 1
    body = b"".join(pieces)
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    return rewrite_zip(template, replace={}, add={"xl/sharedStrings.xml": xml + body + b"</sst>"})


def many_cells(template: bytes, sheet: str, *, count: int) -> bytes:
    """The template with ``count`` extra cells in ``sheet``, in rows far below the table."""
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        content = archive.read(sheet)
    cells = b"".join(b'<c r="A%d" t="n"><v>1</v></c>' % (1000 + n) for n in range(count))
    content = content.replace(b"</sheetData>", b'<row r="1000">' + cells + b"</row></sheetData>")
    return rewrite_zip(template, replace={sheet: content})


SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def registered_shared_strings(template: bytes, *, count: int, length: int = 80) -> bytes:
    """The template with a shared-strings part that openpyxl really parses (registered in
    the content types and the workbook's relationships), of ``count`` strings of about
    ``length`` characters: the largest a file may have and still be accepted."""
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        types = archive.read("[Content_Types].xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    types = types.replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SHARED_STRINGS_TYPE + b'"/></Types>'
    )
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="' + SHARED_STRINGS_REL + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    body = b"".join(b"<si><t>%d%s</t></si>" % (n, b"x" * length) for n in range(count))
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (count, count)
    )
    return rewrite_zip(
        template,
        replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
        add={"xl/sharedStrings.xml": xml + body + b"</sst>"},
    )
