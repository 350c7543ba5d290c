"""Organisations in the admin: configuration for the functional administrator, with the guards that
keep the admin from being a way into casework (issue #12):

- only a superuser grants superuser or staff status, permissions or groups, and only a superuser
  changes a superuser's account;
- nobody changes their own role, status, permissions or groups, nor their own team memberships
  (on the membership pages or as rows of a team), since a membership opens the team's households;
- every membership change is kept in the write history, which the team's lead reads
  (``organisations:membership-changes``).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Area, Municipality, Organisation, OrganisationKind, Team, TeamMembership, User


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "code_year"]
    list_filter = ["code_year"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "municipality", "code_year"]
    list_filter = ["kind", "municipality", "code_year"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "municipality"]
    autocomplete_fields = ["parent"]


@admin.register(OrganisationKind)
class OrganisationKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "order"]
    search_fields = ["code", "name_nl", "name_en"]


class OrganisationForm(forms.ModelForm):
    """The organisation with the silos it can bill: funding owns that relation (``Silo.organisations``), so
    the field is declared here and saved through the reverse accessor."""

    silos = forms.ModelMultipleChoiceField(
        queryset=Organisation.silos.rel.related_model._default_manager.all(),
        required=False,
        label=_("funding silos it can bill"),
        widget=FilteredSelectMultiple(_("funding silos"), is_stacked=False),
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "municipality", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["silos"].initial = self.instance.silos.all()


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "kind", "municipality", "active"]
    list_filter = ["kind", "municipality", "active", "silos"]
    search_fields = ["name"]
    list_select_related = ["kind", "municipality"]

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.silos.set(form.cleaned_data["silos"])


OWN_MEMBERSHIP = _("You cannot change your own team memberships; ask another administrator.")
PRIVILEGED_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
OWN_ACCOUNT_FIELDS = ("role", "organisation", "is_active", *PRIVILEGED_FIELDS)


def _touches_own_membership(request: HttpRequest, form: forms.ModelForm) -> bool:
    """Whether a membership form changes, adds or deletes a membership of the user at the keyboard."""
    before = form.instance.user_id if form.instance.pk else None
    after = form.cleaned_data.get("user")
    return before == request.user.pk or (after is not None and after.pk == request.user.pk)


class OwnMembershipFormSet(BaseInlineFormSet):
    request: HttpRequest

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            deleted = bool(getattr(form, "cleaned_data", {}).get("DELETE"))
            if not hasattr(form, "cleaned_data") or not (form.has_changed() or deleted):
                continue
            if _touches_own_membership(self.request, form):
                form.add_error(None if deleted else "user", OWN_MEMBERSHIP)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = OwnMembershipFormSet
    extra = 0
    autocomplete_fields = ["user"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "allocated_by"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    filter_horizontal = ["areas"]
    inlines = [TeamMembershipInline]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "start_date", "end_date"]
    list_filter = ["team", "start_date", "end_date"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        own = obj is not None and obj.user_id == request.user.pk
        return not own and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        own = obj is not None and obj.user_id == request.user.pk
        return not own and super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class NotOwnMembershipForm(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                if _touches_own_membership(request, self):
                    raise ValidationError({"user": OWN_MEMBERSHIP})
                return cleaned

        return NotOwnMembershipForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "organisation__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Wijkteam"), {"fields": ("role", "organisation")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wijkteam"), {"fields": ("role", "organisation")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = set(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly |= set(PRIVILEGED_FIELDS)
        if obj is not None and obj.pk == request.user.pk:
            readonly |= set(OWN_ACCOUNT_FIELDS)
        return sorted(readonly)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's account (its password above all) is out of reach of anyone less.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.pk == request.user.pk or (obj.is_superuser and not request.user.is_superuser)):
            return False
        return super().has_delete_permission(request, obj)
