"""A member saves a finished video's face as an avatar, pins a review comment to a moment of
the clip and jumps back to it; the owner then withdraws the face's consent."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Team
from tests.browser.helpers import confirm_consent, eventually, wait_until
from tests.browser.test_generate_flow import sign_in, worker  # noqa: F401 (a fixture)
from tests.media_factory import photo_bytes, voice_bytes


def test_a_face_is_saved_as_an_avatar_reviewed_and_its_consent_withdrawn(
    page: Page,
    owner,
    worker,  # noqa: F811
):
    team = Team.objects.personal_for(owner)
    team.clips_need_approval = True
    team.save()
    sign_in(page, owner)
    page.goto("/create/")
    page.get_by_label("Face photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(600, 800)}
    )
    page.get_by_label("Audio file").set_input_files(
        {"name": "hello.wav", "mimeType": "audio/wav", "buffer": voice_bytes(3.0, "wav")}
    )
    expect(page.locator("#voice-check")).to_contain_text("The voice as it will be sent")
    page.get_by_label("Prompt").fill("Greet the new starters")
    confirm_consent(page)
    page.get_by_role("button", name="Generate video").click()
    card = page.locator(".status-card")
    eventually(page, lambda: expect(card).to_have_attribute("data-status", "ready", timeout=1_000))

    page.get_by_role("link", name="Open in library").click()
    expect(page.locator(".review-state")).to_have_text("In review")
    page.evaluate("document.querySelector('video.clip-player').currentTime = 1.5")
    page.get_by_label("Comment").fill("Smile a little more here")
    page.get_by_label("Pin to the current moment").check()
    page.get_by_role("button", name="Add comment").click()
    moment = page.get_by_role("link", name=re.compile(r"Go to 0:01 in the video"))
    expect(moment).to_be_visible()
    page.evaluate("document.querySelector('video.clip-player').currentTime = 0")
    moment.click()
    wait_until(
        page, "Math.abs(document.querySelector('video.clip-player').currentTime - 1.5) < 0.2"
    )

    page.get_by_role("link", name="Save as avatar").click()
    page.get_by_label("Name").fill("Welcome host")
    page.get_by_role("button", name="Save avatar").click()
    expect(page.get_by_role("heading", name="Welcome host", exact=True)).to_be_visible()

    page.get_by_role("link", name="“I am the person in this photo”").click()
    page.get_by_label("Why (kept in the audit log)").fill("She asked us to stop")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_text("No new videos can be made from this face.").first).to_be_visible()
    page.goto("/avatars/")
    expect(page.get_by_text("Consent withdrawn")).to_be_visible()
    expect(page.get_by_role("link", name="Make a video")).to_have_count(0)
