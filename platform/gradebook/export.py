"""The gradebook as a CSV file a spreadsheet opens cleanly.

- UTF-8 with a byte order mark, so Excel reads "Conceição" as written;
- decimal comma with ";" between fields (what a pt-BR spreadsheet expects), or decimal
  point with ",";
- safe from formula injection: a text field that a spreadsheet would read as a formula
  (starting with =, +, -, @, a tab or a carriage return) is written with a leading
  apostrophe, which spreadsheets show as text. Scores are numbers we wrote, never text.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from gradebook.grid import Gradebook, StudentRow

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: str) -> str:
    """A text field that no spreadsheet will evaluate."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_START) else value


def number(value: float | None, decimal_comma: bool) -> str:
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if decimal_comma else text


def render(book: Gradebook, rows: list[StudentRow], decimal_comma: bool) -> str:
    """The CSV text (with its BOM): one row per student, a column per item, per lesson and the total."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if decimal_comma else ",", lineterminator="\r\n")

    header = [_("Username"), _("Name"), _("E-mail")]
    for group in book.lessons:
        for column in group.columns:
            header.append(
                f"{group.lesson.display_title} · {column.exercise.display_title}"
                f" ({number(column.max_score, decimal_comma)})"
            )
        header.append(
            _("Lesson total: %(lesson)s (%(max)s)")
            % {"lesson": group.lesson.display_title, "max": number(group.max_score, decimal_comma)}
        )
    header += [
        _("Course total (%(max)s)") % {"max": number(book.max_score, decimal_comma)},
        _("Late items"),
        _("Items with a staff score"),
    ]
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        user = row.user
        line = [safe_text(user.username), safe_text(user.get_full_name()), safe_text(user.email)]
        late, overridden = [], []
        for group in book.lessons:
            for column in group.columns:
                cell = row.cell(column.exercise.id)
                line.append(number(cell.score, decimal_comma))
                if cell.late_days or cell.practice:
                    late.append(column.exercise.slug)
                if cell.overridden:
                    overridden.append(column.exercise.slug)
            line.append(number(row.lesson_totals.get(group.lesson.id, 0.0), decimal_comma))
        line += [number(row.total, decimal_comma), safe_text(" ".join(late)), safe_text(" ".join(overridden))]
        writer.writerow(line)
    return BOM + out.getvalue()
