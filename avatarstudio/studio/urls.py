from django.urls import path

from avatarstudio.studio import views

urlpatterns = [
    path("", views.home, name="dashboard"),
]
