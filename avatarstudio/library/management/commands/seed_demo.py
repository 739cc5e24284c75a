"""Fill a team's library with N demo clips, quickly: one small real clip shared by every row."""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from avatarstudio.accounts.management.commands.ensure_demo_account import DEMO_EMAIL
from avatarstudio.accounts.models import Team
from avatarstudio.core import paths
from avatarstudio.core.choices import Mode
from avatarstudio.library.models import Clip
from avatarstudio.media.video import inspect_video, make_poster
from avatarstudio.simulator.render import render_clip
from avatarstudio.simulator.samples import sample_face_jpeg
from avatarstudio.simulator.speech import synthesise

OPENINGS = [
    "Welcome to",
    "A quick look at",
    "Behind the scenes of",
    "Thank you from",
    "Introducing",
]
SUBJECTS = [
    "our spring launch",
    "the new studio",
    "customer stories",
    "the team retreat",
    "product tips",
]
CHINESE = ["产品发布会欢迎词", "新年祝福", "客户感谢视频", "课程介绍", "周末促销活动"]
PROMPTS = [
    "Smile warmly and speak to the camera.",
    "Calm, confident presenter with small hand gestures.",
    "热情地向观众打招呼。",
    "Excited tone, nodding now and then.",
]
BATCH = 1000


class Command(BaseCommand):
    help = "Fill a team's library with demo clips (small real files, shared between rows)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clips", type=int, default=50)
        parser.add_argument("--team", type=int, help="team id (default: the demo account's team)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, clips: int, team: int | None, seed: int, **options: Any) -> None:
        target = self._team(team)
        rng = random.Random(seed)  # noqa: S311 (demo data, repeatable on purpose)
        video_name, poster_name, size, info = self._shared_files(target)
        members = list(get_user_model().objects.filter(memberships__team=target))
        now = timezone.now()
        rows = []
        for number in range(clips):
            rows.append(
                Clip(
                    team=target,
                    title=self._title(rng, number),
                    video=video_name,
                    poster=poster_name,
                    duration=round(rng.uniform(2, 60), 2),
                    size_bytes=size,
                    width=info.width,
                    height=info.height,
                    mode=rng.choice([Mode.STD, Mode.STD, Mode.PRO]),
                    prompt=rng.choice(PROMPTS),
                    created_by=rng.choice(members),
                    created=now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
                )
            )
            if len(rows) == BATCH:
                Clip.objects.bulk_create(rows)
                rows = []
        Clip.objects.bulk_create(rows)
        with connection.cursor() as cursor:  # fresh statistics, so the planner uses the indexes
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Clip._meta.db_table)}")
        self.stdout.write(self.style.SUCCESS(f"Added {clips} demo clips to {target.name}."))

    def _team(self, team_id: int | None) -> Team:
        if team_id is not None:
            try:
                return Team.objects.get(pk=team_id)
            except Team.DoesNotExist:
                raise CommandError(f"There is no team {team_id}.") from None
        call_command("ensure_demo_account", verbosity=0, stdout=self.stdout)
        user = get_user_model().objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            raise CommandError("Name a team with --team (this site has no demo account).")
        return Team.objects.personal_for(user)

    def _shared_files(self, team: Team):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            (work / "face.jpg").write_bytes(sample_face_jpeg())
            synthesise(
                "Hello, and welcome to our studio! It is lovely to see you.",
                "en",
                1.0,
                work / "voice.mp3",
            )
            render_clip(work / "face.jpg", work / "voice.mp3", work / "clip.mp4", Mode.STD)
            make_poster(work / "clip.mp4", work / "poster.jpg")
            info = inspect_video(work / "clip.mp4")
            with (work / "clip.mp4").open("rb") as handle:
                video_name = paths.clip_name(team.pk, "demo", "video.mp4")
                video = default_storage.save(video_name, File(handle))
            with (work / "poster.jpg").open("rb") as handle:
                poster_name = paths.clip_name(team.pk, "demo", "poster.jpg")
                poster = default_storage.save(poster_name, File(handle))
            return video, poster, (work / "clip.mp4").stat().st_size, info

    def _title(self, rng: random.Random, number: int) -> str:
        if number % 5 == 4:
            return f"{rng.choice(CHINESE)} {number + 1}"
        return f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)} #{number + 1}"
