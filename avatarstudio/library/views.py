from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from avatarstudio.accounts.access import get_for_team_or_404, team_role_required
from avatarstudio.accounts.models import Role
from avatarstudio.library.models import Clip
from avatarstudio.library.streaming import file_response


@team_role_required(Role.VIEWER)
@require_GET
def clip_list(request: HttpRequest) -> HttpResponse:
    clips = Clip.objects.for_team(request.team).newest_first().select_related("created_by")
    return TemplateResponse(request, "library/list.html", {"clips": clips[:60]})


@team_role_required(Role.VIEWER)
@require_GET
def clip_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    clip = get_for_team_or_404(
        request, Clip.objects.select_related("created_by", "generation"), pk=pk
    )
    return TemplateResponse(request, "library/clip.html", {"clip": clip})


@team_role_required(Role.VIEWER)
@require_GET
def clip_file(request: HttpRequest, pk: uuid.UUID, kind: str) -> HttpResponse:
    """The clip's video, poster or download, streamed only to members of its team."""
    clip = get_for_team_or_404(request, Clip.objects.all(), pk=pk)
    field = clip.poster if kind == "poster" else clip.video
    if not field:
        raise Http404
    download_as = clip.download_name if kind == "download" else ""
    return file_response(request, field.open("rb"), field.name, download_as=download_as)
