"""The team's batches: a new batch from a spreadsheet, its preview, its page while it runs,
retrying its failed rows, and "Download all". Thin: the form checks every row, ``services``
keep and start the batch, the worker makes the rows (``steps``)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from avatarstudio.accounts.access import get_for_team_or_404, team_role_required
from avatarstudio.accounts.models import Role
from avatarstudio.batches import services
from avatarstudio.batches.forms import BatchForm
from avatarstudio.batches.models import Batch, BatchProgress, BatchRow
from avatarstudio.core.ratelimit import rate_limited
from avatarstudio.core.streaming import zip_response
from avatarstudio.kling import voices as tts_voices
from avatarstudio.studio.quotas import QuotaExceeded


@team_role_required(Role.VIEWER)
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = list(Batch.objects.for_team(request.team).select_related("created_by")[:50])
    counts = BatchRow.objects.filter(batch__in=batches).progress_by_batch()
    rows = [(batch, counts.get(batch.pk, BatchProgress())) for batch in batches]
    return TemplateResponse(request, "batches/list.html", {"rows": rows})


@team_role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
@rate_limited("create")
def batch_new(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, request.FILES or None, team=request.team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = services.keep_draft(request.team, request.user, data["name"], data["plans"])
        return redirect(batch)
    context = {"form": form, "voices": tts_voices.by_language()}
    return TemplateResponse(request, "batches/new.html", context)


@team_role_required(Role.VIEWER)
@require_GET
def batch_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The preview of a draft, or the progress of a started batch (only the progress part
    when htmx polls it)."""
    batch = get_for_team_or_404(request, Batch.objects.select_related("team"), pk=pk)
    rows = batch.rows.select_related("avatar", "generation__clip")
    context = {
        "batch": batch,
        "rows": list(rows),
        "progress": batch.progress(),
        "may_act": request.membership.can(Role.MEMBER),
    }
    if batch.is_draft:
        context["estimate"] = services.estimate(batch)
    else:
        context["downloadable"] = batch.rows.downloadable_by(request.membership).count()
    if request.htmx and not batch.is_draft:
        return TemplateResponse(request, "batches/detail.html#batch-progress", context)
    return TemplateResponse(request, "batches/detail.html", context)


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("create")
def batch_start(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = get_for_team_or_404(request, Batch.objects.all(), Role.MEMBER, pk=pk)
    if not batch.rows.to_make().exists():
        messages.error(request, "No row can be made: fix the rows and upload them again.")
        return redirect(batch)
    try:
        services.start(batch, request.user)
    except QuotaExceeded as error:
        messages.error(request, f"The batch was not started: {error}")
    else:
        messages.success(request, "Started: the videos are made a few at a time.")
    return redirect(batch)


@team_role_required(Role.MEMBER)
@require_POST
def batch_discard(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = get_for_team_or_404(request, Batch.objects.all(), Role.MEMBER, pk=pk)
    if not batch.is_draft:
        messages.error(request, "A started batch is kept with its videos.")
        return redirect(batch)
    services.discard(batch)
    messages.success(request, "Discarded. Nothing was made.")
    return redirect("batches:new")


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("create")  # each row is a new video, paid like any other
def retry_failed(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = get_for_team_or_404(request, Batch.objects.all(), Role.MEMBER, pk=pk)
    if batch.is_draft:
        raise Http404("This batch has not started.")
    count = services.retry_failed(batch, request.user)
    if count:
        messages.success(request, f"Making {count} failed {'row' if count == 1 else 'rows'} again.")
    else:
        messages.info(request, "No row has failed.")
    return redirect(batch)


@team_role_required(Role.VIEWER)
@require_GET
def download_all(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Every ready clip of the batch (that this member may download) in one ZIP, streamed."""
    batch = get_for_team_or_404(request, Batch.objects.all(), pk=pk)
    rows = batch.rows.downloadable_by(request.membership).select_related("generation__clip")
    members = []
    for row in rows.order_by("number"):
        clip = row.generation.clip
        name = slugify(clip.title, allow_unicode=True)[:60] or "clip"
        members.append((f"{row.number:03d}-{name}.mp4", clip.video, clip.size_bytes))
    if not members:
        messages.info(request, "No clip of this batch can be downloaded yet.")
        return redirect(batch)
    download_as = f"{slugify(batch.name, allow_unicode=True)[:60] or 'batch'}.zip"
    return zip_response(members, download_as)
