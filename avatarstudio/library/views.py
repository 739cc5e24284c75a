from __future__ import annotations

import contextlib
import uuid

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from avatarstudio.accounts.access import get_for_team_or_404, team_role_required
from avatarstudio.accounts.models import AuditAction, AuditEvent, Membership, Role
from avatarstudio.core.redirects import safe_next
from avatarstudio.core.streaming import stored_file_response
from avatarstudio.library.forms import RenameForm, ShareForm
from avatarstudio.library.gallery import (
    SORTS,
    GalleryFilters,
    count_up_to,
    paginate,
)
from avatarstudio.library.models import Clip, Favourite, ShareLink


def _team_creators(request: HttpRequest) -> list[tuple[int, str]]:
    members = Membership.objects.filter(team=request.team).values_list("user_id", "user__email")
    return sorted(members, key=lambda pair: pair[1].lower())


def _get_managed_clip(request: HttpRequest, pk: uuid.UUID) -> Clip:
    """A clip the current member may change: their own, or any as an admin; 404 otherwise."""
    clip = get_for_team_or_404(request, Clip.objects.all(), Role.MEMBER, pk=pk)
    if not clip.can_be_managed_by(request.membership):
        raise Http404("No such clip.")
    return clip


@team_role_required(Role.VIEWER)
@require_GET
def clip_list(request: HttpRequest) -> HttpResponse:
    filters = GalleryFilters(request.GET or None, creators=_team_creators(request))
    clips = Clip.objects.for_team(request.team).alive()
    clips = filters.apply(clips, request.user)
    page = paginate(
        clips.for_tiles().with_favourite_for(request.user),
        filters.sort_order,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        last=request.GET.get("page") == "last",
    )
    params = request.GET.copy()
    for name in ("after", "before", "page"):
        params.pop(name, None)
    total, more = count_up_to(clips)
    context = {
        "filters": filters,
        "page": page,
        "total": total,
        "more": more,
        "sorts": SORTS,
        "query": params.urlencode(),
    }
    if request.htmx and request.htmx.target == "gallery-results":
        return TemplateResponse(request, "library/list.html#gallery-results", context)
    return TemplateResponse(request, "library/list.html", context)


@team_role_required(Role.VIEWER)
@require_GET
def clip_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(
        request,
        Clip.objects.select_related("created_by", "generation__voice").with_favourite_for(
            request.user
        ),
        pk=pk,
    )
    can_manage = clip.can_be_managed_by(request.membership)
    context = {
        "clip": clip,
        "can_manage": can_manage,
        "share_links": list(clip.share_links.all()) if can_manage else [],
        "share_form": ShareForm(),
        "rename_form": RenameForm(initial={"title": clip.title}),
    }
    return TemplateResponse(request, "library/clip.html", context)


@team_role_required(Role.MEMBER)
@require_POST
def rename(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        clip.title = form.cleaned_data["title"]
        clip.save(update_fields=["title"])
    context = {"clip": clip, "rename_form": form, "can_manage": True}
    if request.htmx:
        return TemplateResponse(request, "library/clip.html#clip-title", context)
    if form.is_valid():
        messages.success(request, "Renamed.")
    else:
        messages.error(request, form.errors["title"][0])
    return redirect(clip)


@team_role_required(Role.VIEWER)
@require_POST
def toggle_favourite(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(request, Clip.objects.all(), pk=pk)
    removed, _ = Favourite.objects.filter(clip=clip, user=request.user).delete()
    if not removed:
        with contextlib.suppress(IntegrityError):  # a double click raced us to it
            Favourite.objects.create(clip=clip, user=request.user)
    clip.is_favourite = not removed
    if request.htmx:
        return TemplateResponse(request, "library/clip.html#favourite-button", {"clip": clip})
    return redirect(safe_next(request, clip.get_absolute_url()))


@team_role_required(Role.MEMBER)
@require_POST
def move_to_trash(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    clip.move_to_trash()
    messages.success(
        request, f"“{clip.title}” moved to the trash. It is deleted for good after 30 days."
    )
    return redirect("library:list")


@team_role_required(Role.VIEWER)
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    clips = Clip.objects.for_team(request.team).trashed().select_related("created_by")
    clips = clips.order_by("-deleted_at")[:200]
    rows = [(clip, clip.can_be_managed_by(request.membership)) for clip in clips]
    return TemplateResponse(request, "library/trash.html", {"rows": rows})


@team_role_required(Role.MEMBER)
@require_POST
def restore(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    clip.restore()
    messages.success(request, f"“{clip.title}” is back in the library.")
    return redirect(clip)


@team_role_required(Role.MEMBER)
@require_POST
def delete_forever(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    if not clip.in_trash:
        raise Http404("Move the clip to the trash first.")
    title = clip.title
    clip.delete_forever()
    AuditEvent.objects.record(request.team, request.user, AuditAction.CLIP_DELETED, subject=title)
    messages.success(request, f"“{title}” is deleted for good.")
    return redirect("library:trash")


@team_role_required(Role.MEMBER)
@require_POST
def share(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    form = ShareForm(request.POST)
    if form.is_valid() and not clip.in_trash:
        link = ShareLink.objects.create(
            clip=clip, created_by=request.user, expires_at=form.expires_at
        )
        url = request.build_absolute_uri(link.get_absolute_url())
        messages.success(request, f"Share link ready: {url}")
    return redirect(reverse("library:clip", args=[clip.pk]) + "#sharing")


@team_role_required(Role.MEMBER)
@require_POST
def revoke_share(request: HttpRequest, pk: uuid.UUID, link_id: int) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    link = get_object_or_404(clip.share_links, pk=link_id)
    link.revoke()
    messages.success(request, "The share link no longer works.")
    return redirect(reverse("library:clip", args=[clip.pk]) + "#sharing")


FILES = {"video": "video", "poster": "poster", "download": "video"}


@team_role_required(Role.VIEWER)
@require_GET
def clip_file(request: HttpRequest, pk: uuid.UUID, kind: str) -> HttpResponse:
    """The clip's video, poster, download or inputs, streamed only to members of its team."""
    clip = get_for_team_or_404(request, Clip.objects.select_related("generation__voice"), pk=pk)
    if kind in ("photo", "voice"):
        generation = clip.generation
        field = None if generation is None else generation.input_file(kind)
    else:
        field = getattr(clip, FILES[kind])
    if not field:
        raise Http404
    download_as = clip.download_name if kind == "download" else ""
    return stored_file_response(request, field, download_as=download_as)


def _live_link(token: str) -> ShareLink:
    return get_object_or_404(ShareLink.objects.live().select_related("clip"), token=token)


@require_GET
def shared_clip(request: HttpRequest, token: str) -> HttpResponse:
    """The public page of a share link: the clip and its title, nothing about the team."""
    link = _live_link(token)
    link.count_view()
    response = TemplateResponse(request, "library/shared.html", {"link": link, "clip": link.clip})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def shared_file(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    link = _live_link(token)
    field = link.clip.poster if kind == "poster" else link.clip.video
    return stored_file_response(request, field)
