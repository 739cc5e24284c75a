from django.urls import path

from avatarstudio.studio import views

app_name = "studio"

urlpatterns = [
    path("create/", views.create, name="create"),
    path("generations/<uuid:pk>/", views.generation_detail, name="generation"),
    path("generations/<uuid:pk>/retry/", views.retry, name="retry"),
    path("hooks/kling/<str:token>/", views.kling_hook, name="kling_hook"),
    path("inputs/<str:token>/", views.signed_input, name="signed_input"),
]
