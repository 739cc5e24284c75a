from django.urls import path

from avatarstudio.accounts import views

urlpatterns = [
    path("teams/switch/", views.switch_team, name="switch_team"),
]
