"""Enrol a class from a CSV file: read and check every row first, then import all of it or nothing.

Columns: username, email (required), first_name, last_name, role (optional; empty means
student). Accounts that do not exist are created with an unusable password, and their
owners get a password-reset e-mail to choose one (sent by the caller, after the commit).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from courses.models import Course, Enrollment

MAX_ROWS = 5000
ERRORS_SHOWN = 200
REQUIRED = ("username", "email")
COLUMNS = ("username", "email", "first_name", "last_name", "role")
NAME_MAX = 150
# What a spreadsheet may say for each role, in English or Portuguese.
ROLES = {
    "": Enrollment.STUDENT,
    "student": Enrollment.STUDENT,
    "aluno": Enrollment.STUDENT,
    "aluna": Enrollment.STUDENT,
    "estudante": Enrollment.STUDENT,
    "assistant": Enrollment.ASSISTANT,
    "ta": Enrollment.ASSISTANT,
    "monitor": Enrollment.ASSISTANT,
    "monitora": Enrollment.ASSISTANT,
    "instructor": Enrollment.INSTRUCTOR,
    "professor": Enrollment.INSTRUCTOR,
    "professora": Enrollment.INSTRUCTOR,
}
# Lookups of up to this many names at once stay under every database's limit on parameters.
CHUNK = 500


@dataclass
class Row:
    line: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: str


@dataclass
class RowError:
    line: int  # 0: the whole file
    message: str


@dataclass
class Result:
    errors: list[RowError] = field(default_factory=list)
    created: list = field(default_factory=list)  # new users, to be sent a password-reset e-mail
    enrolled: list[Row] = field(default_factory=list)  # existing accounts now enrolled
    already: list[Row] = field(default_factory=list)  # existing accounts already in the course (left as they are)
    new_rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors_shown(self) -> list[RowError]:
        return self.errors[:ERRORS_SHOWN]

    @property
    def errors_hidden(self) -> int:
        return max(0, len(self.errors) - ERRORS_SHOWN)


def _fatal(message: str, line: int = 0) -> tuple[list[Row], list[RowError]]:
    return [], [RowError(line, message)]


def read_roster(data: bytes) -> tuple[list[Row], list[RowError]]:
    """The file's rows, checked on their own (format, duplicates); or the errors, each with its line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _fatal(
            _(
                "the file is not UTF-8 text (the first bad byte is on line %(line)d); "
                "save it as “CSV UTF-8” in your spreadsheet and upload it again"
            )
            % {"line": line},
            line,
        )
    if "\x00" in text:
        return _fatal(_("the file holds NUL characters: it is not a CSV text file"))
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    try:
        for cells in reader:
            # Refuse a huge file by its size in rows before checking any of them.
            if len(records) > MAX_ROWS:
                return _fatal(_("the file has more than %(max)d rows; split it into smaller files") % {"max": MAX_ROWS})
            records.append((reader.line_num, cells))
    except csv.Error as exc:
        return _fatal(_("the file is not valid CSV: %(error)s") % {"error": exc}, reader.line_num)
    records = [(line, cells) for line, cells in records if any(cell.strip() for cell in cells)]
    if not records:
        return _fatal(_("the file is empty; its first line must name the columns: username,email"))
    header_line, header = records[0]
    columns = [cell.strip().lower() for cell in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return _fatal(
            _("the first line must name the columns; missing: %(missing)s (found: %(found)s)")
            % {"missing": ", ".join(missing), "found": ", ".join(columns)[:200]},
            header_line,
        )
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        return _fatal(
            _("unknown columns: %(unknown)s (allowed: %(allowed)s)")
            % {"unknown": ", ".join(unknown)[:200], "allowed": ", ".join(COLUMNS)},
            header_line,
        )
    if len(set(columns)) != len(columns):
        return _fatal(_("a column is named twice in the first line"), header_line)
    rows, errors = [], []
    usernames: dict[str, int] = {}
    emails: dict[str, int] = {}
    check_username = UnicodeUsernameValidator()
    for line, cells in records[1:]:
        if len(cells) != len(columns):
            errors.append(
                RowError(line, _("%(n)d fields; the first line names %(m)d") % {"n": len(cells), "m": len(columns)})
            )
            continue
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
        row = Row(
            line=line,
            username=values["username"],
            email=values["email"],
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            role=values.get("role", "").lower(),
        )
        problems = []
        if not row.username:
            problems.append(_("the username is empty"))
        elif len(row.username) > NAME_MAX:
            problems.append(_("the username is longer than %(n)d characters") % {"n": NAME_MAX})
        else:
            try:
                check_username(row.username)
            except ValidationError:
                problems.append(
                    _("the username “%(name)s” may hold only letters, digits and @ . + - _") % {"name": row.username}
                )
        try:
            validate_email(row.email)
        except ValidationError:
            problems.append(_("“%(email)s” is not an e-mail address") % {"email": row.email[:100]})
        if len(row.first_name) > NAME_MAX or len(row.last_name) > NAME_MAX:
            problems.append(_("a name is longer than %(n)d characters") % {"n": NAME_MAX})
        if row.role not in ROLES:
            problems.append(
                _("unknown role “%(role)s” (use student, assistant or instructor)") % {"role": row.role[:50]}
            )
        key = row.username.lower()
        if key and key in usernames:
            problems.append(_("the username repeats line %(line)d") % {"line": usernames[key]})
        elif key:
            usernames[key] = line
        mail = row.email.lower()
        if mail and mail in emails:
            problems.append(_("the e-mail address repeats line %(line)d") % {"line": emails[mail]})
        elif mail:
            emails[mail] = line
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
        else:
            row.role = ROLES[row.role]
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(header_line, _("the file names its columns but has no rows")))
    return rows, errors


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_roster(course: Course, data: bytes) -> Result:
    """Check the whole file, then create and enrol everyone in one transaction; nothing at all on any error."""
    User = get_user_model()
    rows, errors = read_roster(data)
    result = Result(errors=errors)
    if errors:
        return result
    with transaction.atomic():
        by_name = {}
        for chunk in _chunks([row.username.lower() for row in rows]):
            for user in User.objects.annotate(key=Lower("username")).filter(key__in=chunk):
                by_name[user.key] = user
        by_mail = {}
        for chunk in _chunks([row.email.lower() for row in rows]):
            for user in User.objects.annotate(key=Lower("email")).filter(key__in=chunk):
                by_mail.setdefault(user.key, user)
        for row in rows:
            user = by_name.get(row.username.lower())
            owner = by_mail.get(row.email.lower())
            if owner is not None and (user is None or owner.pk != user.pk):
                result.errors.append(
                    RowError(
                        row.line,
                        _("the e-mail address belongs to another account (%(name)s)") % {"name": owner.username},
                    )
                )
            elif user is not None and user.email and user.email.lower() != row.email.lower():
                result.errors.append(
                    RowError(
                        row.line,
                        _("the account “%(name)s” exists with another e-mail address") % {"name": user.username},
                    )
                )
        if result.errors:
            return result
        enrolled = set(
            Enrollment.objects.filter(course=course, user__in=[u.pk for u in by_name.values()]).values_list(
                "user_id", flat=True
            )
        )
        unusable = make_password(None)
        new_users = [
            User(
                username=row.username,
                email=row.email,
                first_name=row.first_name,
                last_name=row.last_name,
                password=unusable,
            )
            for row in rows
            if row.username.lower() not in by_name
        ]
        User.objects.bulk_create(new_users)
        created = {}
        for chunk in _chunks([u.username for u in new_users]):
            created.update({u.username.lower(): u for u in User.objects.filter(username__in=chunk)})
        enrollments = []
        for row in rows:
            key = row.username.lower()
            user = by_name.get(key)
            if user is not None and user.pk in enrolled:
                result.already.append(row)
                continue
            if user is None:
                user = created[key]
                result.created.append(user)
                result.new_rows.append(row)
            else:
                result.enrolled.append(row)
            enrollments.append(Enrollment(course=course, user=user, role=row.role))
        Enrollment.objects.bulk_create(enrollments)
    return result
