"""Spreadsheet exports that German Excel opens correctly and that cannot carry formulas."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from wagtail.admin.views.mixins import Echo, SpreadsheetExportMixin

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """A cell that starts like a formula is prefixed with an apostrophe (CSV/Excel injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def strip_illegal_xlsx_characters(value):
    """Drop the control characters XLSX cannot hold (openpyxl would refuse the whole export).

    They come in with pasted text, e.g. Word's manual line break (vertical tab) in a title.
    """
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def in_chunks(queryset, size: int = 1000) -> Iterator[list]:
    """Iterate a large queryset in ordered chunks without caching it whole."""
    chunk = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def german_csv_response(*, filename: str, header: list[str], rows: Iterable[list]):
    """A small CSV download (UTF-8 with BOM, semicolons, formulas neutralised)."""

    def lines():
        writer = csv.writer(Echo(), delimiter=";")
        yield "\ufeff".encode() + writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralise_formula(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    return response


class GermanSpreadsheetExportMixin(SpreadsheetExportMixin):
    """Wagtail's export, with UTF-8 BOM and semicolons for CSV and formula neutralising.

    Views may define `decorate_rows(rows)` to add computed attributes to a chunk of rows
    (the same batch queries the listing uses), so exports stream in bounded memory.
    """

    export_chunk_size = 1000

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_XLSX:
            value = strip_illegal_xlsx_characters(value)
        return neutralise_formula(value)

    def export_rows(self, queryset) -> Iterable:
        decorate = getattr(self, "decorate_rows", None)
        for chunk in in_chunks(queryset, self.export_chunk_size):
            yield from decorate(chunk) if decorate else chunk

    def stream_csv(self, queryset):
        writer = csv.DictWriter(Echo(), fieldnames=self.list_export, delimiter=";")
        yield "\ufeff".encode() + writer.writerow(
            {field: self.get_heading(queryset, field) for field in self.list_export}
        )
        for item in self.export_rows(queryset):
            yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_csv_response(self, queryset):
        response = StreamingHttpResponse(
            self.stream_csv(queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    def write_xlsx(self, queryset, output):
        from openpyxl import Workbook
        from wagtail.admin.views.mixins import ExcelDateFormatter

        workbook = Workbook(write_only=True, iso_dates=True)
        worksheet = workbook.create_sheet(title=str(self.get_filename())[:31])
        worksheet.append(self.get_heading(queryset, field) for field in self.list_export)
        date_format = ExcelDateFormatter().get()
        for item in self.export_rows(queryset):
            worksheet.append(
                self.generate_xlsx_row(worksheet, self.to_row_dict(item), date_format=date_format)
            )
        workbook.save(output)

    def write_xlsx_response(self, queryset):
        response = super().write_xlsx_response(queryset)
        response["Cache-Control"] = "no-store"
        return response
