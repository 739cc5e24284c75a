"""The team's avatars and the consent records of its faces. Thin: forms check, ``services``
store, and every object comes through the access helper. "Make a video" is the create page
with the avatar chosen (``studio:create?avatar=<id>``)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from avatarstudio.accounts.access import get_for_team_or_404, require_role, team_role_required
from avatarstudio.accounts.models import Role
from avatarstudio.avatars import services
from avatarstudio.avatars.forms import AvatarEditForm, AvatarForm, WithdrawForm
from avatarstudio.avatars.models import Avatar, Consent
from avatarstudio.core.streaming import stored_file_response


def _get_changeable_avatar(request: HttpRequest, pk: uuid.UUID) -> Avatar:
    """An avatar the member may change: one they saved, or any as an admin; 404 otherwise."""
    avatars = Avatar.objects.select_related("consent")
    avatar = get_for_team_or_404(request, avatars, Role.MEMBER, pk=pk)
    if not avatar.can_be_changed_by(request.membership):
        raise Http404("No such avatar.")
    return avatar


@team_role_required(Role.VIEWER)
@require_GET
def avatar_list(request: HttpRequest) -> HttpResponse:
    avatars = Avatar.objects.for_team(request.team).select_related("consent")
    return TemplateResponse(request, "avatars/list.html", {"avatars": list(avatars)})


@team_role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def avatar_new(request: HttpRequest) -> HttpResponse:
    form = AvatarForm(request.POST or None, request.FILES or None, team=request.team)
    if request.method == "POST" and form.is_valid():
        try:
            avatar = services.save_avatar(request.team, request.user, form.cleaned_data)
        except IntegrityError:  # the same name saved at the same moment
            form.add_error("name", "The team already has an avatar of this name.")
        else:
            messages.success(request, f"Saved the avatar {avatar.name}.")
            return redirect(avatar)
    return TemplateResponse(request, "avatars/form.html", {"form": form, "creating": True})


@team_role_required(Role.VIEWER)
@require_GET
def avatar_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    avatar = get_for_team_or_404(request, Avatar.objects.select_related("consent"), pk=pk)
    clips = avatar.generations.filter(clip__deleted_at__isnull=True, clip__isnull=False)
    context = {
        "avatar": avatar,
        "can_change": avatar.can_be_changed_by(request.membership),
        "recent_clips": [generation.clip for generation in clips.select_related("clip")[:8]],
    }
    return TemplateResponse(request, "avatars/detail.html", context)


@team_role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def avatar_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    avatar = _get_changeable_avatar(request, pk)
    form = AvatarEditForm(request.POST or None, request.FILES or None, avatar=avatar)
    if request.method == "POST" and form.is_valid():
        services.update_avatar(avatar, form.cleaned_data)
        messages.success(request, "Saved. Videos already made are not changed.")
        return redirect(avatar)
    return TemplateResponse(request, "avatars/form.html", {"form": form, "avatar": avatar})


@team_role_required(Role.MEMBER)
@require_POST
def avatar_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    avatar = _get_changeable_avatar(request, pk)
    name = avatar.name
    avatar.delete_with_files(request.user)
    messages.success(request, f"Deleted the avatar {name}. Its videos stay in the library.")
    return redirect("avatars:list")


@team_role_required(Role.VIEWER)
@require_GET
def avatar_file(request: HttpRequest, pk: uuid.UUID, kind: str) -> HttpResponse:
    avatar = get_for_team_or_404(request, Avatar.objects.all(), pk=pk)
    field = avatar.photo if kind == "photo" else avatar.voice_sample
    if not field:
        raise Http404("This avatar has no voice recording.")
    return stored_file_response(request, field)


@team_role_required(Role.VIEWER)
@require_GET
def consent_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    consent = get_for_team_or_404(request, Consent.objects.all(), pk=pk)
    clips = consent.clips.filter(deleted_at__isnull=True).order_by("-created")
    context = {
        "consent": consent,
        "avatars": list(consent.avatars.all()),
        "clips": list(clips[:24]),
        "clip_count": clips.count(),
        "can_withdraw": request.membership.can(Role.ADMIN) and not consent.is_withdrawn,
        "can_see_document": consent.document_visible_to(request.membership),
        "withdraw_form": WithdrawForm(),
    }
    return TemplateResponse(request, "avatars/consent.html", context)


@team_role_required(Role.ADMIN)
@require_POST
def consent_withdraw(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    consent = get_for_team_or_404(request, Consent.objects.all(), Role.ADMIN, pk=pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if consent.withdraw(require_role(request, Role.ADMIN), reason):
        messages.success(request, "Consent withdrawn: no new videos can be made from this face.")
    return redirect(consent)


@team_role_required(Role.VIEWER)
@require_GET
def consent_document(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    consent = get_for_team_or_404(request, Consent.objects.all(), pk=pk)
    if not consent.document_visible_to(request.membership):
        raise Http404("No such document.")
    extension = consent.document.name.rsplit(".", 1)[-1]
    return stored_file_response(request, consent.document, download_as=f"consent.{extension}")
