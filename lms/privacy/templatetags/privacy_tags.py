from django import template

from ..registry import get_registry, retention_text

register = template.Library()


@register.inclusion_tag("privacy/_registry_table.html")
def privacy_registry_table(include_technical: bool = False) -> dict:
    """The registry as a table for the Datenschutz page: `{% privacy_registry_table %}`."""
    rows = [
        {
            "label": entry.label,
            "purpose": entry.purpose,
            "retention": retention_text(entry),
            "on_delete": entry.on_delete.label,
        }
        for entry in get_registry()
        if entry.public or include_technical
    ]
    return {"rows": rows}
