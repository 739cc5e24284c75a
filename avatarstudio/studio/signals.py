"""What the studio does when the library lets go of a clip.

A clip deleted for good (from the trash, by the purge, or by an operator) takes the
generation it was made by with it, and that generation's input files: nothing of a deleted
video stays behind. The library does not import the studio, so the studio listens.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation


@receiver(post_delete, sender=Clip, dispatch_uid="studio-forget-generation-of-deleted-clip")
def forget_the_generation(sender: type[Clip], instance: Clip, **kwargs: Any) -> None:
    if instance.generation_id is None:
        return
    generation = Generation.objects.filter(pk=instance.generation_id).first()
    if generation is not None:  # a team deletion removes both rows at once
        generation.delete_input_files()
        generation.delete()
