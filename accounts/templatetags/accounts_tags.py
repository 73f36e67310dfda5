from allauth.account import app_settings
from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def is_honeypot(field: BoundField) -> bool:
    """Whether `field` is allauth's sign-up decoy (ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD).

    allauth hides it with an inline style, which the site's CSP blocks, so
    allauth/elements/fields.html draws it itself, hidden by a class.
    """
    name = app_settings.SIGNUP_FORM_HONEYPOT_FIELD
    return bool(name) and field.name == name
