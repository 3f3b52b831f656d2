"""Turn every kind of bad input into one shape of error, in the user's language.

``{"detail": [{"field": "limit", "location": "query", "code": "int_parsing", "message": "请输入整数。"}]}``
— the same whether the schema (pydantic) or a service (Django's ValidationError) refused the input.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# pydantic error type -> translated message (formatted with the error's context)
_SCHEMA_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "float_type": gettext_lazy("Enter a number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "too_short": gettext_lazy("Give at least %(min_length)s items."),
    "too_long": gettext_lazy("Give at most %(max_length)s items."),
    "greater_than": gettext_lazy("Enter a value greater than %(gt)s."),
    "greater_than_equal": gettext_lazy("Enter a value of at least %(ge)s."),
    "less_than": gettext_lazy("Enter a value less than %(lt)s."),
    "less_than_equal": gettext_lazy("Enter a value of at most %(le)s."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "date_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "datetime_parsing": gettext_lazy("Enter a valid date and time."),
    "datetime_from_date_parsing": gettext_lazy("Enter a valid date and time."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "model_attributes_type": gettext_lazy("The request body must be a JSON object."),
    "dict_type": gettext_lazy("The request body must be a JSON object."),
    "list_type": gettext_lazy("Give a list."),
    "uuid_parsing": gettext_lazy("Enter a valid identifier."),
    "value_error": gettext_lazy("This value is not valid."),
}
_LOCATIONS = {"query", "body", "path", "header", "cookie", "form", "file"}


def schema_errors(errors: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    """Return pydantic's errors (as django-ninja reports them) in our shape, translated."""
    result: list[dict[str, str | None]] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc and loc[0] in _LOCATIONS else None
        # ("body", "payload", "text") -> "text": the schema's parameter name means nothing to a client.
        names = [part for part in loc[1:] if not part.isdigit()] if location else loc
        field = names[-1] if names and not (location == "body" and len(loc) == 2) else None
        kind = str(error.get("type", "value_error"))
        template = _SCHEMA_MESSAGES.get(kind, gettext_lazy("This value is not valid."))
        try:
            message = str(template) % dict(error.get("ctx") or {})
        except (KeyError, TypeError, ValueError):
            message = _("This value is not valid.")
        result.append({"field": field, "location": location, "code": kind, "message": message})
    return result


def domain_errors(exc: ValidationError) -> list[dict[str, str | None]]:
    """Return a Django ValidationError (raised by a service or validator) in our shape."""
    pairs: list[tuple[str | None, ValidationError]]
    if hasattr(exc, "error_dict"):
        pairs = [(name, error) for name, errors in exc.error_dict.items() for error in errors]
    else:
        pairs = [(None, error) for error in exc.error_list]
    return [
        {
            "field": None if name == "__all__" else name,
            "location": None,
            "code": error.code or "invalid",
            "message": str(error.message % (error.params or {})) if error.params else str(error.message),
        }
        for name, error in pairs
    ]


# What django-ninja says by itself when it refuses a request.
FRAMEWORK_MESSAGES = frozenset({"Unauthorized", "Forbidden", "Too many requests.", "Not Found", "Not found"})

_STATUS_MESSAGES = {
    400: gettext_lazy("The request could not be understood."),
    401: gettext_lazy("Sign in first, or send a valid API token."),
    403: gettext_lazy("You are not allowed to do this."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This method is not allowed here."),
    429: gettext_lazy("Too many requests. Please wait a moment."),
}


def unparseable_body() -> list[dict[str, str | None]]:
    return [
        {
            "field": None,
            "location": "body",
            "code": "json_invalid",
            "message": _("The request body is not valid JSON."),
        }
    ]


def http_status_message(status: int) -> str:
    return str(_STATUS_MESSAGES.get(status, gettext_lazy("The request could not be completed.")))
