"""Voices without an audio file: a typed script spoken by Kling's TTS, a browser recording,
and the team's recent voices, end to end through the simulator."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from avatarstudio.accounts.deletion import delete_team
from avatarstudio.accounts.models import Team
from avatarstudio.media.probe import probe_audio
from avatarstudio.studio.models import Generation, SpeechCall, Status, Voice, VoiceKind
from avatarstudio.studio.pipeline.speech import script_pieces
from avatarstudio.studio.services import forget_unused_voices
from tests.helpers import client_in
from tests.media_factory import photo_bytes, recording_bytes, silent_recording_bytes
from tests.provider import FakeClock
from tests.studio.helpers import drive, step

pytestmark = pytest.mark.django_db

SCRIPT = "Hello everyone, and welcome to our spring launch. We are so happy you are here."


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("face.jpg", photo_bytes(600, 800), "image/jpeg")


def create(client, **fields):
    data = {
        "photo": photo(),
        "mode": "std",
        "submission_token": str(uuid.uuid4()),
        "consent_statement": "self",
    } | fields
    return client.post("/create/", data)


def with_script(text: str = SCRIPT, voice: str = "en:genshin_vindi2", speed: str = "1.0", **extra):
    return {"voice_source": "script", "script": text, "tts_voice": voice, "speed": speed} | extra


def sent_audio(simulator, generation: Generation) -> str:
    """The audio file the simulator's task speaks with."""
    return simulator.store.tasks[generation.provider_task_id]["audio"]


def test_a_script_is_spoken_and_the_video_uses_its_audio_id(team, member, provider):
    response = create(client_in(team, member), **with_script())
    assert response.status_code == 302
    generation = Generation.objects.get()
    voice = generation.voice
    assert voice.kind == VoiceKind.SCRIPT and voice.team == team
    assert (voice.tts_voice_id, voice.language, voice.speed) == ("genshin_vindi2", "en", 1.0)
    assert generation.audio_id == voice.audio_id and not generation.audio
    assert generation.audio_seconds == pytest.approx(voice.duration)
    assert 2 <= voice.duration <= 60
    assert voice.audio.storage.exists(voice.audio.name)
    assert voice.last_used_at is not None

    drive(generation)
    assert generation.status == Status.READY
    assert generation.clip.title == "Hello everyone, and welcome to our spring launch. We are…"
    assert sent_audio(provider, generation).endswith(f"voice-{voice.audio_id}.mp3")
    assert provider.stats["tts_calls"] == 1


def test_preview_speaks_the_script_once_and_generate_reuses_it(team, member, provider):
    client = client_in(team, member)
    preview = client.post("/voices/preview/", with_script(), headers={"HX-Request": "true"})
    html = preview.content.decode()
    voice = Voice.objects.get()
    assert f'src="/voices/{voice.pk}/audio"' in html
    assert f'name="script_voice" value="{voice.pk}"' in html
    assert "Speech length:" in html
    assert client.get(f"/voices/{voice.pk}/audio").status_code == 200

    create(client, **with_script(script_voice=str(voice.pk)))
    assert Generation.objects.get().voice == voice
    assert provider.stats["tts_calls"] == 1


def test_a_script_changed_after_the_preview_is_spoken_again(team, member, provider):
    client = client_in(team, member)
    client.post("/voices/preview/", with_script())
    previewed = Voice.objects.get()
    create(client, **with_script(SCRIPT + " See you soon!", script_voice=str(previewed.pk)))
    assert Generation.objects.get().voice != previewed
    assert provider.stats["tts_calls"] == 2


def test_a_script_too_short_to_speak_for_two_seconds_is_refused_before_any_video(
    team, member, provider
):
    response = create(client_in(team, member), **with_script("Hi."))
    assert "Kling needs at least 2 seconds. Write a little more" in response.content.decode()
    assert not Generation.objects.exists()
    assert provider.stats["create_calls"] == 0


def test_a_script_that_speaks_for_over_a_minute_is_previewed_as_a_long_video(
    team, member, provider
):
    text = ("This sentence is long enough to read aloud slowly. " * 19)[:1000]
    response = client_in(team, member).post("/voices/preview/", with_script(text, speed="0.8"))
    voice = Voice.objects.get()
    assert voice.duration > 60
    assert f"This will be made in {voice.video_parts} parts" in response.content.decode()


def test_a_script_speaking_longer_than_a_long_video_is_refused(team, member, provider, settings):
    settings.LONG_VIDEO_MAX_SECONDS = 30.0
    text = "This sentence is long enough to read aloud slowly. " * 19
    response = client_in(team, member).post("/voices/preview/", with_script(text.strip()))
    assert "we make videos of at most 30 seconds. Shorten it" in response.content.decode()


def test_a_script_over_1000_characters_is_spoken_in_pieces_with_one_voice_and_speed(
    team, member, provider
):
    sentences = [f"Sentence {n} of the welcome tells you one more useful thing." for n in range(45)]
    text = " ".join(sentences)
    assert 2_000 < len(text) < 3_000
    response = create(client_in(team, member), **with_script(text, speed="1.2"))
    assert response.status_code == 302
    assert provider.stats["tts_calls"] == 3  # at most 1,000 characters a call, at sentence ends
    assert SpeechCall.objects.count() == 3
    video = Generation.objects.get()
    voice = video.voice
    assert voice.text == text and not voice.audio_id  # one voice, several speeches joined
    assert video.audio and not video.audio_id  # sent as a file, in parts
    assert video.audio_seconds == pytest.approx(voice.duration)
    assert probe_audio(voice.audio.open("rb")).duration == pytest.approx(voice.duration, abs=0.05)
    assert video.parts_planned == voice.video_parts >= 2
    spoken = [json.loads(path.read_text()) for path in (provider.store.folder / "voices").iterdir()]
    assert {(made["voice_id"], made["voice_speed"]) for made in spoken} == {("genshin_vindi2", 1.2)}
    assert all(made["characters"] <= 1000 for made in spoken)


def test_a_script_is_at_most_the_long_script_limit(team, member, provider, settings):
    settings.LONG_SCRIPT_MAX_CHARS = 1500
    response = create(client_in(team, member), **with_script("a" * 1501))
    assert "we speak at most 1500 in one video" in response.content.decode()
    assert provider.stats["tts_calls"] == 0


def test_a_speed_outside_the_slider_is_refused(team, member, provider):
    response = create(client_in(team, member), **with_script(speed="2.5"))
    assert "Choose a speed between 0.8 and 2.0." in response.content.decode()


def test_a_voice_kling_no_longer_offers_says_to_choose_another(team, member, provider, monkeypatch):
    # Kling retires voices now and then: the simulator answers 1201 as Kling does.
    monkeypatch.setattr("avatarstudio.simulator.app.tts_voices.is_known", lambda *args: False)
    response = create(client_in(team, member), **with_script())
    assert "This voice is not available at the moment" in response.content.decode()


def test_a_voice_outside_the_table_cannot_be_chosen(team, member, provider):
    response = create(client_in(team, member), **with_script(voice="en:someone_else"))
    assert "Choose a voice from the list." in response.content.decode()


def made_voice(team, member, provider) -> Voice:
    client_in(team, member).post("/voices/preview/", with_script())
    return Voice.objects.get()


def test_an_audio_id_near_30_days_old_is_never_sent_a_new_one_is_made(team, member, provider):
    clock = FakeClock(timezone.now().timestamp())
    provider.config.clock = clock
    voice = made_voice(team, member, provider)
    old_id = voice.audio_id
    clock.advance(31 * 24 * 3600)  # the simulator refuses the old id from now on
    Voice.objects.filter(pk=voice.pk).update(
        audio_id_made_at=timezone.now() - timedelta(days=29, hours=1)
    )
    create(client_in(team, member), voice_source="recent", recent_voice=str(voice.pk))
    Voice.objects.filter(pk=voice.pk).update(last_used_at=timezone.now())
    generation = Generation.objects.get()

    step(generation)

    voice.refresh_from_db()
    assert generation.status == Status.SUBMITTED, generation.failure_message
    assert voice.audio_id != old_id
    assert generation.audio_id == voice.audio_id
    assert timezone.now() - voice.audio_id_made_at < timedelta(minutes=1)
    assert sent_audio(provider, generation).endswith(f"voice-{voice.audio_id}.mp3")
    assert provider.stats["tts_calls"] == 2


def test_a_recent_audio_id_is_sent_as_it_is(team, member, provider):
    voice = made_voice(team, member, provider)
    Voice.objects.filter(pk=voice.pk).update(audio_id_made_at=timezone.now() - timedelta(days=27))
    create(client_in(team, member), voice_source="recent", recent_voice=str(voice.pk))
    generation = Generation.objects.get()
    step(generation)
    assert generation.audio_id == voice.audio_id
    assert provider.stats["tts_calls"] == 1


@pytest.mark.parametrize("container", ["webm", "ogg"])
def test_a_browser_recording_is_converted_to_m4a_and_makes_a_video(
    team, member, provider, container
):
    recording = SimpleUploadedFile(
        f"recording.{container}", recording_bytes(3.0, container), f"audio/{container}"
    )
    response = create(client_in(team, member), voice_source="record", recording=recording)
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert generation.audio.name.endswith(".m4a")
    with generation.audio.open("rb") as stored:
        info = probe_audio(io.BytesIO(stored.read()))
    assert (info.format, info.codec) == ("m4a", "aac")
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert generation.voice.kind == VoiceKind.RECORDING
    assert generation.audio_seconds == pytest.approx(3.0, abs=0.1)
    drive(generation)
    assert generation.status == Status.READY


def test_a_recording_shorter_than_two_seconds_asks_for_more(team, member, provider):
    recording = SimpleUploadedFile("recording.webm", recording_bytes(1.0), "audio/webm")
    response = create(client_in(team, member), voice_source="record", recording=recording)
    assert (
        "This recording has only 1.0 s of voice; Kling needs at least 2 seconds. Record a "
        "little more." in response.content.decode()
    )
    assert not Voice.objects.exists()


def test_a_recording_that_is_not_sound_is_refused(team, member, provider):
    junk = SimpleUploadedFile("recording.webm", b"not a recording at all" * 100, "audio/webm")
    response = create(client_in(team, member), voice_source="record", recording=junk)
    assert "This recording cannot be read. Record again." in response.content.decode()


def test_a_recording_too_costly_to_convert_is_refused_with_what_to_do(team, member, provider):
    costly = silent_recording_bytes(3, 655_350, "7.1")
    recording = SimpleUploadedFile("recording.webm", costly, "audio/webm")
    response = create(client_in(team, member), voice_source="record", recording=recording)
    assert "This recording is sampled at 655,350 Hz; we convert at most 96,000 Hz." in (
        response.content.decode()
    )
    assert not Voice.objects.exists()
    assert not Generation.objects.exists()


def test_record_without_a_recording_says_how_to_record(team, member, provider):
    response = create(client_in(team, member), voice_source="record")
    assert "Record your voice first" in response.content.decode()


def test_a_voice_used_before_is_offered_again_and_reused(team, member, owner, provider):
    create(client_in(team, member), **with_script())
    voice = Voice.objects.get()
    client = client_in(team, owner)
    page = client.get("/create/").content.decode()
    assert "The team's recent voices" in page
    assert f'value="{voice.pk}"' in page and "Sunny: “Hello everyone" in page

    create(client, voice_source="recent", recent_voice=str(voice.pk))
    assert Generation.objects.filter(voice=voice).count() == 2
    assert provider.stats["tts_calls"] == 1


def test_a_recent_recording_gives_each_video_its_own_copy(team, member, provider):
    recording = SimpleUploadedFile("recording.webm", recording_bytes(3.0), "audio/webm")
    client = client_in(team, member)
    create(client, voice_source="record", recording=recording)
    voice = Voice.objects.get()
    create(client, voice_source="recent", recent_voice=str(voice.pk))
    first, second = Generation.objects.order_by("created")
    assert second.voice == voice
    assert second.audio.name != first.audio.name
    assert second.audio.storage.exists(second.audio.name)


def test_another_teams_voice_cannot_be_chosen_or_heard(team, member, outsider, provider):
    from avatarstudio.accounts.models import Team

    theirs = Team.objects.personal_for(outsider)
    create(client_in(theirs, outsider), **with_script())
    voice = Voice.objects.get()
    client = client_in(team, member)
    response = create(client, voice_source="recent", recent_voice=str(voice.pk))
    assert "That voice is not one of this team&#x27;s." in response.content.decode()
    assert client.get(f"/voices/{voice.pk}/audio").status_code == 404


def test_previews_nobody_used_are_forgotten_after_a_day(team, member, provider):
    unused = made_voice(team, member, provider)
    create(client_in(team, member), **with_script("A different script that is used, for sure."))
    used = Generation.objects.get().voice
    Voice.objects.update(created=timezone.now() - timedelta(days=2))
    assert forget_unused_voices() == 1
    assert list(Voice.objects.all()) == [used]
    assert not unused.audio.storage.exists(unused.audio.name)


def test_the_clip_page_plays_the_spoken_script_and_quotes_it(team, member, provider):
    client = client_in(team, member)
    create(client, **with_script())
    generation = Generation.objects.get()
    drive(generation)
    clip = generation.clip
    page = client.get(f"/library/{clip.pk}/").content.decode()
    assert f'src="/library/{clip.pk}/voice"' in page
    assert "Spoken by Kling's text-to-speech: “Hello everyone" in page
    voice = client.get(f"/library/{clip.pk}/voice")
    assert voice.status_code == 200
    assert b"".join(voice.streaming_content) == generation.voice.audio.open("rb").read()


def test_speech_per_member_is_limited_per_hour(team, member, provider, settings):
    settings.TTS_PER_MEMBER_PER_HOUR = 2
    client = client_in(team, member)
    for number in range(2):
        client.post("/voices/preview/", with_script(f"{SCRIPT} Take {number}."))
    response = client.post("/voices/preview/", with_script(SCRIPT + " Once more."))
    assert "You have made 2 speeches in the last hour" in response.content.decode()
    assert provider.stats["tts_calls"] == 2
    SpeechCall.objects.update(created=timezone.now() - timedelta(hours=2))
    client.post("/voices/preview/", with_script(SCRIPT + " Later."))
    assert provider.stats["tts_calls"] == 3


def test_speeches_too_long_to_use_count_towards_the_hourly_cap(team, member, provider, settings):
    settings.TTS_PER_MEMBER_PER_HOUR = 2
    settings.LONG_VIDEO_MAX_SECONDS = 60.0  # so these speeches are too long to use
    client = client_in(team, member)
    too_long = ("This sentence is long enough to read aloud slowly. " * 19)[:1000]
    for speed in ("0.8", "0.9"):
        client.post("/voices/preview/", with_script(too_long, speed=speed))
    assert not Voice.objects.exists()  # paid for, never kept
    response = client.post("/voices/preview/", with_script(SCRIPT))
    assert "You have made 2 speeches in the last hour" in response.content.decode()
    assert provider.stats["tts_calls"] == 2


def test_deleting_a_team_does_not_reset_its_members_hourly_cap(owner, provider, settings):
    settings.TTS_PER_MEMBER_PER_HOUR = 1
    first = Team.objects.create_with_owner("First", owner)
    client_in(first, owner).post("/voices/preview/", with_script(SCRIPT))
    delete_team(first, owner)
    second = Team.objects.create_with_owner("Second", owner)
    response = client_in(second, owner).post("/voices/preview/", with_script(SCRIPT))
    assert "You have made 1 speech in the last hour" in response.content.decode()
    assert provider.stats["tts_calls"] == 1


def test_a_team_has_its_own_hourly_cap_across_members(team, owner, member, provider, settings):
    settings.TTS_PER_TEAM_PER_HOUR = 2
    client_in(team, owner).post("/voices/preview/", with_script(SCRIPT))
    client_in(team, member).post("/voices/preview/", with_script(SCRIPT + " Again."))
    response = client_in(team, member).post("/voices/preview/", with_script(SCRIPT + " More."))
    assert "Your team has made 2 speeches in the last hour" in response.content.decode()
    assert SpeechCall.objects.by_team(team).count() == 2


def test_a_script_spoken_before_a_limit_refused_the_video_is_reused_on_the_next_try(
    team, member, provider
):
    team.monthly_limit_seconds = 1
    team.save()
    client = client_in(team, member)
    refused = create(client, **with_script())
    assert "monthly limit" in refused.content.decode()
    voice = Voice.objects.get()
    assert f'name="script_voice" value="{voice.pk}"' in refused.content.decode()
    team.monthly_limit_seconds = None
    team.save()
    create(client, **with_script(script_voice=str(voice.pk)))
    assert Voice.objects.count() == 1
    assert provider.stats["speeches_made"] == 1
    assert Generation.objects.get().voice == voice


@pytest.mark.parametrize(
    ("text", "most"),
    [
        ("Hello there. " * 200, 1000),
        ("word " * 700, 1000),
        ("你好，欢迎来到我们的工作室。" * 100, 1000),
        ("One. Two! Three? Four…\n\nFive.", 8),
    ],
    ids=["sentences", "one endless sentence", "chinese", "short limit"],
)
def test_a_script_is_cut_at_sentence_ends_into_pieces_tts_takes(text, most):
    pieces = script_pieces(text, most)
    assert "".join(pieces) == text  # nothing lost, nothing added
    assert all(len(piece) <= most for piece in pieces)
    if "." in text or "。" in text:
        assert all(piece.rstrip()[-1] in ".!?…。" for piece in pieces)
