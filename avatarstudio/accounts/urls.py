from django.urls import include, path

from avatarstudio.accounts import views

team_patterns = [
    path("teams/new/", views.create_team, name="create"),
    path("team/members/", views.members, name="members"),
    path("team/invitations/", views.invite, name="invite"),
    path("team/invitations/link/", views.create_link, name="create_link"),
    path("team/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("team/members/<int:pk>/role/", views.change_role, name="change_role"),
    path("team/members/<int:pk>/remove/", views.remove_member, name="remove_member"),
    path("team/members/<int:pk>/transfer/", views.transfer_ownership, name="transfer"),
    path("team/members/<int:pk>/limit/", views.set_member_limit, name="member_limit"),
    path("team/leave/", views.leave, name="leave"),
    path("team/settings/", views.team_settings, name="settings"),
    path("team/settings/key/", views.set_api_key, name="api_key"),
    path("team/settings/key/test/", views.test_api_key, name="test_key"),
    path("team/audit/", views.audit_log, name="audit"),
    path("team/delete/", views.delete, name="delete"),
    path("invite/<token:token>/", views.invitation, name="invitation"),
]

urlpatterns = [
    path("teams/switch/", views.switch_team, name="switch_team"),
    path("", include((team_patterns, "teams"))),
]
