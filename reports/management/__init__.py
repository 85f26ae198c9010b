"""Management commands of the reports app, and the base they share.

The commands are used by people at a terminal and by scripts that read the exit status, so
none of them ever prints a traceback: every failure is one line of Chinese on stderr and a
documented exit status (``ReportCommand.fail``).
"""

from __future__ import annotations

import contextlib
import os
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from reports.interchange import InterchangeError, ReportDocument, load_file

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and found errors or refused something
EXIT_UNREADABLE = 2  # a file could not be read, or the command could not run


def one_line(text: object) -> str:
    return " ".join(str(text).split())


class ReportCommand(BaseCommand):
    """A command whose failures are one Chinese line on stderr and an exit status."""

    def fail(self, message: object, code: int = EXIT_UNREADABLE):
        self.stderr.write(one_line(message))
        raise SystemExit(code)

    def read_files(self, paths) -> tuple[list[tuple[str, ReportDocument]], list[str]]:
        """Every file of ``paths`` read (JSON or xlsx), and the one-line messages of those that
        could not be: a command reads all its files before it acts on any."""
        documents, unreadable = [], []
        for path in paths:
            try:
                documents.append((path, load_file(path)))
            except InterchangeError as exc:
                unreadable.append(one_line(exc))
        return documents, unreadable

    def fail_unreadable(self, messages: list[str], suffix: str = ""):
        """One line per unreadable file on stderr, then exit 2."""
        for message in messages[:-1]:
            self.stderr.write(one_line(message))
        self.fail(f"{messages[-1]}{suffix}", EXIT_UNREADABLE)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            self.fail("已中断", 130)
        except BrokenPipeError:
            # The reader of stdout (``| head``) has gone: nobody is left to tell, and Python
            # must not complain again when it flushes stdout at exit.
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(EXIT_FAILED) from None
        except InterchangeError as exc:
            self.fail(exc)
        except DatabaseError as exc:
            self.fail(f"数据库错误：{one_line(exc)}（数据库是否可用、是否已运行 python manage.py migrate？）")
        except Exception as exc:
            self.fail(f"内部错误：{type(exc).__name__}: {one_line(exc)}")
