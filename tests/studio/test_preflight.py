"""The create page repairs what it can instead of refusing it, sends the repaired input, and
keeps the original beside it with what was changed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from avatarstudio.studio.models import Generation
from tests.helpers import client_in
from tests.media_factory import speech_bytes, video_bytes
from tests.studio.test_voices import create

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_an_ogg_voice_is_converted_and_sent_as_m4a_with_the_original_kept(team, member, provider):
    original = speech_bytes(4.0, "ogg")
    response = create(client_in(team, member), audio=upload("hello.ogg", original))
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert generation.audio.name.endswith("voice.m4a")
    assert generation.audio_original.open("rb").read() == original
    assert generation.repairs_of("voice") == ["Converted the OGG file to M4A."]
    assert generation.audio_seconds == pytest.approx(4.0, abs=0.3)


def test_the_sound_of_a_phone_video_is_taken(team, member, provider):
    response = create(client_in(team, member), audio=upload("clip.mp4", video_bytes(4.0)))
    assert response.status_code == 302
    repairs = Generation.objects.get().repairs_of("voice")
    assert "Took the sound from the video." in " ".join(repairs)


def test_leading_silence_is_trimmed_and_the_estimate_counts_what_is_sent(team, member, provider):
    voice = speech_bytes(4.0, "wav", silence_before=3.0)
    create(client_in(team, member), audio=upload("voice.wav", voice))
    generation = Generation.objects.get()
    assert generation.audio_seconds == pytest.approx(4.3, abs=0.4)
    assert any("silence" in sentence for sentence in generation.repairs_of("voice"))


def test_a_voice_over_a_minute_is_offered_its_first_60_seconds(team, member, provider):
    client = client_in(team, member)
    long = speech_bytes(70.0, "mp3")
    page = create(client, audio=upload("talk.mp3", long)).content.decode()
    assert "Use the first 60 s" in page
    assert not Generation.objects.exists()
    create(client, audio=upload("talk.mp3", long), use_first_seconds="on")
    assert Generation.objects.get().audio_seconds == pytest.approx(60.0, abs=0.1)


def test_a_valid_voice_is_sent_as_it_came(team, member, provider):
    voice = speech_bytes(4.0, "mp3")
    create(client_in(team, member), audio=upload("voice.mp3", voice))
    generation = Generation.objects.get()
    assert generation.audio.open("rb").read() == voice
    assert not generation.audio_original and generation.repairs == []


def test_the_original_can_be_sent_when_it_is_valid(team, member, provider):
    quiet = speech_bytes(4.0, "wav", lufs=-40.0)
    create(client_in(team, member), audio=upload("quiet.wav", quiet), use_original_voice="on")
    generation = Generation.objects.get()
    assert generation.audio.open("rb").read() == quiet
    assert generation.repairs == []


def check(client, **files):
    return client.post("/create/check/voice/", files).content.decode()


def test_the_early_check_shows_the_voice_as_it_will_be_sent_and_what_was_changed(team, member):
    page = check(client_in(team, member), audio=upload("hello.ogg", speech_bytes(4.0, "ogg")))
    assert "The voice as it will be sent" in page
    assert 'src="data:audio/mp4;base64,' in page
    assert "<li>Converted the OGG file to M4A.</li>" in page
    assert not Generation.objects.exists()


def test_the_early_check_of_a_long_voice_offers_its_first_60_seconds_and_keeps_the_choice(
    team, member
):
    client = client_in(team, member)
    long = speech_bytes(70.0, "mp3")
    page = check(client, audio=upload("talk.mp3", long))
    assert "Use the first 60 s" in page and "checked" not in page
    page = check(client, audio=upload("talk.mp3", long), use_first_seconds="on")
    assert 'data-voice-seconds="60.00"' in page
    assert 'name="use_first_seconds" value="on" checked' in page


def test_the_early_check_and_the_submit_say_the_same_of_a_short_recording(team, member):
    from tests.media_factory import recording_bytes

    client = client_in(team, member)
    recording = recording_bytes(1.0)
    early = check(client, recording=upload("recording.webm", recording))
    submitted = create(
        client, voice_source="record", recording=upload("recording.webm", recording)
    ).content.decode()
    message = "This recording has only 1.0 s of voice; Kling needs at least 2 seconds."
    assert message in early
    assert submitted.count(message) == 1


def test_the_clip_page_says_what_was_repaired_before_sending(team, member, provider):
    from tests.studio.helpers import drive

    client = client_in(team, member)
    create(client, audio=upload("hello.ogg", speech_bytes(4.0, "ogg")))
    generation = Generation.objects.get()
    drive(generation)
    page = client.get(f"/library/{generation.clip.pk}/").content.decode()
    assert "Fixed before sending" in page
    assert "<li>Converted the OGG file to M4A.</li>" in page


def photo(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_photo_under_300_px_is_enlarged_with_a_warning_instead_of_refused(team, member):
    from tests.media_factory import photo_bytes

    response = create(
        client_in(team, member),
        photo=photo("small.jpg", photo_bytes(240, 320)),
        audio=upload("voice.mp3", speech_bytes(4.0, "mp3")),
    )
    assert response.status_code == 302
    generation = Generation.objects.get()
    assert any("Enlarged the photo" in sentence for sentence in generation.repairs_of("photo"))
    assert generation.photo_original.open("rb").read() == photo_bytes(240, 320)


def submit_photo(client, content: bytes, name: str = "face.jpg", **choices):
    return create(
        client,
        photo=photo(name, content),
        audio=upload("voice.mp3", speech_bytes(4.0, "mp3")),
        **choices,
    )


def test_an_iphone_heic_photo_is_sent_as_an_upright_jpeg(team, member, provider):
    from tests.media_factory import portrait_heic_bytes

    original = portrait_heic_bytes(600, 800, exif_orientation=6)
    assert submit_photo(client_in(team, member), original, "IMG_0001.HEIC").status_code == 302
    generation = Generation.objects.get()
    assert generation.photo.name.endswith("photo.jpg")
    with generation.photo.open("rb") as sent:
        assert Image.open(sent).size == (600, 800)
    assert generation.repairs_of("photo") == ["Converted the HEIC photo to JPEG."]


def test_with_two_faces_the_one_chosen_is_kept_and_the_photo_cropped_around_it(
    team, member, provider
):
    from tests.media_factory import encoded, portraits_side_by_side

    two = encoded(portraits_side_by_side(2).image, "JPEG")
    client = client_in(team, member)
    page = client.post("/create/check/photo/", {"photo": photo("two.jpg", two)}).content
    assert b"Which face should speak?" in page and b"Face 2" in page
    submit_photo(client, two, face="1")
    generation = Generation.objects.get()
    assert "Cropped the photo around the face." in generation.repairs_of("photo")
    with generation.photo.open("rb") as sent:
        assert Image.open(sent).width < 1024


@pytest.mark.parametrize(
    ("fit", "sentence"),
    [
        ("crop", "Cropped the photo to 1:2.5 around the face."),
        ("pad", "Padded the photo to 1:2.5 with the colours of its edges."),
    ],
)
def test_a_banner_is_cropped_or_padded_as_the_person_chooses(team, member, provider, fit, sentence):
    from tests.media_factory import encoded, portrait_picture

    banner = encoded(portrait_picture(300, 900), "JPEG")
    submit_photo(client_in(team, member), banner, photo_fit=fit)
    assert Generation.objects.get().repairs_of("photo") == [sentence]


def test_a_photo_with_no_face_is_sent_only_when_the_person_says_so(team, member, provider):
    from tests.media_factory import no_face_photo_bytes

    client = client_in(team, member)
    cup = no_face_photo_bytes()
    refused = submit_photo(client, cup).content.decode()
    assert refused.count("We could not find a face in this photo") == 1
    assert "Send it anyway" in refused
    assert not Generation.objects.exists()
    assert submit_photo(client, cup, send_without_face="on").status_code == 302


def test_a_photo_kling_takes_as_it_is_can_be_sent_without_its_repair(team, member, provider):
    from tests.media_factory import encoded, portrait_picture

    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side, as phones do: valid, but turned upright on sending
    on_its_side = portrait_picture(600, 800).transpose(Image.Transpose.ROTATE_90)
    turned = encoded(on_its_side, "JPEG", exif=exif)
    submit_photo(client_in(team, member), turned, use_original_photo="on")
    generation = Generation.objects.get()
    assert generation.photo.open("rb").read() == turned
    assert generation.repairs == []


def test_a_voice_over_a_minute_can_be_made_a_long_video_of_the_whole_voice(team, member, provider):
    client = client_in(team, member)
    long = speech_bytes(130.0, "mp3")
    page = create(client, audio=upload("talk.mp3", long)).content.decode()
    assert "Make it a long video (in 3 parts, joined into one)" in page
    assert "Make a long video in 3 parts" in page
    assert not Generation.objects.exists()
    create(client, audio=upload("talk.mp3", long), make_long_video="on")
    video = Generation.objects.get()
    assert video.audio_seconds == pytest.approx(130.0, abs=0.3)
    assert video.parts_planned == 3
    assert video.ledger_entry.reserved_seconds == pytest.approx(video.audio_seconds)


def test_the_early_check_says_how_many_parts_a_long_video_is_made_in(team, member):
    client = client_in(team, member)
    long = speech_bytes(130.0, "mp3")
    page = check(client, audio=upload("talk.mp3", long), make_long_video="on")
    assert 'data-voice-seconds="130.' in page
    assert "This will be made in 3 parts, joined into one video." in page
    assert 'name="make_long_video" value="on" checked' in page


def test_a_voice_over_ten_minutes_is_not_offered_a_long_video(team, member, settings):
    settings.LONG_VIDEO_MAX_SECONDS = 100.0
    page = check(client_in(team, member), audio=upload("talk.mp3", speech_bytes(130.0, "mp3")))
    assert "Use the first 60 s" in page
    assert "long video" not in page
