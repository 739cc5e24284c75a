from django.urls import path

from avatarstudio.studio import views

app_name = "studio"

urlpatterns = [
    path("create/", views.create, name="create"),
    path("create/check/photo/", views.check_photo, name="check_photo"),
    path("create/check/voice/", views.check_voice, name="check_voice"),
    path("generations/<uuid:pk>/", views.generation_detail, name="generation"),
    path("generations/<uuid:pk>/retry/", views.retry, name="retry"),
    path("generations/<uuid:pk>/save-avatar/", views.save_as_avatar, name="save_as_avatar"),
    path("voices/preview/", views.preview_voice, name="preview_voice"),
    path("voices/<uuid:pk>/audio", views.voice_audio, name="voice_audio"),
    path("hooks/kling/<token:token>/", views.kling_hook, name="kling_hook"),
    path("inputs/<token:token>/", views.signed_input, name="signed_input"),
    path("metrics", views.prometheus_metrics, name="metrics"),
    path("team/usage/", views.usage_page, name="usage"),
]
