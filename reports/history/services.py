"""Bringing past reports into the system (issue 15): upload, review, confirm.

An upload — one published report (.txt/.html/.pdf/.docx) or a .zip of many — is checked
before any work (sizes, entry count, unpacked size, ratio, names, nested archives), then every
file is read with ``reports.importing``; if one cannot be read, nothing is kept (a clear
message names it). Each readable file becomes a pending ``HistoricalImport``: the source bytes
under ``MEDIA_ROOT/history/`` with their SHA-256, the reading (interchange format with the
reader's provenance, notes and ambiguities) and, as the uploader resolves them, the figures
chosen for each ambiguity. Confirming makes the figures the agency's report for that year with
the status ``historical`` (历史导入) — refused while an ambiguity is open or when the agency
already has a report for the year.

Who: the district administrator for any agency of their district; a clerk for their own
agency. Everything else is ``PermissionDenied``; a refused input ``HistoryError`` (Chinese).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent

from .. import importing, standard
from ..importing import extract
from ..models import Agency, HistoricalImport, Report
from ..publishing import media_path, write_atomic
from ..values import CellValueError, format_cell, parse_cell

#: One file: the reader's own limit (a published report's PDF is rarely above 5 MB).
MAX_FILE_BYTES = importing.MAX_BYTES
#: The upload itself (a file or a zip), refused on its declared size before it is read.
MAX_UPLOAD_BYTES = importing.MAX_BYTES
MAX_ZIP_ENTRIES = 30  # five years of a district's agencies is imported in several zips
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_MIN_BYTES = 64 * 1024
FIRST_HISTORY_YEAR = 2008  # the Regulation's first reporting year
_ARCHIVES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class HistoryError(Exception):
    """A refused upload or step; ``str()`` is one line of Chinese."""


# ── Who may import for which agency ─────────────────────────────────────────────────────


def may_import(user, agency: Agency) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.agency_id:
        return user.agency_id == agency.pk
    return bool(user.is_district_admin and user.district_id and user.district_id == agency.district_id)


def may_use_history(user) -> bool:
    """The pages are for district administrators and clerks."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.agency_id or (user.is_district_admin and user.district_id))
    )


def import_agencies(user):
    """The agencies ``user`` may import for (a merged agency keeps its history too)."""
    if not may_use_history(user):
        return Agency.objects.none()
    if user.agency_id:
        return Agency.objects.filter(pk=user.agency_id)
    return Agency.objects.filter(district_id=user.district_id)


def imports_visible_to(user):
    if not may_use_history(user):
        return HistoricalImport.objects.none()
    if user.agency_id:
        return HistoricalImport.objects.filter(agency_id=user.agency_id)
    return HistoricalImport.objects.filter(agency__district_id=user.district_id)


def _require(user, agency: Agency) -> None:
    if not may_import(user, agency):
        raise PermissionDenied("只有本区的区政务公开办管理员或本机关的填报人员可以导入往年报告。")


def year_range() -> tuple[int, int]:
    return FIRST_HISTORY_YEAR, timezone.localdate().year


def _check_year(year) -> int:
    first, last = year_range()
    if not isinstance(year, int) or isinstance(year, bool) or not first <= year <= last:
        raise HistoryError(f"年度须在 {first} 年至 {last} 年之间。")
    return year


# ── Reading the upload ──────────────────────────────────────────────────────────────────


@dataclass
class _File:
    name: str
    kind: str
    data: bytes


def _too_big(size: int, limit: int) -> str:
    return f"文件太大（{size / 1024 / 1024:.1f} MB），上限 {limit // 1024 // 1024} MB"


def read_upload(file) -> bytes:
    """The uploaded bytes, the declared size checked before reading and the read bounded."""
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > MAX_UPLOAD_BYTES:
        raise HistoryError(_too_big(size, MAX_UPLOAD_BYTES))
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_UPLOAD_BYTES + 1)
    except (OSError, ValueError):
        raise HistoryError("无法读取上传的文件，请重新选择后再上传。") from None
    if not isinstance(data, bytes):
        raise HistoryError("无法读取上传的文件，请重新选择后再上传。")
    if len(data) > MAX_UPLOAD_BYTES:
        raise HistoryError(_too_big(len(data), MAX_UPLOAD_BYTES))
    if not data:
        raise HistoryError("上传的文件是空的。")
    return data


def _safe_name(name: str) -> str:
    """The file's own name, shown to people; never used as a path."""
    shown = PurePosixPath(name.replace("\\", "/")).name
    shown = "".join(ch for ch in shown if ch.isprintable())
    return shown[:200] or "文件"


def _kind(name: str) -> str:
    try:
        return importing.kind_of(name)
    except importing.ExtractError as exc:
        raise HistoryError(str(exc)) from None


def unpack(data: bytes, name: str) -> list[_File]:
    """The files of one upload: itself, or the entries of a zip (checked from its directory
    first — entry count, declared sizes, ratio, names — and each read bounded)."""
    if not name.lower().endswith(".zip"):
        return [_File(_safe_name(name), _kind(name), data)]
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        raise HistoryError(f"{_safe_name(name)} 不是有效的 zip 压缩包。")
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if len(archive.infolist()) > MAX_ZIP_ENTRIES * 2 or len(infos) > MAX_ZIP_ENTRIES:
                raise HistoryError(f"压缩包内文件过多（{len(infos)} 个），一次最多 {MAX_ZIP_ENTRIES} 个，请分批上传。")
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise HistoryError(
                    f"压缩包解压后过大（超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB），可能是恶意文件，已拒绝。"
                )
            wanted = [info for info in infos if _check_entry(info)]
            if not wanted:
                raise HistoryError("压缩包里没有可读的报告文件（.txt .html .pdf .docx）。")
            files = []
            for info in wanted:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
                if len(content) > MAX_FILE_BYTES or len(content) > info.file_size:
                    raise HistoryError(
                        f"压缩包中的 {_safe_name(info.filename)} 实际大小与声明不符，可能是恶意文件，已拒绝。"
                    )
                files.append(_File(_safe_name(info.filename), _kind(info.filename), content))
            return files
    except HistoryError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        raise HistoryError(f"{_safe_name(name)} 已损坏或无法解压，请重新打包后上传。") from None


def _check_entry(info: zipfile.ZipInfo) -> bool:
    """Refuse a dangerous entry; ``False`` for what is skipped (the Mac's ``__MACOSX`` files)."""
    raw = info.filename
    parts = raw.replace("\\", "/").split("/")
    shown = _safe_name(raw)
    if raw.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", raw):
        raise HistoryError(f"压缩包中的 {shown} 的路径不安全（绝对路径或含“..”），已拒绝。")
    if parts[0] == "__MACOSX" or parts[-1].startswith("."):
        return False
    if info.flag_bits & 0x1:
        raise HistoryError(f"压缩包中的 {shown} 已加密，请取消密码后再上传。")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise HistoryError(f"压缩包中的 {shown} 使用了不支持的压缩方式，请用普通 zip 重新打包。")
    if raw.lower().endswith(_ARCHIVES):
        raise HistoryError(f"压缩包中不能再套压缩包（{shown}），请解开后直接放入报告文件。")
    if info.file_size > MAX_FILE_BYTES:
        raise HistoryError(
            f"压缩包中的 {shown} 过大（{info.file_size / 1024 / 1024:.1f} MB），"
            f"单个文件上限 {MAX_FILE_BYTES // 1024 // 1024} MB。"
        )
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise HistoryError(f"压缩包中的 {shown} 压缩比异常（超过 {MAX_COMPRESSION_RATIO}:1），可能是恶意文件，已拒绝。")
    return True


def guess_year(reading: importing.Reading, name: str) -> int | None:
    """The year the report prints, else one in the file's name; ``None`` if neither fits."""
    first, last = year_range()
    if reading.year is not None and first <= reading.year <= last:
        return reading.year
    found = {int(y) for y in _YEAR_IN_NAME.findall(name) if first <= int(y) <= last}
    return found.pop() if len(found) == 1 else None


# ── The services ────────────────────────────────────────────────────────────────────────


def history_upload(*, by, agency: Agency, file, name: str, year: int | None = None) -> list[HistoricalImport]:
    """Read the upload and keep each file as a pending import for ``agency``. ``year``: the
    form's; for one file it is the year, for a zip the fallback of a file whose year is not
    printed. All or nothing: a file that cannot be read refuses the whole upload."""
    _require(by, agency)
    if year is not None:
        _check_year(year)
    files = unpack(read_upload(file), name)
    read = []
    for item in files:
        try:
            lines = extract.read_bytes(item.data, item.kind, name=item.name)  # once: a PDF costs a pdftotext
            reading = importing.read_extracted(lines, item.kind)
        except importing.ExtractError as exc:
            raise HistoryError(f"无法读取 {item.name}：{exc}") from None
        guessed = guess_year(reading, item.name)
        chosen = year if (len(files) == 1 and year is not None) else (guessed or year)
        document = importing.interchange(reading, name=agency.name, source=item.name)
        source_text = "\n".join(line.text for line in lines)[: extract.MAX_CHARS]
        read.append((item, chosen, document, source_text))
    batch = secrets.token_hex(8)
    written: list[Path] = []
    try:
        with transaction.atomic():
            created = []
            for index, (item, chosen, document, source_text) in enumerate(read, start=1):
                digest = hashlib.sha256(item.data).hexdigest()
                relative = f"history/{agency.pk}/{batch}/{index:02d}-{digest[:16]}.{item.kind}"
                target = media_path(relative)
                write_atomic(target, item.data)
                written.append(target)
                created.append(
                    HistoricalImport.objects.create(
                        agency=agency,
                        year=chosen,
                        batch=batch,
                        filename=item.name,
                        kind=item.kind,
                        path=relative,
                        sha256=digest,
                        size=len(item.data),
                        source_text=source_text,
                        document=document,
                        uploaded_by=by,
                    )
                )
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    return created


def _pending(by, import_id: int, *, lock: bool = False) -> HistoricalImport:
    queryset = HistoricalImport.objects.select_related("agency")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    item = queryset.filter(pk=import_id).first()
    if item is None:
        raise HistoricalImport.DoesNotExist
    _require(by, item.agency)
    if item.status != HistoricalImport.Status.PENDING:
        raise HistoryError("这份往年报告已经确认导入，不能再修改。")
    return item


def ambiguities(item: HistoricalImport) -> list[dict]:
    return list((item.document.get("reading") or {}).get("ambiguities") or [])


def unresolved(item: HistoricalImport) -> list[int]:
    resolutions = item.resolutions or {}
    return [index for index in range(len(ambiguities(item))) if str(index) not in resolutions]


def import_cells(item: HistoricalImport) -> dict[str, object]:
    """The figures as read, with the resolved ambiguities filled in."""
    cells = {code: (item.document.get("cells") or {}).get(code) for code in standard.CELL_CODES}
    for values in (item.resolutions or {}).values():
        cells.update({code: value for code, value in values.items() if code in cells})
    return cells


def import_texts(item: HistoricalImport) -> dict[str, str]:
    texts = item.document.get("texts") or {}
    return {key: str(texts.get(key) or "") for key in standard.empty_texts()}


def history_resolve(
    *, by, import_id: int, index: int, candidate: int | None = None, values: dict | None = None
) -> HistoricalImport:
    """Settle ambiguity ``index``: one of its candidate splits, or figures typed per cell
    (a blank leaves that cell blank)."""
    with transaction.atomic():
        item = _pending(by, import_id, lock=True)
        listed = ambiguities(item)
        if not isinstance(index, int) or not 0 <= index < len(listed):
            raise HistoryError("没有这一处存疑数字，请刷新页面后再试。")
        ambiguity = listed[index]
        codes = [code for code in ambiguity.get("cells", []) if code in standard.CELL_BY_CODE]
        if candidate is not None:
            candidates = ambiguity.get("candidates") or []
            if not 0 <= candidate < len(candidates):
                raise HistoryError("没有这一种拆分，请刷新页面后再试。")
            raw = dict(zip(codes, candidates[candidate], strict=False))
        elif values is not None:
            raw = {code: values.get(code, "") for code in codes}
        else:
            raise HistoryError("请选择一种拆分，或逐格填写数字。")
        chosen = {}
        for code in codes:
            try:
                chosen[code] = format_cell(code, parse_cell(code, raw.get(code)))
            except CellValueError as exc:
                raise HistoryError(f"“{standard.CELL_BY_CODE[code].label}”：{exc}") from None
        item.resolutions = {**(item.resolutions or {}), str(index): chosen}
        item.save(update_fields=["resolutions"])
    return item


def history_set_year(*, by, import_id: int, year: int) -> HistoricalImport:
    with transaction.atomic():
        item = _pending(by, import_id, lock=True)
        item.year = _check_year(year)
        item.save(update_fields=["year"])
    return item


def history_discard(*, by, import_id: int) -> None:
    with transaction.atomic():
        item = _pending(by, import_id, lock=True)
        path = media_path(item.path)
        item.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def history_confirm(*, by, import_id: int) -> Report:
    """The import becomes the agency's historical report for its year (see the module)."""
    with transaction.atomic():
        item = _pending(by, import_id, lock=True)
        agency = item.agency
        if item.year is None:
            raise HistoryError("请先填写这份报告的年度。")
        _check_year(item.year)
        open_ones = unresolved(item)
        if open_ones:
            raise HistoryError(f"还有 {len(open_ones)} 处存疑数字未处理，请逐一选择拆分或填写后再确认。")
        existing = Report.objects.filter(agency=agency, year=item.year).first()
        if existing is not None:
            raise HistoryError(
                f"{agency.name}{item.year}年度已有报告（{existing.get_status_display()}），"
                "不能再导入为历史报告；如需替换，请联系系统管理员。"
            )
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    agency=agency,
                    year=item.year,
                    status=Report.Status.HISTORICAL,
                    cells=import_cells(item),
                    texts=import_texts(item),
                    signature_organ=agency.name,
                    updated_by=by,
                )
        except IntegrityError:
            raise HistoryError(f"{agency.name}{item.year}年度已有报告，不能再导入为历史报告。") from None
        item.report = report
        item.status = HistoricalImport.Status.CONFIRMED
        item.confirmed_at = timezone.now()
        item.confirmed_by = by
        item.save(update_fields=["report", "status", "confirmed_at", "confirmed_by"])
        audit_record(
            kind=AuditEvent.Kind.IMPORT,
            user=by,
            object=f"{report.title}（历史导入）",
            detail=f"文件 {item.filename}（{item.size} 字节，SHA-256 {item.sha256}）",
            district_id=agency.district_id,
        )
    return report


def source_bytes(item: HistoricalImport) -> bytes:
    """The kept source file, verified against its checksum."""
    try:
        data = media_path(item.path).read_bytes()
    except OSError:
        raise HistoryError("原始文件不存在或无法读取，请联系系统管理员。") from None
    if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
        raise HistoryError("原始文件与导入时的校验值（SHA-256）不符，可能已被改动，请联系系统管理员。")
    return data
