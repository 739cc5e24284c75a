"""An admin saves an avatar with its consent, makes five videos of it from a spreadsheet,
watches the batch reach ready, approves two of the clips and shares one."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from avatarstudio.accounts.models import Team
from tests.avatars.helpers import make_avatar
from tests.browser.helpers import eventually
from tests.browser.test_generate_flow import sign_in, worker  # noqa: F401 (a fixture)
from tests.media_factory import photo_bytes

ROWS = "title,script,avatar\n" + "".join(
    f'Week {n},"Hello everyone, and welcome to the news of week {n}.",Ana\n' for n in range(1, 6)
)


def approve(page: Page, title: str) -> None:
    page.get_by_role("link", name=title).click()
    expect(page.locator(".review-state")).to_have_text("In review")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".review-state")).to_have_text("Approved")


def test_a_batch_from_a_saved_avatar_is_made_reviewed_and_shared(
    page: Page,
    owner,
    worker,  # noqa: F811
    settings,
):
    team = Team.objects.personal_for(owner)  # where the owner works once signed in
    team.clips_need_approval = True
    team.save()
    settings.BATCH_ROWS_AT_ONCE = 5
    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Avatars").click()
    page.get_by_role("link", name="Save your first avatar").click()
    page.get_by_label("Name").fill("Ana")
    page.get_by_label("Face photo").set_input_files(
        {"name": "ana.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(600, 800)}
    )
    page.get_by_label("I am the person in this photo").check()
    page.get_by_role("button", name="Save avatar").click()
    expect(page.get_by_role("heading", name="Ana", exact=True)).to_be_visible()
    expect(page.get_by_text("“I am the person in this photo”")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Batches").click()
    page.get_by_role("link", name="New batch").first.click()
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "weekly.csv", "mimeType": "text/csv", "buffer": ROWS.encode()}
    )
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_role("heading", name="Preview: nothing has been sent yet")).to_be_visible()
    expect(page.locator(".batch-rows tbody tr")).to_have_count(5)
    page.get_by_role("button", name="Make 5 videos").click()

    progress = page.locator("#batch-progress")
    eventually(
        page,
        lambda: expect(progress.get_by_role("heading")).to_have_text(
            "Done: 5 of 5 ready", timeout=1_000
        ),
    )
    expect(progress.get_by_role("link", name="Download all (5)")).to_be_visible()
    batch_url = page.url

    approve(page, "Week 1")
    page.goto(batch_url)
    approve(page, "Week 2")
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_label("Share link").first.input_value()
    assert re.search(r"/s/[\w-]+/$", link)

    page.goto(batch_url)
    page.get_by_role("link", name="Week 3").click()
    expect(page.get_by_text("Share links open once the clip is approved.")).to_be_visible()

    page.goto(link)
    expect(page.locator("video")).to_be_visible()


def test_a_member_makes_a_video_of_a_saved_avatar_from_a_script(
    page: Page,
    owner,
    worker,  # noqa: F811
):
    make_avatar(Team.objects.personal_for(owner), owner, "Max", prompt="Nod now and then")
    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Avatars").click()
    page.get_by_role("link", name="Make a video").click()
    expect(page.get_by_alt_text("Portrait of Max")).to_be_visible()
    expect(page.get_by_label("Prompt")).to_have_value("Nod now and then")
    expect(page.locator('[data-voice-panel="upload"]')).to_be_hidden()  # the avatar speaks
    page.get_by_label("What the avatar says").fill("Hello! Here is what is new this week at Acme.")
    page.get_by_role("button", name="Generate video").click()
    card = page.locator(".status-card")
    eventually(page, lambda: expect(card).to_have_attribute("data-status", "ready", timeout=1_000))
    page.get_by_role("link", name="Open in library").click()
    expect(page.locator("#clip-consent")).to_contain_text("I am the person in this photo")
    expect(page.get_by_role("link", name="Max")).to_be_visible()
