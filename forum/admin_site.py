"""The admin site: Django's, made to answer bad input from staff with a message
instead of a server error, for every registered model (ours and the
contrib and allauth ones alike).

Django's admin trusts three inputs that it does not validate: the ids of the
rows selected for a list action (`_selected_action`), the values an
autocomplete field re-renders after a form error, the range of the ids chosen in
a many-to-many field, and the length of a search (SQLite refuses a LIKE pattern
over 50 KB, or a query of too many words).
"""

import re

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from .forms import CheckedModelMultipleChoiceField, out_of_range

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10


def _valid_values(field, values, using="default"):
    """The values the field can hold (`to_python` accepts them, in range)."""
    valid = []
    for value in values:
        try:
            field.to_python(value)
        except ValidationError:
            continue
        valid.append(value)
    outside = out_of_range(field, valid, using)
    return [value for value in valid if value not in outside]


class _CheckedAutocomplete:
    """Re-render only selected values of the right type: Django queries them,
    and a non-numeric id raised ValueError (the form error still names it)."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field
        to_field = target.model._meta.get_field(
            getattr(target, "field_name", None) or target.model._meta.pk.name
        )
        values = _valid_values(to_field, [v for v in value if v], self.db or "default")
        return super().optgroups(name, values, attr)


class CheckedAutocompleteSelect(_CheckedAutocomplete, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(
    _CheckedAutocomplete, AutocompleteSelectMultiple
):
    pass


class CheckedInputMixin:
    """Mixed into every ModelAdmin registered on the site (see `AdminSite`)."""

    def response_action(self, request, queryset, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        pk = self.model._meta.pk
        if len(_valid_values(pk, selected)) != len(selected):
            self.message_user(
                request, "The selection holds an id that is not valid.", messages.ERROR
            )
            return None  # back to the list
        return super().response_action(request, queryset, **kwargs)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_save" in request.POST:  # list_editable
            pk = self.model._meta.pk
            id_field = re.compile(rf"form-\d+-{re.escape(pk.name)}")
            ids = [
                value
                for key in request.POST
                if id_field.fullmatch(key)
                for value in request.POST.getlist(key)
            ]
            if len(_valid_values(pk, ids)) != len(ids):
                self.message_user(
                    request, "The list holds an id that is not valid.", messages.ERROR
                )
                return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        if len(search_term) > MAX_SEARCH_LENGTH or (
            len(search_term.split()) > MAX_SEARCH_WORDS
        ):
            self.message_user(
                request,
                f"Search for at most {MAX_SEARCH_WORDS} words "
                f"({MAX_SEARCH_LENGTH} characters).",
                messages.ERROR,
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                CheckedAutocompleteSelect(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                CheckedAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AdminSite(admin.AdminSite):
    """Django's admin site; each registered ModelAdmin gets `CheckedInputMixin`."""

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        checked = type(
            base.__name__, (CheckedInputMixin, base), {"__module__": base.__module__}
        )
        super().register(model_or_iterable, checked, **options)
