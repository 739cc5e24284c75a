"""A member creates a video from a photo and a voice, watches it finish live, and plays it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from avatarstudio.studio.pipeline.inprocess import start_worker
from tests.browser.helpers import eventually, wait_until
from tests.media_factory import photo_bytes, voice_bytes


@pytest.fixture
def worker(provider):
    """One task worker in a thread, as `make run` has one beside the web server."""
    worker = start_worker(interval=0.1, worker_id="browser-test")
    yield worker
    worker.running = False


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
    expect(page.locator("[data-photo-note]")).to_contain_text("Looks good: 600 × 800 px")
    page.get_by_label("Audio file").set_input_files(
        {"name": "hello.wav", "mimeType": "audio/wav", "buffer": voice_bytes(3.0, "wav")}
    )
    expect(page.locator("[data-estimate]")).to_contain_text("Estimated cost: about 1.2 Kling units")
    page.get_by_label("Prompt").fill("Smile and greet the viewers")
    expect(page.locator("[data-prompt-count]")).to_have_text("27")
    page.evaluate("window.stayedOnPage = true")
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


def test_a_bad_photo_is_explained_without_losing_the_chosen_voice(page: Page, owner, worker):
    sign_in(page, owner)
    page.goto("/create/")
    page.get_by_label("Face photo").set_input_files(
        {"name": "tiny.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(240, 320)}
    )
    expect(page.locator("[data-photo-note]")).to_contain_text("Kling needs at least 300 px")
    page.get_by_label("Audio file").set_input_files(
        {"name": "hello.wav", "mimeType": "audio/wav", "buffer": voice_bytes(3.0, "wav")}
    )
    page.get_by_role("button", name="Generate video").click()
    expect(page.locator("#error-photo")).to_contain_text(
        "This photo is 240 × 320 px; Kling needs at least 300 px on each side. Use a larger photo."
    )
    assert page.get_by_label("Audio file").evaluate("input => input.files.length") == 1
