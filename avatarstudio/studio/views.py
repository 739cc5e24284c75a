"""The studio's pages: the dashboard, create, a generation's page and status card, the voice
preview, the team's usage, and the provider's webhook. Thin: forms validate, ``services``
act, and every object is fetched through the access helper."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from avatarstudio.accounts.access import get_for_team_or_404, require_role, team_role_required
from avatarstudio.accounts.models import Role
from avatarstudio.avatars.forms import AvatarForm
from avatarstudio.avatars.models import Avatar
from avatarstudio.avatars.models import VoiceKind as AvatarVoice
from avatarstudio.avatars.services import save_avatar
from avatarstudio.core.choices import Mode
from avatarstudio.core.formatting import plain_number
from avatarstudio.core.health import bearer_matches
from avatarstudio.core.ratelimit import rate_limited
from avatarstudio.core.streaming import file_response, stored_file_response
from avatarstudio.kling import webhooks
from avatarstudio.library.models import Clip
from avatarstudio.studio import charts, ledger, metrics, quotas, services
from avatarstudio.studio.forms import (
    GenerationForm,
    PhotoCheckForm,
    ScriptForm,
    VoiceCheckForm,
    photo_check_context,
    price_table,
    voice_check_context,
)
from avatarstudio.studio.models import Generation, Voice, VoiceSource
from avatarstudio.studio.pipeline import inputs
from avatarstudio.studio.pipeline.speech import VoiceProblem
from avatarstudio.studio.pipeline.tasks import wake_up
from avatarstudio.studio.quotas import QuotaExceeded

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The team's dashboard for a signed-in user; a welcome page for a visitor."""
    if not request.user.is_authenticated:
        return TemplateResponse(request, "studio/welcome.html")
    membership = require_role(request)
    generations = Generation.objects.for_team(request.team).videos().select_related("clip")
    context = {
        "membership": membership,
        "running": list(generations.active().order_by("-created")),
        "recent": list(generations.finished().recent()),
        "clip_count": Clip.objects.for_team(request.team).alive().count(),
    }
    return TemplateResponse(request, "studio/dashboard.html", context)


def _avatar_asked_for(request: HttpRequest) -> Avatar | None:
    try:
        pk = uuid.UUID(request.GET.get("avatar", ""))
    except ValueError:
        return None
    return Avatar.objects.for_team(request.team).select_related("consent").filter(pk=pk).first()


def avatar_defaults(avatar: Avatar) -> dict[str, object]:
    """The create form's first values for a video of ``avatar``: its prompt, mode and voice."""
    source = VoiceSource.AVATAR if avatar.voice_kind == AvatarVoice.SAMPLE else VoiceSource.SCRIPT
    return {
        "avatar": avatar,
        "prompt": avatar.prompt,
        "mode": avatar.mode,
        "voice_source": source,
        "tts_voice": avatar.tts_voice,
        "speed": avatar.speed,
    }


def _gives_a_photo_url(request: HttpRequest) -> bool:
    return bool(request.POST.get("photo_url", "").strip())


@team_role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
@rate_limited("photo_url", when=_gives_a_photo_url)  # each one is fetched from the web
@rate_limited("create")
def create(request: HttpRequest) -> HttpResponse:
    """The create page; ``?avatar=<id>`` starts it from a saved avatar and its defaults."""
    initial = {"submission_token": uuid.uuid4(), "mode": request.team.default_mode}
    if request.method == "GET" and (avatar := _avatar_asked_for(request)):
        initial |= avatar_defaults(avatar)
    form = GenerationForm(
        request.POST or None, request.FILES or None, team=request.team, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            generation = services.start_from_form(request.team, request.user, form.cleaned_data)
        except services.InputProblem as problem:
            form.add_error(problem.field or None, str(problem))
            form.photo_without_face = problem.code == "no_face"
        except QuotaExceeded as error:
            form.add_error(None, str(error))
        else:
            url = generation.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "form": form,
        "modes": price_table(request.team),
        "limits": form.limits,
        "allowance": quotas.allowance(request.team, request.membership),
        "refusal": quotas.refusal(request.team, request.user),
        **photo_check_context(form.photo_check, form.photo_without_face),
        **voice_check_context(
            form.voice_check,
            form.voice_offer,
            use_first=bool(getattr(form, "cleaned_data", {}).get("use_first_seconds")),
            long_parts=form.voice_long_parts,
            make_long=bool(getattr(form, "cleaned_data", {}).get("make_long_video")),
        ),
        **form.voice_context(),
    }
    if request.method == "POST" and request.htmx:
        # Keep the chosen files in the page: only the messages are swapped in.
        return TemplateResponse(request, "studio/create.html#form-errors", context)
    return TemplateResponse(request, "studio/create.html", context)


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("preflight")
def check_photo(request: HttpRequest) -> HttpResponse:
    """The create page's early check of a chosen photo: its face found, the repair made with
    the person's choices, shown as it will be sent. Stores and sends nothing."""
    form = PhotoCheckForm(request.POST, request.FILES)
    context = form.outcome() if form.is_valid() else photo_check_context(None, False)
    return TemplateResponse(request, "studio/create.html#photo-check", context)


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("preflight")
def check_voice(request: HttpRequest) -> HttpResponse:
    """The create page's early check of a chosen voice file or recording: the same check and
    repair the submit runs, shown before anything is paid for. Stores and sends nothing."""
    form = VoiceCheckForm(request.POST, request.FILES)
    context = form.outcome() if form.is_valid() else voice_check_context(None, None)
    return TemplateResponse(request, "studio/create.html#voice-check", context)


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("voice_preview")
def preview_voice(request: HttpRequest) -> HttpResponse:
    """Speak the typed script with Kling's TTS so it can be heard before the video is made.

    The voice is kept: the create form sends its id back, and reuses it if the script, voice
    and speed have not changed, so the speech is made once.
    """
    form = ScriptForm(request.POST)
    context: dict[str, object] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            context["voice"] = services.speak(
                request.team, request.user, data["script"], data["speaker"], data["speed"]
            )
        except VoiceProblem as problem:
            context["problem"] = str(problem)
    else:
        context["problem"] = " ".join(
            message for errors in form.errors.values() for message in errors
        )
    return TemplateResponse(request, "studio/create.html#script-preview", context)


@team_role_required(Role.VIEWER)
@require_GET
def voice_audio(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    voice = get_for_team_or_404(request, Voice.objects.all(), pk=pk)
    return stored_file_response(request, voice.audio)


@team_role_required(Role.VIEWER)
@require_GET
def generation_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The generation's page, or only its status card when htmx polls it."""
    generation = get_for_team_or_404(request, Generation.objects.videos().for_status_card(), pk=pk)
    context = {
        "generation": generation,
        "compact": "compact" in request.GET,
        "show_parts": "parts" in request.GET and generation.is_long,
    }
    if request.htmx:
        metrics.count_poll()
        # Polled from its own page, the card also brings the page's heading up to date.
        context["oob_heading"] = _polled_from(request, generation.get_absolute_url())
        return TemplateResponse(request, "studio/generation.html#status-card", context)
    return TemplateResponse(request, "studio/generation.html", context)


def _polled_from(request: HttpRequest, path: str) -> bool:
    """Whether htmx sent this request from the page at ``path``."""
    try:
        return request.htmx.current_url_abs_path == path
    except ValueError:  # django-htmx splits HX-Current-URL, which the client writes
        return False


@team_role_required(Role.MEMBER)
@require_POST
@rate_limited("create")  # a new generation, paid like any other
def retry(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    generation = get_for_team_or_404(request, Generation.objects.videos(), Role.MEMBER, pk=pk)
    if not generation.retry_allowed:
        messages.error(
            request, "This video cannot be tried again as it is. Change the inputs instead."
        )
        return redirect(generation)
    try:
        if generation.is_long:
            again = services.try_failed_parts_again(generation, request.user)
        else:
            again = services.try_again(generation, request.user)
    except (QuotaExceeded, services.FaceNotAllowed) as error:
        messages.error(request, str(error))
        return redirect(generation)
    if generation.is_long:
        messages.success(request, "Making the missing parts again; the parts made are kept.")
    else:
        messages.success(request, "Trying again with the same photo and voice.")
    return redirect(again)


@team_role_required(Role.MEMBER)
@require_http_methods(["GET", "POST"])
def save_as_avatar(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """ "Save as avatar" after a video made from a bare upload: its face, already checked and
    sent, becomes a saved avatar (with the consent it was made under, or a new one)."""
    generations = Generation.objects.videos().made().select_related("consent", "voice", "clip")
    generation = get_for_team_or_404(request, generations, Role.MEMBER, pk=pk)
    try:
        known = services.known_photo_of(generation)
    except services.FaceNotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect(generation)
    form = AvatarForm(
        request.POST or None,
        request.FILES or None,
        team=request.team,
        photo_from=known.content,
        known_consent=generation.consent,
        initial=services.avatar_defaults_of(generation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            avatar = save_avatar(request.team, request.user, form.cleaned_data, known)
        except IntegrityError:  # the same name saved at the same moment
            form.add_error("name", "The team already has an avatar of this name.")
        else:
            messages.success(request, f"Saved the avatar {avatar.name}.")
            return redirect(avatar)
    context = {"form": form, "creating": True, "from_generation": generation}
    return TemplateResponse(request, "avatars/form.html", context)


@csrf_exempt
@require_POST
def kling_hook(request: HttpRequest, token: str) -> HttpResponse:
    """Kling says a task changed. We only wake the job; it asks Kling and trusts that answer."""
    generation = Generation.objects.filter(callback_token=token).first()
    if generation is None:
        raise Http404
    if settings.KLING_WEBHOOK_SECRET:
        try:
            webhooks.verify(settings.KLING_WEBHOOK_SECRET, request.headers, request.body)
        except webhooks.InvalidSignature as error:
            logger.warning("kling callback for %s refused: %s", generation.pk, error)
            return HttpResponse(status=401)
    woken = (
        Generation.objects.at_provider()
        .filter(pk=generation.pk)
        .update(next_step_at=timezone.now())
    )
    if woken:
        generation.refresh_from_db(fields=["next_step_at"])
        wake_up(generation)
    return HttpResponse(status=204)


@never_cache
@require_safe
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """The app's figures for a Prometheus scraper holding ``METRICS_TOKEN``; 404 otherwise."""
    if not bearer_matches(request, settings.METRICS_TOKEN):
        raise Http404
    registry = CollectorRegistry(auto_describe=True)
    registry.register(metrics.StudioCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


@require_GET
def signed_input(request: HttpRequest, token: str) -> HttpResponse:
    """A generation's input, for the provider, behind a signed link that expires in an hour."""
    try:
        name = inputs.name_from_token(token)
    except signing.BadSignature:
        raise Http404 from None
    if not default_storage.exists(name):
        raise Http404
    return file_response(request, default_storage.open(name), name)


# The team's usage.

EARLIEST_MONTH = date(2020, 1, 1)  # nothing was made before; and year 1 has no month before it


def _month_from(request: HttpRequest) -> date:
    """The month in ``?month=YYYY-MM``; this month when it is missing, malformed or ahead."""
    this_month = quotas.month_start().date()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return this_month
    return min(max(chosen, EARLIEST_MONTH), this_month)


@team_role_required(Role.ADMIN)
@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    start = quotas.month_start(_month_from(request))
    months = quotas.by_month(request.team, 6, until=start)
    members = [
        (row, request.membership.may_set_limit_of(row.membership))
        for row in quotas.by_member(request.team, start)
    ]
    context = {
        "start": start,
        "previous": quotas.previous_month(start),
        "next": quotas.next_month(start),
        "is_current": start == quotas.month_start(),
        "members": members,
        "total": quotas.month_total(request.team, start),
        "worst_case": f"{ledger.worst_case_seconds(None):g}",
        "chart": charts.month_bars(months),
        "prices": {mode: plain_number(request.team.price_per_second(mode)) for mode in Mode.values},
    }
    return TemplateResponse(request, "studio/usage.html", context)
