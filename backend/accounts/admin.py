"""Operator views: users (with task counts and session revocation) and read-only sessions."""

from collections.abc import Iterable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.options import csrf_protect_m
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.admin_display import request_operator
from backend.common.admin_lookups import LookupCheckingAdminMixin
from backend.common.admin_selection import SelectionCheckingAdminMixin
from backend.common.db import atomic
from backend.mfa.admin import UserSecondFactorsAdminMixin
from backend.oidc.admin import UserOidcIdentitiesAdminMixin
from backend.tasks.models import Task

from . import services
from .admin_login import LOGIN_TEMPLATE, StaffLoginForm
from .emails.notices import notify_email_changed_by_operator, notify_password_set_by_operator
from .models import AuthSession, User
from .normalization import normalize_email
from .password_validators import breach_checked_ahead
from .services.account_deletion import DELETED_ACCOUNT_REPR, DELETED_OPERATOR
from .services.session_revocation import sessions_revoke_many

ADMIN_REVOKED = AuditEvent.Event.ADMIN_SESSIONS_REVOKED

# The admin's login asks staff for a second factor when MFA_REQUIRED_FOR_STAFF is on (admin_login.py).
admin.site.login_form = StaffLoginForm
admin.site.login_template = LOGIN_TEMPLATE


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class SessionRevokingPasswordChangeForm(AdminPasswordChangeForm):
    """An operator setting a password signs the account out everywhere, like a reset does."""

    def save(self, commit: bool = True) -> Any:
        with atomic():  # the new password and the new revocation key together (credentials_still_current)
            user = super().save(commit=commit)
            if commit:
                services.sessions_revoke_for_user(user=user, audit_event=ADMIN_REVOKED)
                audit_on_commit(event=AuditEvent.Event.PASSWORD_CHANGED, user_id=user.pk)
                notify_password_set_by_operator(user=user)
        return user


@admin.register(User)
class UserAdmin(
    LookupCheckingAdminMixin,
    SelectionCheckingAdminMixin,
    UserSecondFactorsAdminMixin,
    UserOidcIdentitiesAdminMixin,
    DjangoUserAdmin,
):
    form = UserEditForm
    add_form = UserCreationForm
    change_password_form = SessionRevokingPasswordChangeForm
    ordering = ["-date_joined"]
    show_full_result_count = False  # no second COUNT(*) of every account on each filtered page
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "task_count"]
    list_filter = ["is_active", "email_verified", "is_staff", "is_superuser"]
    search_fields = ["email"]
    readonly_fields = ["date_joined", "last_login", "audit_trail", "second_factors", "sign_in_providers"]
    actions = ["revoke_all_sessions", "reset_second_factors"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "email_verified")}),
        ("Second factors", {"fields": ("second_factors",)}),
        ("Sign-in providers", {"fields": ("sign_in_providers",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "audit_trail")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Every account but the "deleted operator" placeholder (services.user_delete): not an account, but what
        deleted operators' admin history is credited to. Hidden, no operator can open, edit (give it a password,
        make it staff and act under its name) or delete it (and their history with it), single or in bulk."""
        accounts = super().get_queryset(request).exclude(email=DELETED_OPERATOR)
        # A subquery per row shown, not a JOIN of every task and a GROUP BY of every user: that made each page
        # (and its count) aggregate the whole tasks table, 0.5 s on 50,000 users and 200,000 tasks, growing with it.
        tasks = Task.objects.filter(owner=OuterRef("pk")).order_by().values("owner").annotate(n=Count("pk"))
        return accounts.annotate(_task_count=Coalesce(Subquery(tasks.values("n")), 0))

    @method_decorator(sensitive_post_parameters())
    @csrf_protect_m
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Django validates the new account's form inside the transaction it opens around the add view, and the
        leaked-password check waits on a third-party API (up to PASSWORD_BREACH_TIMEOUT_SECONDS): asked here first,
        with no transaction open, so the form's read of the users table holds no lock meanwhile (a migration's
        ALTER would queue behind it, and every query of the table behind that)."""
        password = None
        confirmed = request.POST.get("password1") == request.POST.get("password2")  # else the form checks neither
        if request.method == "POST" and confirmed and self.has_add_permission(request):
            password = request.POST.get("password2")
        with breach_checked_ahead(password):
            return super().add_view(request, form_url, extra_context)

    @admin.display(description="Tasks", ordering="_task_count")
    def task_count(self, user: User) -> int:
        return getattr(user, "_task_count", 0)

    @admin.display(description="Audit trail")
    def audit_trail(self, user: User) -> str:
        url = reverse("admin:audit_auditevent_changelist")
        return format_html('<a href="{}?user__exact={}">Events about this account</a>', url, user.pk)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Setting a password here asks for no current one: for the operator's own account, the admin's own
        "Change password" page instead (admin_password.py), which does, under the sign-in limits. The account is
        looked up first: the URL's id may be spelled otherwise (no dashes, capitals) and still name it."""
        target = self.get_object(request, unquote(id))
        if target is not None and target.pk == getattr(request.user, "pk", None):
            return redirect("admin:password_change")
        return super().user_change_password(request, id, form_url)

    # ------------------------------------------------------------------------------------------------------------
    # Operators' ranks. Django lets anyone with "change user" edit any account, their own rights included; here only
    # a superuser grants rights or acts on another operator's account (password, second factors, deletion, edits),
    # or a stolen staff session would make itself superuser, or take over the operators who are.
    # ------------------------------------------------------------------------------------------------------------
    RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not _is_superuser(request):
            fields += [name for name in self.RIGHTS_FIELDS if name not in fields]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return super().has_change_permission(request, obj) and not _outranks_operator(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not _outranks_operator(request, obj)

    def operators_refused(self, request: HttpRequest, queryset: QuerySet[User]) -> bool:
        """True, with a message, when the selection holds another operator's account and the operator is not a
        superuser: a bulk action then changes nothing."""
        if not _holds_other_operators(request, queryset):
            return False
        self.message_user(
            request, "Only a superuser can act on another operator's account: nothing was changed.", messages.ERROR
        )
        return True

    @admin.action(description="Revoke all sessions of the selected users", permissions=["change"])
    def revoke_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if self.operators_refused(request, queryset):
            return
        revoked = sum(services.sessions_revoke_for_user(user=user, audit_event=ADMIN_REVOKED) for user in queryset)
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Another address, not another spelling: the form compares what was typed ("Same@Example.com"), the model's
        # clean() stores it normalized (normalize_email), and only a different mailbox is a change.
        old_email = form.initial.get("email", "") if change else ""
        email_changed = change and normalize_email(old_email) != normalize_email(obj.email)
        if email_changed and "email_verified" not in form.changed_data:
            obj.email_verified = False  # nobody has followed a link to the new address (unless the operator says so)
        if email_changed and form.initial.get("email_verified"):
            # The account had a confirmed address (already recorded, but for a row an older release confirmed): a
            # reset from the new one keeps its second factors and providers (services/password_reset.py).
            obj.email_verified_once = True
        super().save_model(request, obj, form, change)
        if email_changed:
            # The owner learns of it at the address they knew, as after their own change (services.email_change).
            audit_on_commit(event=AuditEvent.Event.EMAIL_CHANGED, user_id=obj.pk)
            if old_email:  # the operator's own account too: a stolen admin session must not move it unnoticed
                notify_email_changed_by_operator(old_email=old_email, new_email=obj.email)
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        if email_changed or deactivated:
            # A deactivated account must not keep working on devices already signed in. A moved one is signed out
            # everywhere, as after the owner's own change (services.email_change): the old address was a way in
            # (an emailed sign-in code, a reset link), and an operator moves an account mostly because its owner
            # lost that mailbox, so what was signed in through it must not outlive the move. This also deletes a
            # code emailed to the old address, and a sign-in's pending second step.
            services.sessions_revoke_for_user(user=obj, audit_event=ADMIN_REVOKED)
            if obj.is_active and obj.pk == getattr(request.user, "pk", None):
                # The operator's own account: the admin session they did it from goes on, as after setting their
                # own password (Django's update_session_auth_hash; obj holds the new revocation key).
                update_session_auth_hash(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """What the delete confirmation lists: each user with how many tasks and sessions go with them (counted,
        two queries), not Django's list of every related object, which would load and print an account's
        100,000 tasks one by one. No permission on tasks or sessions is asked for: the session admin deletes
        none by hand, and the deletion is services.user_delete's, whatever the operator may do elsewhere."""
        ids = [user.pk for user in objs]
        users = User.objects.filter(pk__in=ids).order_by("email")
        # Another operator's account among them, for an operator who is not a superuser: Django's confirmation
        # then lists this as the permission missing, and refuses the deletion.
        refused = {"another operator's account"} if _holds_other_operators(request, users) else set()
        tasks = dict(users.annotate(n=Count("tasks")).values_list("pk", "n"))
        sessions = dict(users.annotate(n=Count("auth_sessions")).values_list("pk", "n"))
        deletable: list[Any] = []
        for user in users:
            url = reverse("admin:accounts_user_change", args=[user.pk])
            deletable.append(format_html('User: <a href="{}">{}</a>', url, user.email))
            deletable.append(
                [
                    f"{tasks[user.pk]} task(s)",
                    f"{sessions[user.pk]} session(s), revoked at once",
                    "Its audit events stay, no longer linked to the account",
                ]
            )
        model_count = {
            str(User._meta.verbose_name_plural): len(ids),
            "tasks": sum(tasks.values()),
            str(AuthSession._meta.verbose_name_plural): sum(sessions.values()),
        }
        return deletable, model_count, refused, []

    def log_deletions(self, request: HttpRequest, queryset: Iterable[User]) -> list[LogEntry]:
        """The admin history's row for each deleted user (single delete and the bulk action; Django calls this
        before delete_model/delete_queryset), without the email or the id Django would write (``str(user)``, the
        pk): the account's data is erased and the email would tie the history back to the person, as
        services.user_delete explains for the rows it scrubs. What stays: which operator deleted a user, when."""
        operator = cast(User, request.user)  # admin_view lets only a signed-in staff member this far
        content_type = ContentType.objects.get_for_model(User, for_concrete_model=False)
        entries = [
            LogEntry(
                user=operator,
                content_type=content_type,
                object_id=None,
                object_repr=DELETED_ACCOUNT_REPR,
                action_flag=DELETION,
            )
            for _ in queryset
        ]
        return LogEntry.objects.bulk_create(entries)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        """Deleting a user here is the same deletion as the user's own (services.user_delete: sessions revoked
        at once, tasks, notice email, the ``account_deleted`` event), with the operator as its actor."""
        services.user_delete(user=obj, actor=request_operator(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The "Delete selected users" action: each through services.user_delete, as delete_model. The operator's own
        account, if selected, goes last: the others' ``account_deleted`` rows name the operator as actor, which a
        deleted account could not be (the row would fail to save, and the deletion go unrecorded)."""
        operator = request_operator(request)
        for user in sorted(queryset, key=lambda user: operator is not None and user.pk == operator.pk):
            services.user_delete(user=user, actor=operator)


def _is_superuser(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


def _holds_other_operators(request: HttpRequest, users: QuerySet[User]) -> bool:
    """``users`` holds another operator's account and the one asking is not a superuser (see UserAdmin's ranks)."""
    if _is_superuser(request):
        return False
    return users.filter(Q(is_staff=True) | Q(is_superuser=True)).exclude(pk=cast(User, request.user).pk).exists()


def _outranks_operator(request: HttpRequest, obj: User | None) -> bool:
    """``obj`` is another operator's account and the one asking is not a superuser (see UserAdmin's ranks)."""
    return (
        obj is not None
        and (obj.is_staff or obj.is_superuser)
        and obj.pk != getattr(request.user, "pk", None)
        and not _is_superuser(request)
    )


# Groups carry permissions, and staff belong to them: adding, changing or deleting one is a superuser's, as granting
# rights on the user admin is (operators' ranks, above). Other staff may still see them.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(LookupCheckingAdminMixin, SelectionCheckingAdminMixin, DjangoGroupAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return _is_superuser(request)


@admin.register(AuthSession)
class AuthSessionAdmin(LookupCheckingAdminMixin, SelectionCheckingAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user_email", "created_at", "last_used_at", "expires_at", "revoked_at", "ip_address"]
    list_filter = ["revoked_at", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    show_full_result_count = False  # no second COUNT(*) of every session on each filtered page
    actions = ["revoke_sessions"]
    fields = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "ip_address",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description="User", ordering="user__email")
    def user_email(self, session: AuthSession) -> str:
        return session.user.email

    @admin.action(description="Revoke the selected sessions", permissions=["revoke"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[AuthSession]) -> None:
        if (
            not _is_superuser(request)
            and queryset.filter(Q(user__is_staff=True) | Q(user__is_superuser=True))
            .exclude(user=request.user.pk)
            .exists()
        ):
            self.message_user(
                request, "Only a superuser can revoke another operator's sessions: nothing was changed.", messages.ERROR
            )
            return
        # In batches, each its sessions' revocation in one transaction (thousands selected across pages included).
        revoked = sessions_revoke_many(sessions=queryset, audit_event=ADMIN_REVOKED)
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Revoking signs a user out: the right to change users, not merely to see their sessions."""
        return request.user.has_perm("accounts.change_user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthSession | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuthSession | None = None) -> bool:
        return False  # revoke instead; purge_sessions deletes dead rows
