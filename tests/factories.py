import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import User
from forum.models import Category
from forum.permissions import GLOBAL_MODERATORS_GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse 42")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """Members may post once their e-mail is confirmed; pass False to skip."""
        if create and extracted is not False:
            EmailAddress.objects.create(
                user=obj, email=obj.email, verified=True, primary=True
            )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "A place to talk."
    position = factory.Sequence(lambda n: n)


class GlobalModeratorFactory(UserFactory):
    """A member of the "Global moderators" group: moderates every category."""

    @factory.post_generation
    def global_moderator(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=GLOBAL_MODERATORS_GROUP)
            obj.groups.add(group)
