"""A member creates a video from a photo and a voice, watches it finish live, and plays it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from avatarstudio.studio.pipeline.inprocess import start_worker, stop_worker
from tests.browser.helpers import confirm_consent, eventually, wait_until
from tests.media_factory import no_face_photo_bytes, photo_bytes, voice_bytes


@pytest.fixture
def worker(provider):
    """One task worker in a thread, as `make run` has one beside the web server."""
    worker = start_worker(interval=0.1, worker_id="browser-test")
    yield worker
    stop_worker(worker)


def sign_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_member_generates_a_video_and_plays_it_from_the_library(page: Page, owner, worker):
    sign_in(page, owner)
    page.get_by_role("link", name="Create your first video").click()
    expect(page.get_by_role("heading", name="Create a talking video")).to_be_visible()

    page.get_by_label("Face photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(600, 800)}
    )
    expect(page.get_by_alt_text("Preview of the chosen photo")).to_be_visible()
    check = page.locator("#photo-check")
    expect(check).to_contain_text("The photo as it will be sent: 600 × 800 px")
    expect(check.locator("[data-face-box]")).to_have_count(1)
    page.get_by_label("Audio file").set_input_files(
        {"name": "hello.wav", "mimeType": "audio/wav", "buffer": voice_bytes(3.0, "wav")}
    )
    expect(page.locator("#voice-check")).to_contain_text("The voice as it will be sent: 3.0 s")
    expect(page.locator("[data-estimate]")).to_contain_text("Estimated cost: about 1.2 Kling units")
    page.get_by_label("Prompt").fill("Smile and greet the viewers")
    expect(page.locator("[data-prompt-count]")).to_have_text("27")
    page.evaluate("window.stayedOnPage = true")
    confirm_consent(page)
    page.get_by_role("button", name="Generate video").click()

    expect(page).to_have_url(re.compile(r"/generations/[0-9a-f-]+/$"))
    page.evaluate("window.stayedOnPage = true")
    card = page.locator(".status-card")
    eventually(page, lambda: expect(card).to_have_attribute("data-status", "ready", timeout=1_000))
    assert page.evaluate("window.stayedOnPage") is True  # updated by htmx, never reloaded
    expect(page.get_by_role("heading", name="Your video is ready")).to_be_visible()
    expect(card.get_by_role("link", name="Open in library")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    page.get_by_role("link", name="Smile and greet the viewers").click()
    video = page.locator("video.clip-player")
    expect(video).to_be_visible()
    page.evaluate("document.querySelector('video.clip-player').muted = true")
    page.evaluate("document.querySelector('video.clip-player').play()")
    wait_until(page, "document.querySelector('video.clip-player').currentTime > 0.5")
    assert page.evaluate("document.querySelector('video.clip-player').videoWidth") == 720


def test_a_photo_without_a_face_is_sent_only_once_the_person_says_so(page: Page, owner, worker):
    sign_in(page, owner)
    page.goto("/create/")
    page.get_by_label("Face photo").set_input_files(
        {"name": "cup.jpg", "mimeType": "image/jpeg", "buffer": no_face_photo_bytes()}
    )
    expect(page.locator("#photo-check")).to_contain_text("We could not find a face in this photo")
    page.get_by_label("Audio file").set_input_files(
        {"name": "hello.wav", "mimeType": "audio/wav", "buffer": voice_bytes(3.0, "wav")}
    )
    confirm_consent(page)
    page.get_by_role("button", name="Generate video").click()
    expect(page.locator("#error-photo")).to_contain_text("We could not find a face in this photo")
    assert page.get_by_label("Audio file").evaluate("input => input.files.length") == 1
    page.get_by_label("Send it anyway: the photo shows a drawn or an animal face").check()
    confirm_consent(page)
    page.get_by_role("button", name="Generate video").click()
    expect(page).to_have_url(re.compile(r"/generations/[0-9a-f-]+/$"))
