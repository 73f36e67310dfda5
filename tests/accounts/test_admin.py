import pytest
from django.urls import reverse

from accounts import actions as profile
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change_form_data(admin_client, url, **changes):
    """The admin change form's current values, with `changes` applied."""
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.pop("groups", None)
    data.pop("user_permissions", None)
    return {**data, **changes}


def test_a_bio_edited_in_the_admin_goes_through_the_bio_action(
    admin_client, monkeypatch
):
    """The admin does not render bios itself: `update_bio` does, as the site's."""
    member = UserFactory()
    calls = []
    update_bio = profile.update_bio
    monkeypatch.setattr(
        profile, "update_bio", lambda **kw: calls.append(kw) or update_bio(**kw)
    )
    url = reverse("admin:accounts_user_change", args=[member.pk])

    response = admin_client.post(
        url, change_form_data(admin_client, url, bio="Now **bold**")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [call["bio"] for call in calls] == ["Now **bold**"]
    member = User.objects.get(pk=member.pk)
    assert "<strong>bold</strong>" in member.bio_html
