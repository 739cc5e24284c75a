from django.urls import path

from avatarstudio.library import views

app_name = "library"

urlpatterns = [
    path("", views.clip_list, name="list"),
    path("<uuid:pk>/", views.clip_detail, name="clip"),
    path("<uuid:pk>/video.mp4", views.clip_file, {"kind": "video"}, name="video"),
    path("<uuid:pk>/poster.jpg", views.clip_file, {"kind": "poster"}, name="poster"),
    path("<uuid:pk>/download", views.clip_file, {"kind": "download"}, name="download"),
]
