"""A member without an audio file makes a video: from a typed script (previewed first), or
from a recording made in the browser with Chromium's fake microphone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from avatarstudio.studio.models import Generation, VoiceKind
from tests.browser.helpers import confirm_consent, eventually, wait_until
from tests.browser.test_generate_flow import sign_in, worker  # noqa: F401 (a fixture)
from tests.media_factory import photo_bytes

SCRIPT = "Hello and welcome! Today we show you three quick tips for better videos."


def choose_photo(page: Page) -> None:
    page.goto("/create/")
    page.get_by_label("Face photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(600, 800)}
    )


def generate_and_wait(page: Page) -> None:
    confirm_consent(page)
    page.get_by_role("button", name="Generate video").click()
    expect(page).to_have_url(re.compile(r"/generations/[0-9a-f-]+/$"))
    card = page.locator(".status-card")
    eventually(page, lambda: expect(card).to_have_attribute("data-status", "ready", timeout=1_000))
    expect(page.get_by_role("heading", name="Your video is ready")).to_be_visible()


def test_a_member_types_a_script_previews_it_and_makes_the_video(page: Page, owner, worker):  # noqa: F811
    sign_in(page, owner)
    choose_photo(page)
    page.get_by_role("radio", name="Script").check()
    expect(page.get_by_label("Audio file")).to_be_hidden()
    page.get_by_label("What the avatar says").fill(SCRIPT)
    expect(page.locator("[data-script-count]")).to_have_text(str(len(SCRIPT)))
    page.get_by_label("Speaker").select_option(label="Lore · Calm storyteller")
    page.get_by_label("Speed").fill("1.2")
    expect(page.locator("[data-speed-value]")).to_have_text("1.2×")

    page.get_by_role("button", name="Preview voice").click()
    speech = page.get_by_label("Listen to the speech")
    expect(speech).to_be_visible()
    wait_until(page, "document.querySelector('[data-script-audio]').readyState >= 1")
    expect(page.locator("#script-preview")).to_contain_text("Speech length:")
    expect(page.locator("[data-estimate]")).to_contain_text("Estimated cost: about")

    generate_and_wait(page)
    generation = Generation.objects.get()
    assert generation.voice.kind == VoiceKind.SCRIPT
    assert generation.voice.tts_voice_id == "calm_story1" and generation.voice.speed == 1.2
    assert generation.audio_id == generation.voice.audio_id

    # The same voice again, for a second video, without typing the script again.
    choose_photo(page)
    page.get_by_role("radio", name="Recent").check()
    page.get_by_role("radio", name=re.compile("Lore: “Hello and welcome")).check()
    expect(page.locator("[data-estimate]")).to_contain_text("Estimated cost: about")
    generate_and_wait(page)
    assert Generation.objects.filter(voice=generation.voice).count() == 2


def test_a_member_records_a_voice_listens_and_makes_the_video(page: Page, owner, worker):  # noqa: F811
    sign_in(page, owner)
    choose_photo(page)
    page.get_by_role("radio", name="Record").check()
    page.get_by_role("button", name="● Record").click()
    expect(page.get_by_role("button", name="■ Stop")).to_be_visible()
    # Three seconds of sound at least, however busy the machine is.
    wait_until(page, "document.querySelector('[data-record-timer]').textContent >= '0:03'")
    page.get_by_role("button", name="■ Stop").click()

    expect(page.get_by_label("Listen to your recording")).to_be_visible()
    expect(page.locator("[data-record-note]")).to_contain_text(re.compile(r"Recorded [3-9]\.\d s"))
    expect(page.get_by_role("button", name="● Record again")).to_be_visible()
    expect(page.get_by_role("button", name="■ Stop")).to_be_hidden()
    assert page.locator("[data-recording-input]").evaluate("input => input.files.length") == 1
    sent = page.locator("#voice-check [data-voice-seconds]")
    expect(sent).to_have_count(1)
    shown = float(sent.get_attribute("data-voice-seconds"))

    generate_and_wait(page)
    generation = Generation.objects.get()
    assert generation.voice.kind == VoiceKind.RECORDING
    assert generation.audio.name.endswith(".m4a")
    # Three seconds or more were recorded; the fake microphone beeps, so where the recording
    # starts decides how much silence the repair trims from its ends. What is sent is what
    # the page said would be.
    assert generation.audio_seconds == pytest.approx(shown, abs=0.01)
    assert 2.0 <= generation.audio_seconds <= 4.5
