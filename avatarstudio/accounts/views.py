"""The team pages: switching teams, members and invitations, settings and the API key, the
audit log, deletion.

Every view asks the access helper for the current team and a role; the rules of who may
change whom live on the models and raise ``NotAllowed`` with a message to show. The usage
page reads what the studio made, so it lives in ``studio.views``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from avatarstudio.accounts.access import get_for_team_or_404, team_role_required
from avatarstudio.accounts.deletion import delete_team
from avatarstudio.accounts.forms import (
    ApiKeyForm,
    DeleteTeamForm,
    InviteForm,
    InviteLinkForm,
    MemberLimitForm,
    RoleForm,
    SwitchTeamForm,
    TeamForm,
    TeamSettingsForm,
)
from avatarstudio.accounts.keys import check_team_key
from avatarstudio.accounts.middleware import choose_team
from avatarstudio.accounts.models import (
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
    NotAllowed,
    Role,
    Team,
)
from avatarstudio.core.ratelimit import rate_limited
from avatarstudio.core.redirects import safe_next


@login_required
@require_POST
def switch_team(request: HttpRequest) -> HttpResponse:
    """Make another of the user's teams the current one (outsiders get a 404)."""
    form = SwitchTeamForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404("No such team for you.")
    membership = Membership.objects.for_user(request.user).get(team=form.cleaned_data["team"])
    choose_team(request, membership)
    messages.success(request, f"You are now working in {membership.team.name}.")
    return redirect(safe_next(request, "dashboard"))


@login_required
@require_http_methods(["GET", "POST"])
def create_team(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = Team.objects.create_with_owner(form.cleaned_data["name"], request.user)
        choose_team(request, Membership.objects.get(team=team, user=request.user))
        messages.success(request, f"{team.name} is ready. Invite people to work in it.")
        return redirect("teams:members")
    return TemplateResponse(request, "accounts/create.html", {"form": form})


# Members and invitations.


@team_role_required(Role.VIEWER)
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    context = {
        "members": Membership.objects.filter(team=request.team).select_related("user"),
        "grantable_roles": membership.grantable_roles,
    }
    if membership.can(Role.ADMIN):
        context["invitations"] = Invitation.objects.filter(team=request.team).pending()
        context["invite_form"] = InviteForm(by=membership)
        context["link_form"] = InviteLinkForm(by=membership)
    return TemplateResponse(request, "accounts/members.html", context)


def _send_invitation(request: HttpRequest, invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "inviter": request.user.email,
        "url": request.build_absolute_uri(invitation.get_absolute_url()),
    }
    send_mail(
        f"Join {invitation.team.name} on AvatarStudio",
        render_to_string("accounts/email/invitation.txt", context, request=request),
        None,
        [invitation.email],
    )


@team_role_required(Role.ADMIN)
@require_POST
@rate_limited("invite")
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, by=request.membership)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("teams:members")
    invitation = Invitation.issue(
        request.membership, form.cleaned_data["role"], email=form.cleaned_data["email"]
    )
    _send_invitation(request, invitation)
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("teams:members")


@team_role_required(Role.ADMIN)
@require_POST
def create_link(request: HttpRequest) -> HttpResponse:
    form = InviteLinkForm(request.POST, by=request.membership)
    if not form.is_valid():
        messages.error(request, "Choose a role and how long the link works.")
        return redirect("teams:members")
    Invitation.issue(request.membership, form.cleaned_data["role"], days=form.cleaned_data["days"])
    messages.success(request, "Invitation link ready: copy it from the list below.")
    return redirect("teams:members")


@team_role_required(Role.ADMIN)
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_team_or_404(request, Invitation.objects.all(), Role.ADMIN, pk=pk)
    invitation.revoke(request.membership)
    messages.success(request, "Invitation withdrawn: its link no longer works.")
    return redirect("teams:members")


def _act_on_member(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    member = get_for_team_or_404(
        request, Membership.objects.select_related("user"), Role.ADMIN, pk=pk
    )
    try:
        action(member)
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done.format(email=member.user.email))
    return redirect("teams:members")


@team_role_required(Role.ADMIN)
@require_POST
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = RoleForm(request.POST, by=request.membership)
    if not form.is_valid():
        messages.error(request, "Choose a role from the list.")
        return redirect("teams:members")
    role = form.cleaned_data["role"]
    return _act_on_member(
        request,
        pk,
        lambda member: request.team.change_role(request.membership, member, role),
        f"{{email}} is now {Role(role).label.lower()}.",
    )


@team_role_required(Role.ADMIN)
@require_POST
def remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_member(
        request,
        pk,
        lambda member: request.team.remove_member(request.membership, member),
        "{email} was removed from the team.",
    )


@team_role_required(Role.OWNER)
@require_POST
def transfer_ownership(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_on_member(
        request,
        pk,
        lambda member: request.team.transfer_ownership(request.membership, member),
        "{email} now owns the team; you stay on as an admin.",
    )


@team_role_required(Role.VIEWER)
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    try:
        request.team.leave(request.membership)
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect("teams:members")
    messages.success(request, f"You left {request.team.name}.")
    return redirect("dashboard")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The accept page of an invitation link: anyone with the link may open it."""
    found = get_object_or_404(Invitation.objects.select_related("team", "invited_by"), token=token)
    context = {"invitation": found, "problem": found.problem(request.user)}
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = found.accept(request.user)
        except NotAllowed as refusal:
            context["problem"] = str(refusal)
        else:
            choose_team(request, membership)
            messages.success(request, f"Welcome to {found.team.name}.")
            return redirect("library:list")
    return TemplateResponse(request, "accounts/invitation.html", context)


# Settings and the API key.


@team_role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def team_settings(request: HttpRequest) -> HttpResponse:
    form = TeamSettingsForm(request.POST or None, instance=request.team)
    if request.method == "POST" and form.is_valid():
        form.save()
        action = (
            AuditAction.LIMIT_CHANGED
            if form.changed_data == ["monthly_limit_seconds"]
            else AuditAction.SETTINGS_CHANGED
        )
        AuditEvent.objects.record(
            request.team, request.user, action, detail=", ".join(form.changed_data)
        )
        messages.success(request, "Team settings saved.")
        return redirect("teams:settings")
    context = {"form": form, "key_form": ApiKeyForm(), "is_personal": request.team.is_personal}
    return TemplateResponse(request, "accounts/settings.html", context)


@team_role_required(Role.ADMIN)
@require_POST
def set_api_key(request: HttpRequest) -> HttpResponse:
    if "remove" in request.POST:
        request.team.replace_api_key("", request.user)
        messages.success(
            request,
            "The team's key was removed; the server's key is used now."
            if request.team.may_use_server_key
            else "The team's key was removed; add one again to make videos.",
        )
        return redirect("teams:settings")
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["api_key"]))
        return redirect("teams:settings")
    request.team.replace_api_key(form.cleaned_data["api_key"], request.user)
    messages.success(request, "Key saved. Use “Test key” to check that CometAPI accepts it.")
    return redirect("teams:settings")


@team_role_required(Role.ADMIN)
@require_POST
@rate_limited("key_test")
def test_api_key(request: HttpRequest) -> HttpResponse:
    works, sentence = check_team_key(request.team)
    if request.htmx:
        context = {"works": works, "sentence": sentence}
        return TemplateResponse(request, "accounts/settings.html#key-check", context)
    (messages.success if works else messages.error)(request, sentence)
    return redirect("teams:settings")


# Limits.


@team_role_required(Role.ADMIN)
@require_POST
def set_member_limit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_team_or_404(
        request, Membership.objects.select_related("user"), Role.ADMIN, pk=pk
    )
    form = MemberLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A limit is a whole number of seconds, or empty for none.")
        return redirect("studio:usage")
    try:
        request.team.set_member_limit(
            request.membership, member, form.cleaned_data["monthly_limit_seconds"]
        )
    except NotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect("studio:usage")
    messages.success(request, f"Monthly limit saved for {member.user.email}.")
    return redirect("studio:usage")


# The audit log, and deleting the team.


@team_role_required(Role.ADMIN)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.filter(team=request.team)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "accounts/audit.html", {"page": page})


@team_role_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    team = request.team
    if team.is_personal:
        messages.error(request, "Your personal team stays with your account.")
        return redirect("teams:settings")
    form = DeleteTeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        name = team.name
        delete_team(team, request.user)
        messages.success(request, f"{name} was deleted, with all its clips and files.")
        return redirect("dashboard")
    return TemplateResponse(request, "accounts/delete.html", {"form": form})
