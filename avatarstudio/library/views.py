from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from avatarstudio.accounts.access import get_for_team_or_404, team_role_required
from avatarstudio.accounts.models import AuditAction, AuditEvent, Membership, NotAllowed, Role
from avatarstudio.core.redirects import safe_next
from avatarstudio.core.streaming import stored_file_response
from avatarstudio.library.forms import (
    NoteForm,
    RenameForm,
    ResubmitForm,
    ReviewForm,
    ShareForm,
)
from avatarstudio.library.gallery import (
    SORTS,
    GalleryFilters,
    count_up_to,
    paginate,
)
from avatarstudio.library.models import Clip, Favourite, Review, ShareLink


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


def _clip_context(request: HttpRequest, clip: Clip, **extra: Any) -> dict[str, Any]:
    """What the clip page and its review panel show this member."""
    membership = request.membership
    can_manage = clip.can_be_managed_by(membership)
    return {
        "clip": clip,
        "can_manage": can_manage,
        "can_review": membership.can(Role.REVIEWER),
        "can_comment": membership.can(Role.MEMBER),
        "can_download": clip.may_be_downloaded_by(membership),
        "notes": list(clip.notes.all()),
        "note_form": NoteForm(),
        "share_links": list(clip.share_links.all()) if can_manage else [],
        "share_form": ShareForm(),
        "rename_form": RenameForm(initial={"title": clip.title}),
    } | extra


@team_role_required(Role.VIEWER)
@require_GET
def clip_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(
        request,
        Clip.objects.select_related(
            "created_by", "generation__voice", "generation__avatar", "consent"
        ).with_favourite_for(request.user),
        pk=pk,
    )
    return TemplateResponse(request, "library/clip.html", _clip_context(request, clip))


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
    if clip.waits_for_approval:
        messages.error(request, "Share links open once the clip is approved.")
        return redirect(reverse("library:clip", args=[clip.pk]) + "#sharing")
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


# Review: comments for members, decisions for reviewers, another look for the maker. The
# clip page posts all three from one composer (its buttons choose the URL).


def _answer_review(
    request: HttpRequest, clip: Clip, form: NoteForm, done: str, state_changed: bool = False
) -> HttpResponse:
    """The review panel again, in place for htmx (with the share section when the clip's
    state opens or closes it); else back to the clip page with a message."""
    if request.htmx:
        context = _clip_context(request, clip)
        if form.errors:
            context["note_form"] = form
        context["swap_sharing"] = state_changed and context["can_manage"] and not clip.in_trash
        response = TemplateResponse(request, "library/clip.html#review-panel", context)
        if not form.errors:
            trigger_client_event(response, "show-toast", {"text": done, "kind": "success"})
        return response
    if form.errors:
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        messages.success(request, done)
    return redirect(reverse("library:clip", args=[clip.pk]) + "#review")


@team_role_required(Role.MEMBER)
@require_POST
def add_comment(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(request, Clip.objects.all(), Role.MEMBER, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        clip.comment(request.membership, data["text"], at_seconds=data["at_seconds"])
    return _answer_review(request, clip, form, "Comment added.")


@team_role_required(Role.REVIEWER)
@require_POST
def decide(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(request, Clip.objects.all(), Role.REVIEWER, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            clip.decide(
                request.membership, data["decision"], data["text"], at_seconds=data["at_seconds"]
            )
        except NotAllowed as refusal:
            form.add_error("text", str(refusal))
    done = "Approved." if clip.review_state == Review.APPROVED else "Changes requested."
    return _answer_review(request, clip, form, done, state_changed=not form.errors)


@team_role_required(Role.MEMBER)
@require_POST
def send_for_review_again(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = _get_managed_clip(request, pk)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            clip.send_for_review_again(
                request.membership, data["text"], at_seconds=data["at_seconds"]
            )
        except NotAllowed as refusal:
            form.add_error(None, str(refusal))
    return _answer_review(
        request, clip, form, "Sent for review again.", state_changed=not form.errors
    )


FILES = {"video": "video", "poster": "poster", "download": "video"}


@team_role_required(Role.VIEWER)
@require_GET
def clip_file(request: HttpRequest, pk: uuid.UUID, kind: str) -> HttpResponse:
    """The clip's video, poster, download or inputs, streamed only to members of its team."""
    clip = get_for_team_or_404(request, Clip.objects.select_related("generation__voice"), pk=pk)
    if kind == "download" and not clip.may_be_downloaded_by(request.membership):
        messages.error(request, "Viewers can download this clip once it is approved.")
        return redirect(clip)
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
    waiting = link.clip.waits_for_approval
    if not waiting:  # a view is someone watching, not someone told to come back later
        link.count_view()
    context = {"link": link, "clip": link.clip, "waiting": waiting}
    response = TemplateResponse(request, "library/shared.html", context)
    response["X-Robots-Tag"] = "noindex"
    if waiting:
        response["Cache-Control"] = "no-store"  # the video is there the moment it is approved
    return response


@require_GET
def shared_file(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    link = _live_link(token)
    if link.clip.waits_for_approval:
        raise Http404("The clip is waiting for approval.")
    field = link.clip.poster if kind == "poster" else link.clip.video
    return stored_file_response(request, field)
