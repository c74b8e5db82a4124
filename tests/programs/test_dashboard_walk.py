"""The dashboard's Next, Previous and last pages show the rows of the list the database sorts,
in every sort, though adherence and last activity may be empty (NULL) and tie. By start date
(the default) a deep page is reached from its neighbour's edge row (core.lists.Walk) instead
of skipping every row before it; by adherence or activity, which change as patients record
tasks, by the page number."""

import datetime

import pytest
from django.utils import timezone

from programs.forms import SORT_CHOICES
from programs.models import Enrollment
from programs.selectors import WALKED_SORTS, enrollment_list
from tests.cursor_walk import follow_next, link, linked_ids
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol

pytestmark = pytest.mark.django_db

PER_PAGE = 5
# Twelve enrolments (pages of 5, 5 and 2): adherence and last activity empty for some, tied for
# others, and every start date tied, so each sort leans on its later keys and the id.
ADHERENCE = [None, None, None, 50, 50, 50, 80, 80, None, 100, 0, 50]


@pytest.fixture
def enrolments(clinician, patient):
    active = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    for n, adherence in enumerate(ADHERENCE):
        enrolment = enrol(clinician, PatientFactory(clinic=patient.clinic, last_name=f"Walk{n}"))
        last_activity = [active, None, active + datetime.timedelta(hours=1)][n % 3]
        Enrollment.objects.filter(pk=enrolment.pk).update(
            adherence=adherence, last_activity_at=last_activity
        )


@pytest.fixture
def web(client, clinician):
    client.force_login(clinician)
    return client


def rows(response) -> list[str]:
    return linked_ids(response, "/programs/enrollments/")


@pytest.mark.parametrize("sort", [value for value, _label in SORT_CHOICES])
def test_next_and_previous_walk_the_list_in_the_database_s_order(web, clinician, enrolments, sort):
    listed = [
        str(pk)
        for pk in enrollment_list(actor=clinician, state="active", sort=sort).values_list(
            "pk", flat=True
        )
    ]
    assert len(listed) == 12
    first = f"/programs/?sort={sort}&page_size={PER_PAGE}"

    walked, page, steps = follow_next(web, "/programs/", web.get(first), rows)

    walks = sort in WALKED_SORTS
    assert all(
        ("&after=" in following, offset) == (walks, not walks) for following, offset in steps
    )
    assert walked == [listed[0:5], listed[5:10], listed[10:12]]

    back = web.get("/programs/" + link(page, "prev"))
    assert rows(back) == listed[5:10]
    assert rows(web.get("/programs/" + link(back, "prev"))) == listed[0:5]
    assert rows(web.get(f"{first}&page=3")) == listed[10:12]  # the last page: from the end


def test_a_cursor_that_names_no_enrolment_of_the_list_falls_back_to_the_page_number(
    web, clinician, patient, enrolments
):
    listed = [
        str(pk)
        for pk in enrollment_list(actor=clinician, state="active").values_list("pk", flat=True)
    ]
    finished = enrol(clinician, patient)  # not on the list of active enrolments
    Enrollment.objects.filter(pk=finished.pk).update(state=Enrollment.State.COMPLETED)
    for cursor in ("nonsense", str(finished.pk), "x" * 200):
        page = web.get(f"/programs/?page_size={PER_PAGE}&page=2&after={cursor}")
        assert rows(page) == listed[5:10]
