"""A member types a script far longer than one video takes and gets one long video: the
speech made in pieces, the video in parts, one status card, one clip that plays it all."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation
from tests.browser.helpers import wait_until
from tests.browser.test_generate_flow import sign_in, worker  # noqa: F401 (a fixture)
from tests.browser.test_voice_flow import choose_photo, generate_and_wait
from tests.media_factory import speech_bytes

SENTENCE = "Part of our welcome tour explains one more feature of the studio, slowly and clearly."


def test_a_member_types_a_long_script_and_one_card_reaches_a_clip_that_plays_it_all(
    page: Page,
    owner,
    worker,  # noqa: F811
):
    script = " ".join([SENTENCE] * 30)[:2500]
    assert len(script) == 2500
    sign_in(page, owner)
    choose_photo(page)
    page.get_by_role("radio", name="Script").check()
    page.get_by_label("What the avatar says").fill(script)
    expect(page.locator("[data-script-count]")).to_have_text("2500")
    page.get_by_role("button", name="Preview voice").click()
    expect(page.locator("#script-preview")).to_contain_text("Speech length:")
    parts = page.locator("#script-preview [data-voice-parts]")
    expect(parts).to_contain_text("This will be made in")
    expect(page.locator("[data-estimate]")).to_contain_text("parts")

    generate_and_wait(page)
    video = Generation.objects.get(parent=None)
    assert video.parts_planned >= 3
    card = page.locator(".status-card")
    expect(card).to_contain_text(f"Made in {video.parts_planned} parts, joined into one video.")
    player = card.locator("video")
    wait_until(page, "document.querySelector('.status-card video').readyState >= 1")
    seconds = player.evaluate("video => video.duration")
    assert abs(seconds - video.audio_seconds) <= 0.1
    assert Clip.objects.count() == 1


def test_a_member_chooses_a_voice_over_a_minute_and_makes_it_a_long_video(
    page: Page,
    owner,
    worker,  # noqa: F811
):
    sign_in(page, owner)
    choose_photo(page)
    page.get_by_label("Audio file").set_input_files(
        {"name": "talk.mp3", "mimeType": "audio/mpeg", "buffer": speech_bytes(130.0, "mp3")}
    )
    voice = page.locator("#voice-check")
    expect(voice).to_contain_text("Make it a long video (in 3 parts, joined into one)")
    page.get_by_label("Make a long video in 3 parts").check()
    expect(voice).to_contain_text("This will be made in 3 parts, joined into one video.")
    expect(page.get_by_label("Listen to the voice as it will be sent")).to_be_visible()
    expect(page.locator("[data-estimate]")).to_contain_text("made in 3 parts")

    generate_and_wait(page)
    video = Generation.objects.get(parent=None)
    assert video.parts_planned == 3
    assert abs(video.clip.duration - video.audio_seconds) <= 0.1
