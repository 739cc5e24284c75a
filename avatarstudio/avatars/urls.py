from django.urls import path

from avatarstudio.avatars import views

app_name = "avatars"

urlpatterns = [
    path("avatars/", views.avatar_list, name="list"),
    path("avatars/new/", views.avatar_new, name="new"),
    path("avatars/<uuid:pk>/", views.avatar_detail, name="detail"),
    path("avatars/<uuid:pk>/edit/", views.avatar_edit, name="edit"),
    path("avatars/<uuid:pk>/delete/", views.avatar_delete, name="delete"),
    path("avatars/<uuid:pk>/photo", views.avatar_file, {"kind": "photo"}, name="photo"),
    path("avatars/<uuid:pk>/voice", views.avatar_file, {"kind": "voice"}, name="voice"),
    path("consents/<uuid:pk>/", views.consent_detail, name="consent"),
    path("consents/<uuid:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("consents/<uuid:pk>/document", views.consent_document, name="consent_document"),
]
