"""A person chooses what their phone made, a turned HEIC photo and an OGG voice note: the page
shows each as it will be sent, with the face marked and every repair in a sentence, and the
video made from them reaches the library."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import confirm_consent, eventually
from tests.browser.test_generate_flow import sign_in, worker  # noqa: F401  (a fixture)
from tests.media_factory import portrait_heic_bytes, speech_bytes


@pytest.mark.usefixtures("worker")
def test_a_turned_heic_and_an_ogg_are_repaired_shown_and_made_into_a_video(page: Page, owner):
    sign_in(page, owner)
    page.goto("/create/")
    page.get_by_label("Face photo").set_input_files(
        {
            "name": "IMG_0042.HEIC",
            "mimeType": "image/heic",
            "buffer": portrait_heic_bytes(600, 800, exif_orientation=6),
        }
    )
    photo = page.locator("#photo-check")
    expect(photo).to_contain_text("The photo as it will be sent: 600 × 800 px")
    expect(photo.get_by_role("listitem")).to_have_text(["Converted the HEIC photo to JPEG."])
    expect(photo.locator("[data-face-box]")).to_have_count(1)

    page.get_by_label("Audio file").set_input_files(
        {"name": "voice-note.ogg", "mimeType": "audio/ogg", "buffer": speech_bytes(4.0, "ogg")}
    )
    voice = page.locator("#voice-check")
    expect(voice).to_contain_text("The voice as it will be sent")
    expect(voice.get_by_role("listitem")).to_have_text(["Converted the OGG file to M4A."])
    expect(page.get_by_label("Listen to the voice as it will be sent")).to_be_visible()
    expect(page.locator("[data-estimate]")).to_contain_text("Estimated cost: about 1.6 Kling units")

    confirm_consent(page)

    page.get_by_role("button", name="Generate video").click()
    expect(page).to_have_url(re.compile(r"/generations/[0-9a-f-]+/$"))
    card = page.locator(".status-card")
    eventually(page, lambda: expect(card).to_have_attribute("data-status", "ready", timeout=1_000))
    card.get_by_role("link", name="Open in library").click()
    repairs = page.locator(".clip-inputs .repairs")
    expect(repairs).to_contain_text("Converted the HEIC photo to JPEG.")
    expect(repairs).to_contain_text("Converted the OGG file to M4A.")
