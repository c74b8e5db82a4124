"""Demo lab history for `manage.py seed_demo --labs-per-patient K` (registered from
LabsConfig.ready(); runs after the patients seeder).

Each of the demo clinic's patients gets K results spread over the last five years, the way a
clinic collects them: visits on weekdays in clinic hours, each drawing a panel or a few single
tests from the clinic's own catalogue, with the patient's "usual" tests coming back visit after
visit (so trends have points). Values sit around the reference ranges: mostly normal, some high
or low, a rare critical one. Every derived column is the service's: the range that applied to
the patient's sex and age at collection (labs.flags.applicable_range) copied onto the row, and
the flag from labs.flags.flag_for — computed against the catalogue held in memory, so there is
no query per row. Older results are nearly all reviewed; recent ones often wait in the review
queue, and a few of the last days' are preliminary. Some patients' latest visit came from an
order (with its items), and a few patients have an open order waiting for collection.

`--labs-per-patient K` tops every patient up to K results; a patient with K or more gets
nothing, so running it again creates nothing. Without the option each patient gets
DEFAULT_LABS_PER_PATIENT, enough for the patient page to show a labs panel while `make run`
stays fast. A seeded random generator (no Faker), bulk_create in batches, ANALYZE at the end.
"""

import datetime
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from core.roles import Role
from labs import services
from labs.flags import applicable_range, flag_for, review_priority
from labs.models import (
    CommunicationMethod,
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabTest,
    ValueType,
)
from patients.models import Patient

DEFAULT_LABS_PER_PATIENT = 3
PATIENT_BATCH = 500  # patients per transaction (about 5,000 results at K=10)
SEED = "health-passport-demo-labs"
YEARS = 5
PERFORMING_LABS = [
    "Demo Clinic laboratory",
    "Demo Clinic laboratory",
    "Demo Clinic laboratory",
    "City Hospital Pathology",
    "Northgate Diagnostics",
]
# Single tests (LOINC codes) ordered on their own or in small groups, besides the panels.
SINGLE_GROUPS = [
    ["4548-4"],  # HbA1c
    ["4548-4", "2345-7"],  # HbA1c and glucose
    ["3016-3"],  # TSH
    ["1989-3"],  # vitamin D
    ["2276-4", "2498-4", "2132-9"],  # ferritin, iron, B12
    ["1988-5"],  # CRP
    ["9318-7", "2160-0", "98979-8"],  # urine ACR, creatinine, eGFR
    ["3084-1"],  # uric acid
    ["56888-1", "5196-1"],  # HIV, hepatitis B
    ["94500-6"],  # SARS-CoV-2
    ["6301-6"],  # INR
]
MALE_40_PLUS = ["2857-1"]  # PSA
FEMALE_15_TO_50 = ["2106-3"]  # pregnancy test
ABO = ["882-1"]
ABO_GROUPS = ["O Rh+"] * 35 + ["A Rh+"] * 30 + ["B Rh+"] * 8 + ["AB Rh+"] * 2
ABO_GROUPS += ["O Rh-"] * 13 + ["A Rh-"] * 8 + ["B Rh-"] * 3 + ["AB Rh-"]

# What a numeric value is aiming at (the flag is computed afterwards, as the service does).
OUTCOMES = ("normal", "high", "low", "critical")
OUTCOME_WEIGHTS = (84, 9, 6.7, 0.3)


class Catalogue:
    """The clinic's tests, ranges and panels, loaded once; ranges looked up per (test, sex, age)."""

    def __init__(self, clinic):
        if not LabTest.objects.filter(clinic=clinic).exists():
            services.catalogue_install(clinic=clinic)
        tests = LabTest.objects.filter(clinic=clinic, is_active=True).prefetch_related("ranges")
        self.tests = {t.loinc_code or t.pk: t for t in tests}
        self.ranges = {t.pk: list(t.ranges.all()) for t in tests}
        self._range_cache = {}
        panels = LabPanel.objects.filter(clinic=clinic).prefetch_related("items__test")
        self.groups = []  # (panel or None, [tests])
        for panel in panels:
            members = [i.test for i in panel.items.all() if i.test.is_active]
            if members:
                self.groups.append((panel, members))
        for codes in SINGLE_GROUPS:
            members = [self.tests[c] for c in codes if c in self.tests]
            if members:
                self.groups.append((None, members))
        if not self.groups:  # a clinic that replaced the starter catalogue: any of its tests
            self.groups = [(None, [t]) for t in self.tests.values()]
        self.psa = self._group(MALE_40_PLUS)
        self.pregnancy = self._group(FEMALE_15_TO_50)
        self.abo = self._group(ABO)

    def _group(self, codes):
        members = [self.tests[c] for c in codes if c in self.tests]
        return (None, members) if members else None

    def reference(self, test, sex: str, age: int):
        key = (test.pk, sex, age)
        if key not in self._range_cache:
            self._range_cache[key] = applicable_range(self.ranges[test.pk], sex=sex, age=age)
        return self._range_cache[key]

    def typical_range(self, test):
        """Limits to draw values around when no range applies (a child, an adult-only test)."""
        ranges = self.ranges[test.pk]
        if ranges:
            return ranges[0].low, ranges[0].high
        return None, None


def _places(*limits) -> int:
    """Decimal places a value is reported with: those its limits need (4.0–5.6 → 1,
    0.74 → 2, 135 → 0); the database hands limits back padded to four places."""
    places = [-limit.normalize().as_tuple().exponent for limit in limits if limit is not None]
    return min(max(places + [0]), 4)


class ResultMaker:
    """Builds (unsaved) orders, items and results for one patient, fields filled as the services
    fill them."""

    def __init__(self, *, clinic, catalogue, entered_by, reviewer, orderer, seed):
        self.clinic = clinic
        self.catalogue = catalogue
        self.entered_by = entered_by
        self.reviewer = reviewer
        self.orderer = orderer
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate(self.now)
        self.start = self.today - datetime.timedelta(days=365 * YEARS)

    # --- one patient -----------------------------------------------------------------------
    def patient(self, patient_id, sex, born, missing):
        """(orders, items, results) topping this patient up by `missing` results."""
        rng = self.rng
        first_day = max(self.start, born)
        groups = self._groups_for(sex, self.today.year - born.year)
        usual = rng.sample(groups, min(2, len(groups)))
        visits = []  # (when, panel, tests)
        left = missing
        while left > 0:
            panel, tests = rng.choice(usual) if rng.random() < 0.7 else rng.choice(groups)
            tests = tests[:left]
            visits.append((self._moment(first_day), panel, tests))
            left -= len(tests)
        visits.sort(key=lambda visit: visit[0])
        orders, items, results = [], [], []
        for number, (when, panel, tests) in enumerate(visits):
            order = None
            if number == len(visits) - 1 and rng.random() < 0.15:
                order = self._order(patient_id, when, panel, tests, items)
                orders.append(order)
            for test in tests:
                results.append(self._result(patient_id, sex, born, test, when, order))
            if order is not None:
                reviewed = all(r.reviewed_at for r in results[-len(tests) :])
                order.status = LabOrder.Status.REVIEWED if reviewed else LabOrder.Status.RESULTED
        if rng.random() < 0.02:  # ordered, not collected yet: shows on the patient page
            panel, tests = rng.choice(usual)
            when = self.now - datetime.timedelta(hours=rng.randint(2, 24 * 6))
            orders.append(self._order(patient_id, when, panel, tests, items, open_=True))
        return orders, items, results

    def _groups_for(self, sex, age):
        groups = list(self.catalogue.groups)
        extra = []
        if sex == "male" and age >= 40 and self.catalogue.psa:
            extra.append(self.catalogue.psa)
        if sex == "female" and 15 <= age < 50 and self.catalogue.pregnancy:
            extra.append(self.catalogue.pregnancy)
        if self.catalogue.abo and self.rng.random() < 0.1:
            extra.append(self.catalogue.abo)
        return groups + extra

    def _moment(self, first_day) -> datetime.datetime:
        """A weekday morning or afternoon between first_day and a couple of hours ago."""
        rng = self.rng
        span = max((self.today - first_day).days, 0)
        for _attempt in range(5):
            day = first_day + datetime.timedelta(days=rng.randint(0, span))
            if day.weekday() < 5:
                break
        when = datetime.datetime.combine(
            day, datetime.time(rng.randint(8, 16), rng.choice((0, 10, 20, 30, 40, 50))), self.tz
        )
        floor = datetime.datetime.combine(first_day, datetime.time(0), self.tz)
        latest = self.now - datetime.timedelta(hours=2)
        if latest < floor:  # born today: collected since midnight
            latest = self.now
        if when > latest:
            when = max(latest - datetime.timedelta(minutes=rng.randint(0, 120)), floor)
        return when

    def _order(self, patient_id, when, panel, tests, items, open_=False) -> LabOrder:
        rng = self.rng
        ordered_at = when - datetime.timedelta(days=rng.randint(0, 10), hours=rng.randint(0, 5))
        order = LabOrder(
            clinic=self.clinic,
            patient_id=patient_id,
            ordered_by=self.orderer,
            priority=rng.choices(("routine", "urgent", "stat"), weights=(90, 8, 2))[0],
            status=LabOrder.Status.ORDERED,
            collected_at=None if open_ else when,
        )
        order.created_at = order.updated_at = ordered_at if not open_ else when
        items.extend(
            LabOrderItem(
                order=order,
                test=test,
                panel=panel,
                created_at=order.created_at,
                updated_at=order.created_at,
            )
            for test in tests
        )
        return order

    def _result(self, patient_id, sex, born, test, when, order) -> LabResult:
        rng = self.rng
        day = timezone.localdate(when, self.tz)
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        reference = self.catalogue.reference(test, sex, age)
        number, text = self._value(test, reference)
        reported = when + datetime.timedelta(minutes=rng.randint(30, 60 * 30))
        reported = min(reported, self.now)
        age_days = (self.now - when).days
        status = LabResult.Status.FINAL
        if age_days < 3 and rng.random() < 0.3:
            status = LabResult.Status.PRELIMINARY
        reviewed_at = None
        chance = 0.99 if age_days > 30 else 0.5
        if status == LabResult.Status.FINAL and rng.random() < chance:
            reviewed_at = min(reported + datetime.timedelta(hours=rng.randint(1, 72)), self.now)
        result = LabResult(
            clinic=self.clinic,
            patient_id=patient_id,
            test=test,
            order=order,
            value_numeric=number,
            value_text=text,
            unit=test.unit,
            reference_low=reference.low if reference else None,
            reference_high=reference.high if reference else None,
            reference_text=reference.display if reference else "",
            flag=flag_for(test, reference, number if number is not None else text),
            status=status,
            collected_at=when,
            reported_at=reported,
            performing_lab=rng.choice(PERFORMING_LABS),
            entered_by=self.entered_by,
            reviewed_by=self.reviewer if reviewed_at else None,
            reviewed_at=reviewed_at,
        )
        if result.is_critical and reviewed_at:  # told before it was signed off, as the rule asks
            result.critical_communicated_to = getattr(self.reviewer, "name", "") or "On-call doctor"
            result.critical_communication_method = CommunicationMethod.PHONE
            result.critical_communicated_at = reported
            result.critical_communicated_by = self.entered_by
        result.review_priority = review_priority(result)
        result.created_at = result.updated_at = reported
        return result

    def _value(self, test, reference) -> tuple[Decimal | None, str]:
        rng = self.rng
        if test.value_type == ValueType.POSNEG:
            return None, "Positive" if rng.random() < 0.02 else "Negative"
        if test.value_type != ValueType.NUMERIC:
            return None, rng.choice(ABO_GROUPS) if test.loinc_code == "882-1" else "See report"
        if reference is not None:
            low, high = reference.low, reference.high
        else:
            low, high = self.catalogue.typical_range(test)
        places = _places(low, high, test.critical_low, test.critical_high)
        outcome = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
        value = _draw(rng, outcome, low, high, test.critical_low, test.critical_high)
        number = Decimal(repr(round(max(value, 0.0), places)))
        return number.quantize(Decimal(1).scaleb(-places)), ""


def _draw(rng, outcome, low, high, crit_low, crit_high) -> float:
    """A value aiming at `outcome` around the limits (None where the range is open)."""
    low = float(low) if low is not None else None
    high = float(high) if high is not None else None
    if low is None and high is None:
        low, high = 1.0, 10.0
    elif low is None:
        low = high * 0.4
    elif high is None:
        high = low * 2.0 if low > 0 else 1.0
    width = max(high - low, abs(high) * 0.1, 1e-3)
    if outcome == "critical":
        if crit_high is not None and (crit_low is None or rng.random() < 0.6):
            return float(crit_high) * rng.uniform(1.0, 1.3)
        if crit_low is not None:
            return float(crit_low) * rng.uniform(0.7, 1.0)
        outcome = "high"
    if outcome == "high":
        value = rng.uniform(high, high + 0.4 * width)
        if crit_high is not None:
            value = min(value, float(crit_high) * 0.98)
        return value
    if outcome == "low" and low > 0:
        value = rng.uniform(max(low - 0.3 * width, low * 0.5), low)
        if crit_low is not None:
            value = max(value, float(crit_low) * 1.02)
        return value
    # Normal: mostly the middle of the range, now and then close to a limit.
    return rng.triangular(low, high)


# --- the top-up ----------------------------------------------------------------------------------
def seed_labs(*, clinic, per_patient: int, users=None, stdout=None) -> int:
    """Top every patient of `clinic` up to `per_patient` results; returns how many were created."""
    users = users or {}
    if per_patient <= 0:
        return 0
    started = time.monotonic()
    have = dict(
        LabResult.objects.filter(clinic=clinic)
        .order_by()
        .values("patient_id")
        .annotate(n=Count("pk"))
        .values_list("patient_id", "n")
    )
    patients = [
        (pk, sex, born, per_patient - have.get(pk, 0))
        for pk, sex, born in Patient.objects.filter(clinic=clinic)
        .order_by("mrn")
        .values_list("pk", "sex", "date_of_birth")
        if have.get(pk, 0) < per_patient
    ]
    del have
    missing = sum(row[3] for row in patients)
    if not missing:
        if stdout:
            stdout.write(f"Labs: every patient already has {per_patient} or more results.")
        return 0
    catalogue = Catalogue(clinic)
    total_before = LabResult.objects.filter(clinic=clinic).count()
    maker = ResultMaker(
        clinic=clinic,
        catalogue=catalogue,
        entered_by=users.get(Role.LAB_TECH) or users.get(Role.ADMIN),
        reviewer=users.get(Role.CLINICIAN) or users.get(Role.ADMIN),
        orderer=users.get(Role.CLINICIAN) or users.get(Role.ADMIN),
        # Seeded by where the top-up starts: the same top-up gives the same results every time.
        seed=f"{SEED}:{clinic.slug}:{per_patient}:{total_before}",
    )
    created = 0
    reported = 0
    for start in range(0, len(patients), PATIENT_BATCH):
        orders, items, results = [], [], []
        for pk, sex, born, want in patients[start : start + PATIENT_BATCH]:
            o, i, r = maker.patient(pk, sex, born, want)
            orders += o
            items += i
            results += r
        # One transaction per batch: much faster on SQLite; a no-op on MongoDB.
        with transaction.atomic():
            _insert(LabOrder, orders)
            _insert(LabOrderItem, items)
            _insert(LabResult, results)
        created += len(results)
        if stdout and (created - reported >= 100_000 or created == missing):
            reported = created
            stdout.write(f"Labs: {created}/{missing} results ({time.monotonic() - started:.1f} s)")
    _refresh_statistics()
    if stdout:
        stdout.write(
            f"Labs: {clinic.name} now has {total_before + created} results "
            f"({created} new for {len(patients)} patients in {time.monotonic() - started:.1f} s)."
        )
    return created


def _insert(model, rows) -> None:
    """Insert the rows keeping the created/updated times set above (auto_now and auto_now_add
    would stamp a five-year history with the seeding time).

    On SQLite, one executemany of plain tuples: Django's bulk_create spends most of its time
    preparing every value of every row (a million results is 25 million values), which
    multiplies the seeding time. The values are those bulk_create would send: the same adapters
    for datetimes (naive UTC text) and decimals, ids and foreign keys as they are. MongoDB (and
    any other backend) goes through bulk_create.
    """
    if not rows:
        return
    if connection.vendor == "sqlite":
        _insert_sqlite(model, rows)
        return
    stamped = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    for field in stamped:
        field.pre_save = _kept(field)  # on this field object only, undone below
    try:
        model.objects.bulk_create(rows)
    finally:
        for field in stamped:
            del field.pre_save


def _kept(field):
    def pre_save(instance, add):
        return getattr(instance, field.attname)

    return pre_save


def _insert_sqlite(model, rows) -> None:
    fields = model._meta.concrete_fields
    ops = connection.ops
    converters = []
    for field in fields:
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            converters.append((field.attname, ops.adapt_datetimefield_value))
        elif kind in ("CharField", "TextField", "ForeignKey", "DecimalField"):
            converters.append((field.attname, None))  # str, id or Decimal: sent as they are
        else:  # anything else exactly as Django prepares it
            converters.append((field.attname, _prepare(field)))
    quote = ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model, quoted)
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        tuple(
            getattr(row, name) if convert is None else convert(getattr(row, name))
            for name, convert in converters
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _prepare(field):
    def convert(value):
        return field.get_db_prep_save(value, connection)

    return convert


def _refresh_statistics() -> None:
    """After a bulk load, let SQL planners see the new row counts (MongoDB keeps none)."""
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def add_arguments(parser):
    parser.add_argument(
        "--labs-per-patient",
        type=int,
        default=DEFAULT_LABS_PER_PATIENT,
        metavar="K",
        help=f"Top every demo patient up to K lab results over the last {YEARS} years "
        f"(default {DEFAULT_LABS_PER_PATIENT}; 0 adds none). Never duplicates: a patient "
        "with K or more gets nothing new.",
    )


def seed(*, clinic, users, options, stdout):
    per_patient = options.get("labs_per_patient")
    if per_patient is None:
        per_patient = DEFAULT_LABS_PER_PATIENT
    seed_labs(clinic=clinic, per_patient=per_patient, users=users, stdout=stdout)
