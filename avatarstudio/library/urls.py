from django.urls import path

from avatarstudio.library import views

app_name = "library"

urlpatterns = [
    path("", views.clip_list, name="list"),
    path("trash/", views.trash, name="trash"),
    path("<uuid:pk>/", views.clip_detail, name="clip"),
    path("<uuid:pk>/rename/", views.rename, name="rename"),
    path("<uuid:pk>/favourite/", views.toggle_favourite, name="favourite"),
    path("<uuid:pk>/trash/", views.move_to_trash, name="move_to_trash"),
    path("<uuid:pk>/restore/", views.restore, name="restore"),
    path("<uuid:pk>/delete/", views.delete_forever, name="delete_forever"),
    path("<uuid:pk>/share/", views.share, name="share"),
    path("<uuid:pk>/share/<int:link_id>/revoke/", views.revoke_share, name="revoke_share"),
    path("<uuid:pk>/comments/", views.add_comment, name="comment"),
    path("<uuid:pk>/review/", views.decide, name="review"),
    path("<uuid:pk>/review-again/", views.send_for_review_again, name="review_again"),
    path("<uuid:pk>/video.mp4", views.clip_file, {"kind": "video"}, name="video"),
    path("<uuid:pk>/poster.jpg", views.clip_file, {"kind": "poster"}, name="poster"),
    path("<uuid:pk>/download", views.clip_file, {"kind": "download"}, name="download"),
    path("<uuid:pk>/photo", views.clip_file, {"kind": "photo"}, name="photo"),
    path("<uuid:pk>/voice", views.clip_file, {"kind": "voice"}, name="voice"),
]

shared_urlpatterns = [
    path("s/<token:token>/", views.shared_clip, name="shared_clip"),
    path("s/<token:token>/video.mp4", views.shared_file, {"kind": "video"}, name="shared_video"),
    path("s/<token:token>/poster.jpg", views.shared_file, {"kind": "poster"}, name="shared_poster"),
]
