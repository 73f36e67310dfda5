import re
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from accounts.models import User
from tests.accounts.pages import assert_site_page, parse
from tests.factories import UserFactory

PASSWORD = "correct horse 42"  # tests.factories.UserFactory
NEW_PASSWORD = "a new stable 97"


def hidden_value(response, name: str) -> str:
    match = re.search(
        rf'<input type="hidden" name="{name}" value="([^"]*)"',
        response.content.decode(),
    )
    assert match, f"no hidden {name} field"
    return match.group(1)


def link_in_mail(message) -> str:
    """The path of the first link to this site in an e-mail."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def signup_data(**overrides):
    data = {
        "email": "newcomer@example.com",
        "username": "newcomer",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return data | overrides


def test_signup_journey_returns_to_the_thread_signed_in(client, thread, mailoutbox):
    """Register from a thread, confirm the e-mail link, land signed in on the thread."""
    thread_url = thread.get_absolute_url()
    register_url = parse(client.get(thread_url)).links["Register a new account"]
    assert (
        register_url == f"{reverse('account_signup')}?{urlencode({'next': thread_url})}"
    )

    signup_page = client.get(register_url)
    assert signup_page.status_code == 200
    next_url = hidden_value(signup_page, "next")
    assert next_url == thread_url

    response = client.post(
        reverse("account_signup"), signup_data(next=next_url, website="")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    member = User.objects.get(username="newcomer")
    assert not EmailAddress.objects.get(user=member).verified
    assert "_auth_user_id" not in client.session

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.com"]
    confirm_url = link_in_mail(mailoutbox[0])
    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200
    assert "newcomer@example.com" in confirm_page.content.decode()

    response = client.post(confirm_url)
    assert response.status_code == 302
    assert response["Location"] == thread_url
    assert EmailAddress.objects.get(user=member).verified
    assert client.session["_auth_user_id"] == str(member.pk)
    assert "newcomer" in client.get(thread_url).content.decode()


@pytest.mark.parametrize("where", ["another browser", "after the sign-in timeout"])
def test_confirm_link_returns_to_the_thread_later_or_elsewhere(
    client, thread, mailoutbox, settings, where
):
    """Without the pending sign-in, the link still leads back to the thread."""
    thread_url = thread.get_absolute_url()
    client.post(reverse("account_signup"), signup_data(next=thread_url))
    confirm_url = link_in_mail(mailoutbox[0])
    if where == "another browser":
        client = Client()
    else:
        settings.ACCOUNT_LOGIN_TIMEOUT = -1
    confirm_page = client.get(confirm_url)
    assert hidden_value(confirm_page, "next") == thread_url

    response = client.post(confirm_url, {"next": thread_url})
    assert response.status_code == 302
    assert response["Location"] == thread_url
    assert EmailAddress.objects.get(email="newcomer@example.com").verified
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"]
)
def test_signup_drops_a_next_url_off_the_site(client, db, mailoutbox, next_url):
    """An off-site `next` is neither mailed nor followed: confirming lands home."""
    client.post(reverse("account_signup"), signup_data(next=next_url))
    assert "evil" not in mailoutbox[0].body
    assert "javascript" not in mailoutbox[0].body
    response = client.post(link_in_mail(mailoutbox[0]))
    assert response.status_code == 302
    assert response["Location"] == django_settings.LOGIN_REDIRECT_URL


@pytest.mark.parametrize("login", ["member_login", "member_login@example.com"])
def test_sign_in_with_username_or_email(client, db, login):
    """A member signs in with either their username or their e-mail address."""
    member = UserFactory(username="member_login")
    response = client.post(
        reverse("account_login"),
        {"login": login, "password": PASSWORD, "next": "/c/general/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/c/general/"
    assert client.session["_auth_user_id"] == str(member.pk)


def test_sign_in_with_a_wrong_password_fails_with_a_form_error(client, user):
    """A wrong password shows the form again with an error, signed out."""
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": "nope nope"}
    )
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post(client, user):
    """GET asks for confirmation and keeps the member signed in; POST signs out."""
    client.force_login(user)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert "Are you sure you want to sign out?" in response.content.decode()
    assert client.session["_auth_user_id"] == str(user.pk)

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_which_addresses_exist(client, user, mailoutbox):
    """Known and unknown addresses get the same answer; only the known one can reset."""
    url = reverse("account_reset_password")
    known = client.post(url, {"email": user.email}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.com"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain
    assert known.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert known.content == unknown.content
    assert [mail.to for mail in mailoutbox] == [[user.email], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    assert "/accounts/password/reset/key/" not in mailoutbox[1].body


def test_password_reset_link_sets_a_new_password(client, user, mailoutbox):
    """The link in the reset mail lets the member choose a new password."""
    client.post(reverse("account_reset_password"), {"email": user.email})
    key_url = client.get(link_in_mail(mailoutbox[0]))
    assert key_url.status_code == 302  # allauth moves the key into the session
    form_url = key_url["Location"]
    response = client.post(
        form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_signup_with_a_taken_email_does_not_reveal_it(client, user, mailoutbox):
    """Signing up with a member's address looks like success and mails the owner."""
    response = client.post(
        reverse("account_signup"), signup_data(email=user.email, username="other")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not User.objects.filter(username="other").exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "/accounts/confirm-email/" not in mailoutbox[0].body


def test_signup_page_hides_the_honeypot_without_inline_style(client, db):
    """The decoy is hidden by a class and kept from keyboards and screen readers."""
    content = client.get(reverse("account_signup")).content.decode()
    name = django_settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD
    block = re.search(
        r'<div class="honeypot" aria-hidden="true">(.*?)</div>', content, re.S
    )
    assert block
    assert f'<label for="id_{name}">' in block.group(1)
    assert f'name="{name}"' in block.group(1)
    assert 'tabindex="-1"' in block.group(1)
    assert "style=" not in content


def test_signup_with_the_honeypot_filled_creates_no_account(client, db, mailoutbox):
    """A bot that fills the decoy sees the usual answer, but nothing is made or sent."""
    name = django_settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD
    response = client.post(
        reverse("account_signup"), signup_data(**{name: "https://spam.example"})
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not User.objects.filter(username="newcomer").exists()
    assert mailoutbox == []


def test_failed_sign_ins_for_one_account_are_limited(client, user):
    """After five wrong passwords for one account, even the right one is refused."""
    url = reverse("account_login")
    for _attempt in range(5):
        client.post(url, {"login": user.username, "password": "wrong guess"})
    response = client.post(url, {"login": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_sign_in_attempts_get_the_429_page(client, db):
    """Past the per-IP limit, sign-in answers 429 with the site's page."""
    url = reverse("account_login")
    limit = int(django_settings.ACCOUNT_RATE_LIMITS["login"].split("/")[0])
    for attempt in range(limit):
        response = client.post(url, {"login": f"who{attempt}", "password": "x"})
        assert response.status_code == 200
    response = client.post(url, {"login": "who", "password": "x"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert_site_page(response)


def test_too_many_signups_get_the_429_page(client, db):
    """Sign-up is rate limited per IP address too, with the same page."""
    url = reverse("account_signup")
    limit = int(django_settings.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    for _attempt in range(limit):
        client.post(url, {"email": "not an address"})
    response = client.post(url, {"email": "not an address"})
    assert response.status_code == 429
    assert_site_page(response)


def test_change_email_is_confirmed_before_it_replaces_the_old(client, user, mailoutbox):
    """A new address is mailed a link; it replaces the old one only once confirmed."""
    old_email = user.email
    client.force_login(user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "moved@example.com"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == old_email
    assert mailoutbox[-1].to == ["moved@example.com"]

    client.post(link_in_mail(mailoutbox[-1]))
    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", "verified")
    ) == [("moved@example.com", True)]


def test_change_password(client, user):
    """A signed-in member changes their password with the current one."""
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_form_errors_are_tied_to_their_fields(client, db):
    """An invalid field gets aria-invalid and aria-describedby naming its error list."""
    response = client.post(
        reverse("account_signup"), signup_data(password2="something else 12")
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_password2_error"' in content
    field = next(f for f in parse(response).fields if f.get("id") == "id_password2")
    assert field["aria-invalid"] == "true"
    assert "id_password2_error" in field["aria-describedby"].split()


def test_change_email_errors_are_tied_to_the_field(client, user):
    """The hand-drawn e-mail field shows its error the same accessible way."""
    client.force_login(user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "not an address"}
    )
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.content.decode()
    field = next(f for f in parse(response).fields if f.get("id") == "id_email")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == "id_email_error"
    assert_site_page(response)


ENTRANCE_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
    "account_reset_password_from_key_done",
    "account_inactive",
]
MANAGE_PAGES = ["account_email", "account_change_password", "account_logout"]


@pytest.mark.parametrize("name", ENTRANCE_PAGES)
def test_entrance_pages_use_the_site_template(client, db, name):
    """Sign-in, sign-up and reset pages are the site's pages, with one h1."""
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_site_page(response)
    assert "Menu:" not in response.content.decode()  # allauth's bare menu


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_manage_pages_use_the_site_template_with_settings_nav(client, user, name):
    """Account settings pages are the site's pages, with the settings navigation."""
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_site_page(response)
    links = parse(response).links
    assert links["Profile settings"] == reverse("accounts:profile_settings")
    assert links["Change e-mail"] == reverse("account_email")
    assert links["Change password"] == reverse("account_change_password")


def test_confirm_email_pages_use_the_site_template(client, db, mailoutbox):
    """The confirmation page, valid or expired, is the site's page with one h1."""
    client.post(reverse("account_signup"), signup_data())
    valid = client.get(link_in_mail(mailoutbox[0]))
    assert valid.status_code == 200
    assert_site_page(valid)
    invalid = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert "expired or is invalid" in invalid.content.decode()
    assert_site_page(invalid)


def test_password_reset_key_pages_use_the_site_template(client, user, mailoutbox):
    """The new-password form and the bad-token page are the site's pages."""
    client.post(reverse("account_reset_password"), {"email": user.email})
    form_page = client.get(link_in_mail(mailoutbox[0]), follow=True)
    assert_site_page(form_page)
    assert 'name="password1"' in form_page.content.decode()
    bad = client.get(
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": "zz", "key": default_token_generator.make_token(user)},
        )
    )
    assert "Bad Token" in bad.content.decode()
    assert_site_page(bad)


def test_post_without_csrf_token_gets_the_styled_403_page(user):
    """A form sent without its token is refused with the site's explanation."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile_settings"), {"display_name": "Changed"}
    )
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert_site_page(response)
    user.refresh_from_db()
    assert user.display_name != "Changed"


def test_403_page_shows_the_reason(db):
    """A refusal with a message shows it on the site's 403 page."""
    request = RequestFactory().get("/t/1/locked/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(
        request, PermissionDenied("This thread is locked.")
    )
    assert response.status_code == 403
    assert "This thread is locked." in response.content.decode()
    assert_site_page(response)


def test_400_page_is_the_site_page(db):
    """A bad request gets the site's 400 page."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = defaults.bad_request(request, BadRequest("broken"))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "broken" not in response.content.decode()
    assert_site_page(response)


def test_unknown_host_gets_a_400_not_a_500(db):
    """A request for a host outside ALLOWED_HOSTS is answered 400."""
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
