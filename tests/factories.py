import factory
from django.utils.text import slugify

from accounts.models import User
from clinics.models import Clinic
from core.roles import Role

PASSWORD = "Correct-horse-battery-9"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.LazyAttribute(lambda clinic: slugify(clinic.name))
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Not Faker: a random name could hold a word a test looks for in a page ("Silva") or an
    # apostrophe the page escapes ("O'Brien"), failing one run in hundreds.
    name = factory.Sequence(lambda n: f"Jordan Staffer{n}")
    role = Role.CLINICIAN
    clinic = factory.SubFactory(ClinicFactory)
    is_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(user, create, extracted, **kwargs):
        if create:
            user.save()
