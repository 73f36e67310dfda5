"""Bad input from staff in the admin is a message or a form error, never a
server error (issue 13, item 3c), for our models and the contrib ones."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from forum.models import Category
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("/admin/forum/post/", "hide_posts"),
    ("/admin/forum/thread/", "delete_selected"),
    ("/admin/forum/category/", "delete_selected"),
    ("/admin/forum/report/", "resolve_reports"),
    ("/admin/accounts/user/", "suspend_members"),
    ("/admin/auth/group/", "delete_selected"),
    ("/admin/flatpages/flatpage/", "delete_selected"),
    ("/admin/account/emailaddress/", "delete_selected"),
]


@pytest.fixture
def admin(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(("url", "action"), CHANGELISTS)
def test_an_action_on_an_id_that_is_not_a_number(admin, url, action):
    response = admin.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: ["1899-12-31"]}, follow=True
    )
    assert response.status_code == 200
    assert "The selection holds an id that is not valid." in response.content.decode()


@pytest.mark.parametrize(("url", "action"), CHANGELISTS)
def test_a_huge_search(admin, url, action):
    for term in ["a" * 60_000, "ab " * 20_000]:
        response = admin.get(url, {"q": term})
        assert response.status_code == 200
        assert "Search for at most" in response.content.decode()


def test_a_short_search_still_finds(admin, category):
    response = admin.get("/admin/forum/category/", {"q": category.name})
    assert category.name in response.content.decode()


def test_category_form_with_a_moderator_id_that_is_not_a_number(admin):
    response = admin.post(
        "/admin/forum/category/add/",
        {"name": "New", "slug": "new", "position": "1", "moderators": ["1899-12-31"]},
    )
    assert response.status_code == 200
    assert "1899-12-31" in response.content.decode()  # the field's error names it
    assert not Category.objects.filter(slug="new").exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/admin/auth/group/add/",
            {"name": "G", "permissions": "-9223372036854775809"},
        ),
        (
            "/admin/forum/category/add/",
            {"name": "N", "moderators": "9223372036854775808"},
        ),
    ],
)
def test_a_chosen_id_beyond_64_bits_is_a_form_error(admin, url, data):
    """The database driver cannot even send such an id: the field refuses it."""
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()


def test_splitting_off_a_post_id_beyond_64_bits(client, thread, global_moderator):
    client.force_login(global_moderator)
    response = client.post(
        f"/mod/t/{thread.pk}/split/",
        {"posts": "-9223372036854775809", "title": "A new thread"},
    )
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()


def test_list_editable_with_an_id_beyond_64_bits(admin, category):
    response = admin.post(
        "/admin/forum/category/",
        {
            "_save": "Save",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": "9223372036854775808",
            "form-0-position": "3",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "The list holds an id that is not valid." in response.content.decode()


@pytest.mark.parametrize(
    ("url", "field"), [("/admin/login/", "username"), ("/accounts/login/", "login")]
)
def test_sign_in_with_a_100_kb_name(url, field, user):
    """No member has such a name: a wrong sign-in, not a query SQLite refuses
    (it evaluates the pattern only against rows: hence `user`)."""
    client = Client(raise_request_exception=False)
    response = client.post(url, {field: "x" * 100_000, "password": "correct horse 42"})
    # The admin's sign-in sends people to the site's (accounts' secure_admin_login).
    assert response.status_code == (302 if url.startswith("/admin/") else 200)
    assert "_auth_user_id" not in client.session


def test_adding_a_site_after_the_migrated_one(admin):
    """The migrations leave the id sequence past the site they create (on
    PostgreSQL the first new site was a duplicate key, a 500)."""
    response = admin.post(
        "/admin/sites/site/add/", {"domain": "forum.example", "name": "Forum"}
    )
    assert response.status_code == 302
