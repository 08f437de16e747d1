import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters of any script, joined by spaces, hyphens, apostrophes or dots ("Anne-Marie", "O’Brien",
# "von der Heide"). Anything else (digits, markup, control characters) is refused, because the
# name is printed on certificates and shown to coordinators.
_PERSON_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.\-])*$")


def validate_person_name(value: str) -> None:
    if not _PERSON_NAME.fullmatch(value.strip()):
        raise ValidationError(
            _(
                "Bitte geben Sie den Namen nur mit Buchstaben, Leerzeichen, Bindestrich, "
                "Apostroph oder Punkt ein."
            ),
            code="invalid_name",
        )
