#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands documented to work on files alone, with no secret, database or service: they get
# config.settings_offline (see there), unless a settings module is chosen explicitly.
OFFLINE_COMMANDS = {"check_report", "export_report", "read_published"}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    default = "config.settings_offline" if command in OFFLINE_COMMANDS else "config.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
