from __future__ import annotations

from typing import Any

from django import forms

from avatarstudio.accounts.models import Membership, Role, Team


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": "Team name"}
        error_messages = {"name": {"required": "Give the team a name."}}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


class SwitchTeamForm(forms.Form):
    """The header switcher's choice: one of the user's own teams, by id."""

    team = forms.ModelChoiceField(queryset=Team.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_user(user)


class RoleChoiceMixin:
    """Offers only the roles the acting member may grant."""

    def limit_roles(self, by: Membership) -> None:
        self.fields["role"].choices = [(role.value, role.label) for role in by.grantable_roles]


class InviteForm(RoleChoiceMixin, forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", initial=Role.MEMBER)

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = by.team
        self.limit_roles(by)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(team=self.team, user__email__iexact=email).exists():
            raise forms.ValidationError(f"{email} is already in this team.")
        return email


LINK_DAYS = [("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


class InviteLinkForm(RoleChoiceMixin, forms.Form):
    role = forms.ChoiceField(label="Joins as", initial=Role.VIEWER)
    days = forms.TypedChoiceField(
        label="Link works for", choices=LINK_DAYS, coerce=int, initial="7"
    )

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(by)


class RoleForm(RoleChoiceMixin, forms.Form):
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, by: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(by)


class TeamSettingsForm(TeamForm):
    class Meta(TeamForm.Meta):
        fields = [
            "name",
            "default_mode",
            "price_std",
            "price_pro",
            "monthly_limit_seconds",
            "require_consent",
            "clips_need_approval",
        ]
        labels = {
            **TeamForm.Meta.labels,
            "default_mode": "Default mode on the create page",
            "price_std": "Price per second, Standard",
            "price_pro": "Price per second, Pro",
            "monthly_limit_seconds": "Team limit (seconds of video a month)",
        }
        help_texts = {
            "price_std": "Used for the estimates people see before they generate.",
            "monthly_limit_seconds": "Leave empty for no limit.",
            "require_consent": "Every video made from an uploaded photo records that the person "
            "in it agreed. Saved avatars always do.",
            "clips_need_approval": "New clips are “In review” until a reviewer or an admin "
            "approves them; until then share links and viewers' downloads wait.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("price_std", "price_pro"):
            # Their model defaults are callables, which would add hidden "initial" inputs.
            self.fields[name].show_hidden_initial = False


class ApiKeyForm(forms.Form):
    api_key = forms.CharField(
        label="New CometAPI key",
        max_length=300,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Paste the key from your CometAPI dashboard. It is stored encrypted.",
    )

    def clean_api_key(self) -> str:
        key = self.cleaned_data["api_key"].strip()
        if len(key) < 8 or any(character.isspace() for character in key):
            raise forms.ValidationError(
                "That does not look like an API key: copy it again, without spaces."
            )
        return key


class MemberLimitForm(forms.Form):
    monthly_limit_seconds = forms.IntegerField(
        label="Monthly limit (seconds)", min_value=0, max_value=2**31 - 1, required=False
    )


class DeleteTeamForm(forms.Form):
    confirm = forms.CharField(label="Type the team's name to confirm")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.team.name:
            raise forms.ValidationError(f"Type “{self.team.name}” exactly to delete the team.")
        return typed
