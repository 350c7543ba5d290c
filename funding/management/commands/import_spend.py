"""Import a spend file from finance: ``manage.py import_spend FILE [--user NAME]``."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from funding.models import SpendImport
from funding.spend_import import error_message, spend_import_create, spend_import_run
from organisations.models import User

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import actual spend from a CSV file (allocation_reference, month, amount, optional stream_code). "
        "A file with any error imports nothing; the same file twice imports once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="the username to record as the importer (default: none, the command line)")
        parser.add_argument(
            "--dialect",
            choices=SpendImport.Dialect.values,
            default=SpendImport.Dialect.AUTO,
            help="comma: ',' between fields, decimal point; semicolon: ';', decimal comma, thousands dots; "
            "auto (default): from the first line",
        )

    def handle(self, *args: Any, file: Path, user: str | None, dialect: str, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user named {user!r}")
        record = spend_import_create(filename=file.name, content=file.read_bytes(), by=by, dialect=dialect)
        record = spend_import_run(record.pk)
        if record.status == SpendImport.Status.IMPORTED:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {record.rows_imported} rows, € {record.amount_imported:,.2f}.")
            )
        elif record.status == SpendImport.Status.DUPLICATE:
            self.stdout.write(self.style.WARNING("This file was imported before; nothing was imported again."))
        else:
            for error in record.errors[:SHOWN_ERRORS]:
                column = f" [{error['column']}]" if error.get("column") else ""
                self.stderr.write(f"line {error['line']}{column}: {error_message(error)}")
            more = record.error_count - min(len(record.errors), SHOWN_ERRORS)
            if more > 0:
                self.stderr.write(f"… and {more} more errors.")
            raise CommandError(f"{record.error_count} errors in {file.name}; nothing was imported.")
