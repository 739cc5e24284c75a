"""What the studio does when the library lets go of a clip, and when a status card's
digests change (``cards``).

A clip deleted for good (from the trash, by the purge, or by an operator) takes the
generation it was made by with it, and that generation's input files: nothing of a deleted
video stays behind. The library does not import the studio, so the studio listens.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from avatarstudio.accounts.models import Membership
from avatarstudio.library.models import Clip
from avatarstudio.studio import cards
from avatarstudio.studio.models import Generation


@receiver(post_delete, sender=Clip, dispatch_uid="studio-forget-generation-of-deleted-clip")
def forget_the_generation(sender: type[Clip], instance: Clip, **kwargs: Any) -> None:
    if instance.generation_id is None:
        return
    generation = Generation.objects.filter(pk=instance.generation_id).first()
    if generation is not None:  # a team deletion removes both rows at once
        generation.delete_input_files()
        generation.delete()


# Status cards: keep the digests a cheap poll is checked against (``cards``) in step.


@receiver(post_save, sender=Generation, dispatch_uid="studio-card-facts-on-save")
def card_saved(sender: type[Generation], instance: Generation, created: bool, **kwargs: Any):
    if created or cards.facts_changed(instance):
        cards.refresh_on_commit(instance.pk, instance.parent_id)
        if hasattr(instance, "card_values_loaded"):
            instance.card_values_loaded = instance.card_values()


@receiver(post_delete, sender=Generation, dispatch_uid="studio-card-facts-on-delete")
def card_deleted(sender: type[Generation], instance: Generation, **kwargs: Any) -> None:
    cards.refresh_on_commit(instance.pk, instance.parent_id)


@receiver(post_save, sender=Membership, dispatch_uid="studio-card-access-on-membership-save")
@receiver(post_delete, sender=Membership, dispatch_uid="studio-card-access-on-membership-delete")
def card_access_of_member(sender: type[Membership], instance: Membership, **kwargs: Any):
    cards.refresh_access_on_commit([(instance.team_id, instance.user_id)])


@receiver(post_save, sender=get_user_model(), dispatch_uid="studio-card-access-on-user-save")
def card_access_of_user(sender: type, instance: Any, update_fields=None, **kwargs: Any) -> None:
    """A password changed or an account turned off ends its cheap polls; signing in (which
    saves ``last_login``) does not matter."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    teams = Membership.objects.filter(user=instance).values_list("team_id", flat=True)
    cards.refresh_access_on_commit((team_id, instance.pk) for team_id in teams)
