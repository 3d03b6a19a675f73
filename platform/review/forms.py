"""The review page's forms: what staff type, validated before anything is saved."""

from __future__ import annotations

import math

from django import forms
from django.utils.translation import gettext_lazy as _

from review.models import COMMENT_MAX, REASON_MAX


def parse_score(typed: str) -> float | None:
    """A score as typed in pt-BR or English ("7,5", "7.5", " 9 "); None if it is no finite number."""
    text = typed.strip().replace(",", ".")
    if not text or len(text) > 20 or text.count(".") > 1:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class OverrideForm(forms.Form):
    new_score = forms.CharField(label=_("New score"), max_length=20)
    reason = forms.CharField(
        label=_("Reason (the student sees it)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment_for_student = forms.CharField(
        label=_("Comment for the student (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, max_score: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_score = max_score
        self.fields["new_score"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean_new_score(self) -> float:
        value = parse_score(self.cleaned_data["new_score"])
        if value is None:
            raise forms.ValidationError(_("Write a number, such as 7 or 7,5."))
        if not 0 <= value <= self.max_score:
            raise forms.ValidationError(
                _("The score must be between 0 and %(max)s.") % {"max": f"{self.max_score:g}".replace(".", ",")}
            )
        return value

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the score changes."))
        return reason


class RevertForm(forms.Form):
    reason = forms.CharField(label=_("Why remove the override"), max_length=REASON_MAX)


class ConfirmForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the student (needed to answer a regrade request)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RegradeForm(forms.Form):
    message = forms.CharField(
        label=_("What should your instructor look at again?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
