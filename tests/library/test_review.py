"""Review before a clip leaves the team: who comments and who decides, what waits for approval
(share links, viewers' downloads), pinned comments, the gallery filter and the audit log."""

from __future__ import annotations

import re

import pytest

from avatarstudio.accounts.models import AuditAction, AuditEvent, Role
from avatarstudio.library.models import Clip, NoteKind, Review, ReviewNote, ShareLink
from tests.helpers import client_for, client_in, join
from tests.library.helpers import make_clip
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def reviewer(team):
    return join(team, Role.REVIEWER)


@pytest.fixture
def clip(team, member):
    """The member's clip, made while the team asks for approval."""
    team.clips_need_approval = True
    team.save()
    return make_clip(team, member, "Launch greeting", duration=30, review_state=Review.IN_REVIEW)


def state_of(clip) -> str:
    clip.refresh_from_db()
    return clip.review_state


def page_of(client, clip) -> str:
    return client.get(clip.get_absolute_url()).content.decode()


def decide(client, clip, decision: str, text: str = "", htmx: bool = False, follow: bool = False):
    data = {"decision": decision, "text": text}
    headers = HTMX if htmx else {}
    return client.post(f"/library/{clip.pk}/review/", data, headers=headers, follow=follow)


# Who decides.


def test_a_reviewer_approves_a_clip(team, reviewer, clip):
    response = decide(client_in(team, reviewer), clip, "approved", "Ship it")
    assert response.status_code == 302
    assert response["Location"] == f"{clip.get_absolute_url()}#review"
    assert state_of(clip) == Review.APPROVED
    note = clip.notes.get()
    assert (note.kind, note.text, note.author_email) == ("approved", "Ship it", reviewer.email)


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_and_the_owner_approve_clips_too(request, team, clip, role):
    user = request.getfixturevalue(role)
    decide(client_in(team, user), clip, "approved")
    assert state_of(clip) == Review.APPROVED


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_a_viewer_or_a_member_cannot_approve_a_clip(request, team, clip, role):
    client = client_in(team, request.getfixturevalue(role))
    assert decide(client, clip, "approved").status_code == 404
    assert decide(client, clip, "changes", "Redo it").status_code == 404
    assert state_of(clip) == Review.IN_REVIEW
    assert not ReviewNote.objects.exists()


def test_the_maker_cannot_approve_their_own_clip_as_a_member(team, member, clip):
    assert decide(client_in(team, member), clip, "approved").status_code == 404
    assert "Approve</button>" not in page_of(client_in(team, member), clip)


def test_an_outsider_finds_no_clip_to_review(outsider, clip):
    client = client_for(outsider)
    assert decide(client, clip, "approved").status_code == 404
    assert client.post(f"/library/{clip.pk}/comments/", {"text": "Hi"}).status_code == 404
    assert client.post(f"/library/{clip.pk}/review-again/").status_code == 404
    assert state_of(clip) == Review.IN_REVIEW


def test_asking_for_changes_needs_a_comment(team, reviewer, clip):
    response = decide(client_in(team, reviewer), clip, "changes", "   ", htmx=True)
    assert "Say what should change, so the maker knows what to do." in response.content.decode()
    assert state_of(clip) == Review.IN_REVIEW
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGES_REQUESTED).exists()


def test_without_javascript_a_refused_decision_comes_back_as_a_message(team, reviewer, clip):
    response = decide(client_in(team, reviewer), clip, "changes", follow=True)
    assert "Say what should change" in response.content.decode()
    assert state_of(clip) == Review.IN_REVIEW


def test_asking_for_changes_shows_the_maker_what_to_change(team, reviewer, member, clip):
    decide(client_in(team, reviewer), clip, "changes", "Smile at 0:05, please")
    assert state_of(clip) == Review.CHANGES_REQUESTED
    page = page_of(client_in(team, member), clip)
    assert "Changes requested" in page
    assert "reviewer@example.com" in page and "asked for changes" in page
    assert "Smile at 0:05, please" in page
    assert "Send for review again</button>" in page


def test_deciding_in_place_answers_with_the_panel_and_the_share_section(team, admin, clip):
    response = decide(client_in(team, admin), clip, "approved", htmx=True)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card review-panel" id="review"')
    assert "Approved" in html
    # The share section comes along out of band: approval opened it.
    assert 'id="sharing" aria-labelledby="sharing-title" hx-swap-oob="true"' in html
    assert "Create share link" in html
    assert "Approved." in response["HX-Trigger"]


def test_a_clip_in_the_trash_is_not_reviewed(team, reviewer, clip):
    clip.move_to_trash()
    response = decide(client_in(team, reviewer), clip, "approved", htmx=True)
    assert "Restore the clip from the trash" in response.content.decode()
    assert state_of(clip) == Review.IN_REVIEW


def test_the_buttons_follow_the_state_and_the_role(team, reviewer, viewer, member, clip):
    page = page_of(client_in(team, reviewer), clip)
    assert "Approve</button>" in page and "Request changes</button>" in page
    assert "Send for review again" not in page
    clip.decide(reviewer.memberships.get(team=team), Review.APPROVED)
    page = page_of(client_in(team, reviewer), clip)
    assert "Approve</button>" not in page and "Request changes</button>" in page
    viewers_page = page_of(client_in(team, viewer), clip)
    assert "Add comment" not in viewers_page and "Viewers read the comments" in viewers_page


# Comments, pinned or not.


def test_a_member_comments_on_a_clip(team, member, clip):
    response = client_in(team, member).post(
        f"/library/{clip.pk}/comments/", {"text": "  Lovely pacing.  "}, follow=True
    )
    note = clip.notes.get()
    assert (note.kind, note.text, note.at_seconds) == (NoteKind.COMMENT, "Lovely pacing.", None)
    assert "Comment added." in response.content.decode()
    assert state_of(clip) == Review.IN_REVIEW  # a comment is not a decision


def test_a_pinned_comment_keeps_its_moment_and_links_to_it(team, member, clip):
    response = client_in(team, member).post(
        f"/library/{clip.pk}/comments/",
        {"text": "Blink here", "pin": "on", "at_seconds": "12.48"},
        headers=HTMX,
    )
    assert clip.notes.get().at_seconds == 12.48
    html = response.content.decode()
    assert re.search(r'<a class="note-moment" href="[^"]+#t=12\.5"\s+data-seek="12\.480"', html)
    assert ">0:12</a>" in html


def test_a_comment_is_pinned_only_when_asked(team, member, clip):
    client = client_in(team, member)
    client.post(f"/library/{clip.pk}/comments/", {"text": "Not pinned", "at_seconds": "3"})
    client.post(f"/library/{clip.pk}/comments/", {"text": "No script", "pin": "on"})
    assert list(clip.notes.values_list("at_seconds", flat=True)) == [None, None]


def test_a_pinned_moment_stays_within_the_video(team, member, clip):
    client_in(team, member).post(
        f"/library/{clip.pk}/comments/", {"text": "The end", "pin": "on", "at_seconds": "999"}
    )
    assert clip.notes.get().at_seconds == 30


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "soon"])
def test_a_moment_that_is_not_a_time_is_refused(team, member, clip, seconds):
    response = client_in(team, member).post(
        f"/library/{clip.pk}/comments/", {"text": "x", "pin": "on", "at_seconds": seconds}
    )
    assert response.status_code == 302
    assert not ReviewNote.objects.exists()


def test_an_empty_comment_is_refused(team, member, clip):
    response = client_in(team, member).post(
        f"/library/{clip.pk}/comments/", {"text": "  "}, headers=HTMX
    )
    assert "Write a comment first." in response.content.decode()
    assert not ReviewNote.objects.exists()


def test_a_viewer_reads_the_comments_but_cannot_add_one(team, member, viewer, clip):
    clip.comment(member.memberships.get(team=team), "Looks good", at_seconds=4)
    client = client_in(team, viewer)
    assert client.post(f"/library/{clip.pk}/comments/", {"text": "Me too"}).status_code == 404
    page = page_of(client, clip)
    assert "Looks good" in page and ">0:04</a>" in page
    assert clip.notes.count() == 1


def test_the_notes_read_in_the_order_they_were_written(team, member, reviewer, clip):
    client_in(team, member).post(f"/library/{clip.pk}/comments/", {"text": "First"})
    decide(client_in(team, reviewer), clip, "changes", "Second")
    client_in(team, member).post(f"/library/{clip.pk}/review-again/", {"text": "Third"})
    page = page_of(client_in(team, member), clip)
    assert page.index("First") < page.index("Second") < page.index("Third")
    assert "sent it for review again" in page


def test_a_moment_reads_as_a_player_shows_it():
    assert ReviewNote(at_seconds=12.9).moment_text == "0:12"
    assert ReviewNote(at_seconds=75).moment_text == "1:15"
    assert ReviewNote(at_seconds=3725).moment_text == "1:02:05"
    assert ReviewNote().moment_text == ""


# Another look, by the maker.


def test_the_maker_sends_the_clip_for_review_again(team, member, reviewer, clip):
    decide(client_in(team, reviewer), clip, "changes", "Shorter, please")
    response = client_in(team, member).post(
        f"/library/{clip.pk}/review-again/", {"text": "Cut to 20 seconds"}
    )
    assert response.status_code == 302
    assert state_of(clip) == Review.IN_REVIEW
    assert clip.notes.last().kind == NoteKind.RESUBMITTED


def test_only_the_maker_or_an_admin_sends_a_clip_for_review_again(team, reviewer, admin, clip):
    clip.decide(reviewer.memberships.get(team=team), Review.CHANGES_REQUESTED, "Louder")
    someone_else = client_in(team, reviewer)  # a reviewer, but not the clip's maker
    assert someone_else.post(f"/library/{clip.pk}/review-again/").status_code == 404
    assert state_of(clip) == Review.CHANGES_REQUESTED
    client_in(team, admin).post(f"/library/{clip.pk}/review-again/")
    assert state_of(clip) == Review.IN_REVIEW


def test_a_clip_without_changes_requested_is_not_sent_again(team, member, clip):
    response = client_in(team, member).post(f"/library/{clip.pk}/review-again/", follow=True)
    assert "Only a clip with changes requested" in response.content.decode()
    assert not ReviewNote.objects.exists()


# What waits for approval.


def test_a_share_link_waits_until_the_clip_is_approved(team, member, reviewer, client, clip):
    link = ShareLink.objects.create(clip=clip, created_by=member)
    response = client.get(f"/s/{link.token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This video is waiting for approval" in page
    assert "Launch greeting" not in page and "<video" not in page
    assert client.get(f"/s/{link.token}/video.mp4").status_code == 404
    assert client.get(f"/s/{link.token}/poster.jpg").status_code == 404
    link.refresh_from_db()
    assert link.views == 0

    decide(client_in(team, reviewer), clip, "approved")
    page = client.get(f"/s/{link.token}/").content.decode()
    assert "Launch greeting" in page and f'src="/s/{link.token}/video.mp4"' in page
    assert b"".join(client.get(f"/s/{link.token}/video.mp4").streaming_content) == b"mp4!"


def test_asking_for_changes_after_approval_closes_the_share_links_again(
    team, member, reviewer, client, clip
):
    link = ShareLink.objects.create(clip=clip, created_by=member)
    decide(client_in(team, reviewer), clip, "approved")
    decide(client_in(team, reviewer), clip, "changes", "The logo is old")
    assert "waiting for approval" in client.get(f"/s/{link.token}/").content.decode()


def test_no_share_link_is_made_while_the_clip_waits(team, member, clip):
    client = client_in(team, member)
    page = page_of(client, clip)
    assert "Share links open once the clip is approved." in page
    assert "Create share link" not in page
    response = client.post(f"/library/{clip.pk}/share/", {"expires_in": "7"}, follow=True)
    assert "Share links open once the clip is approved." in response.content.decode()
    assert not ShareLink.objects.exists()


def test_a_viewers_download_waits_for_approval(team, viewer, reviewer, clip):
    client = client_in(team, viewer)
    response = client.get(f"/library/{clip.pk}/download", follow=True)
    assert "Viewers can download this clip once it is approved." in response.content.decode()
    assert "Download opens once the clip is approved" in page_of(client, clip)
    assert client.get(f"/library/{clip.pk}/video.mp4").status_code == 200  # watching is fine

    decide(client_in(team, reviewer), clip, "approved")
    response = client.get(f"/library/{clip.pk}/download")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


def test_members_download_a_clip_in_review_to_review_it(team, member, clip):
    response = client_in(team, member).get(f"/library/{clip.pk}/download")
    assert response.status_code == 200


def test_a_clip_made_without_approval_is_shared_and_downloaded_as_before(
    team, owner, viewer, client
):
    clip = make_clip(team, owner, "Old news")
    assert clip.review_state == Review.NOT_NEEDED
    link = ShareLink.objects.create(clip=clip, created_by=owner)
    assert "Old news" in client.get(f"/s/{link.token}/").content.decode()
    assert client_in(team, viewer).get(f"/library/{clip.pk}/download").status_code == 200


# The gallery.


def test_the_gallery_filters_by_review_state(team, member, clip):
    approved = make_clip(team, member, "Approved one", review_state=Review.APPROVED)
    changes = make_clip(team, member, "Needs work", review_state=Review.CHANGES_REQUESTED)
    make_clip(team, member, "Before reviews")
    client = client_in(team, member)

    def titles(query: str) -> list[str]:
        page = client.get(f"/library/?{query}").content.decode()
        return re.findall(r'<span class="clip-title">([^<]*)</span>', page)

    assert titles("review=in_review") == ["Launch greeting"]
    assert titles("review=changes") == [changes.title]
    assert titles("review=approved") == [approved.title]
    assert titles("review=not_needed") == ["Before reviews"]
    assert len(titles("review=")) == 4
    assert "1 clip match" in client.get("/library/?review=approved").content.decode()


def test_the_gallery_marks_the_clips_that_wait(team, member, clip):
    make_clip(team, member, "Needs work", review_state=Review.CHANGES_REQUESTED)
    make_clip(team, member, "Approved one", review_state=Review.APPROVED)
    page = client_in(team, member).get("/library/").content.decode()
    assert '<span class="clip-review review-state review-state-in_review">In review</span>' in page
    assert (
        '<span class="clip-review review-state review-state-changes">Changes requested</span>'
        in page
    )
    assert "review-state-approved" not in page
    assert '<select name="review"' in page


def test_the_review_filter_is_offered_only_to_teams_that_review(team, member):
    page = client_in(team, member).get("/library/").content.decode()
    assert '<select name="review"' not in page


# The audit log, and the worker.


def test_every_decision_is_in_the_audit_log(team, owner, member, reviewer, clip):
    decide(client_in(team, reviewer), clip, "changes", "Too fast")
    client_in(team, member).post(f"/library/{clip.pk}/review-again/", {"text": "Slower now"})
    decide(client_in(team, reviewer), clip, "approved")
    events = AuditEvent.objects.filter(team=team).exclude(action=AuditAction.TEAM_CREATED)
    actions = list(events.values_list("action", "actor_email"))
    assert actions == [
        (AuditAction.CLIP_APPROVED, "reviewer@example.com"),
        (AuditAction.REVIEW_REQUESTED, "member@example.com"),
        (AuditAction.CHANGES_REQUESTED, "reviewer@example.com"),
    ]
    page = client_in(team, owner).get("/team/audit/").content.decode()
    assert "asked for changes to the clip <strong>Launch greeting</strong>" in page
    assert '<span class="muted">(Too fast)</span>' in page
    assert "approved the clip <strong>Launch greeting</strong>" in page


def test_a_clip_that_needs_no_review_has_only_its_comments(team, owner):
    clip = make_clip(team, owner, "Old news")
    page = page_of(client_in(team, owner), clip)
    assert '<h2 id="review-title">Comments</h2>' in page
    assert "Approve</button>" not in page and "Create share link" in page


def test_a_comment_is_not_an_audit_event(team, member, clip):
    before = AuditEvent.objects.count()
    client_in(team, member).post(f"/library/{clip.pk}/comments/", {"text": "Nice"})
    assert AuditEvent.objects.count() == before


def test_a_new_clip_is_in_review_when_the_team_asks_for_approval(team):
    assert Clip.first_review_state(team) == Review.NOT_NEEDED
    team.clips_need_approval = True
    assert Clip.first_review_state(team) == Review.IN_REVIEW


def test_the_worker_stores_a_new_clip_in_review(team, owner, provider):
    team.clips_need_approval = True
    team.save()
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.clip.review_state == Review.IN_REVIEW
    assert generation.clip.waits_for_approval
