"""Demo patients for `manage.py seed_demo --patients N` (registered from PatientsConfig.ready()).

Realistic but fake: names from the lists below (many cultures, accents kept), allergies, problems
with ICD-10 codes and medications drawn from small clinical lists. No Faker at run time, and a
seeded random generator, so the same N gives the same patients on every machine.

`--patients N` tops the demo clinic up to N patients; it never adds to a clinic that already
has N or more, so running it again creates nothing. Without the option the clinic gets
DEFAULT_PATIENTS, enough for the demo to show something while `make run` stays fast.
Rows go in with bulk_create, in batches, with every derived column the services would fill
(MRN continuing the clinic's sequence, the search keys, the clinic on clinical rows).
"""

import datetime
import random
import re
import time

from django.db import connection, transaction

from core.roles import Role
from core.words import search_key
from patients import phones
from patients.models import (
    Allergy,
    AllergyStatus,
    Condition,
    Medication,
    Patient,
    Sex,
)
from patients.services import MRN_WIDTH, next_mrn

DEFAULT_PATIENTS = 25
BATCH_SIZE = 2000
SEED = "health-passport-demo"
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def _names(text: str) -> list[str]:
    """One name per word; an underscore joins a name of several words (De_Luca)."""
    return [word.replace("_", " ") for word in text.split()]


FEMALE_NAMES = _names("""
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Emily Poppy Ella Charlotte
Florence Evie Willow Sienna Alice Harper Matilda Rosie Daisy Phoebe Ruby Hannah Chloé Zoë Léa
Inès Manon Camille Élodie Mathilde Anaïs Hélène Agnès Margaux Noémie Sofía María Lucía Valentina
Martina Paula Jimena Ximena Mónica Begoña Ana Beatriz Joana Conceição Luísa Giulia Francesca
Chiara Alessia Aurora Greta Ingrid Astrid Sigrid Maja Linnéa Saga Åsa Björk Ólöf Katarzyna
Małgorzata Agnieszka Zofia Žofie Tereza Anežka Petra Jana Dorota Ágnes Réka Zsófia Olga Irina
Svetlana Natalia Anastasia Yelena Oksana Aisha Fatima Zainab Mariam Layla Noor Yasmin Amira
Hana Leila Zeynep Elif Ayşe Büşra Şule Priya Ananya Aaradhya Diya Kavya Lakshmi Meera Sunita
Deepika Anjali Mei Xiu Ying Lan Jing Yuki Sakura Haruka Aiko Yui Minji Seo-yeon Ji-woo Thảo Linh
Ngọc Hương Mai Amara Chiamaka Ngozi Adaeze Folasade Yetunde Abena Akosua Nia Zuri Wanjiru Aroha
Mere Moana Kalani Siobhán Aoife Niamh Saoirse Róisín Caoimhe Eilidh Mairi Catrin Seren Cerys
Gwen Rhiannon Fionnuala Brígida Dagný Eszter Ilse Jördis Käthe Lieselotte Renée Anneliese Noa
Tamar Shira Yael Maya Rivka Esther Thandiwe Nomvula Lerato Precious Naledi Malia Leilani
""")

MALE_NAMES = _names("""
Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry Thomas Freddie
Alfie Theo William Theodore Archie Joshua Alexander James Isaac Edward Lucas Tommy Finley
Max Logan Ethan Mason Jérôme François Théo Raphaël Gaël Loïc Benoît Hervé Anaël Léon Jules
Mathéo Étienne Noël Andrés José Jesús Álvaro Sebastián Joaquín Iñigo Martín Rubén Ramón João
Gonçalo Sérgio Tomás Luís Matteo Lorenzo Giovanni Niccolò Davide Federico Björn Lars Sören
Mikael Øystein Håkon Jörg Jürgen Lukas Maximilian Günther Stefan Paweł Łukasz Wojciech Jakub
Tomáš Jiří Ondřej László Gábor Bálint Dmitri Sergei Ivan Mikhail Alexei Yusuf Omar Ali Ahmed
Hamza Karim Tariq Bilal Khalid Mustafa Emre Murat Çağan Oğuz Arjun Rohan Vikram Aarav Rahul
Sanjay Anil Rajesh Suresh Wei Jun Hao Ming Jian Hiroshi Takeshi Haruto Sōta Kenji Min-jun
Seo-jun Ji-ho Dũng Minh Quang Tuấn Chinedu Emeka Oluwaseun Adebayo Kwame Kofi Yaw Jabari
Tendai Sipho Thabo Bongani Tamati Wiremu Rawiri Kai Keanu Seán Ciarán Pádraig Oisín Cathal
Dáithí Eoghan Ruairí Calum Angus Rhys Dafydd Gareth Ioan Dylan Ifan Yosef David Eitan Ariel
Amir Nadav Diego Mateo Santiago Emiliano Rafael Tiago Ángel Nicolás Kaito Ren Duc Hieu
""")

LAST_NAMES = _names("""
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner
Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson
Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt
Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker
Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson
Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence
Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan
Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory
Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter
Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cunningham
García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Jiménez Ruiz Hernández
Díaz Moreno Muñoz Álvarez Romero Gutiérrez Navarro Domínguez Vázquez Ramírez Ibáñez Peña
Silva Santos Oliveira Sousa Gonçalves Pereira Ferreira Costa Conceição Magalhães Araújo
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer
Köhler Jäger Krüger Hölzl Dupont Durand Lefèvre Moreau Girard Bonnet François Mercier Lefebvre
Rousseau Fontaine Chevalier Gauthier Müller-Lüdenscheidt Rossi Russo Ferrari Esposito Bianchi
Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Mancini Costa Giordano Nikolić
Kowalski Nowak Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Dvořák
Novák Svoboda Černý Procházka Kučera Horváth Nagy Kovács Tóth Szabó Varga Ivanov Smirnov
Kuznetsov Popov Sokolov Petrov Volkov Kovalenko Shevchenko Bondarenko Andersson Johansson
Karlsson Nilsson Eriksson Larsson Hansen Nielsen Jensen Pedersen Sørensen Jónsson Guðmundsson
Virtanen Korhonen Mäkinen Nieminen Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Özdemir
Arslan Doğan Haddad Nasser Mansour Khalil Hassan Ibrahim Rahman Chowdhury Hossain Islam Sharma
Gupta Kumar Reddy Iyer Nair Menon Joshi Desai Mehta Chatterjee Banerjee Mukherjee Rao Pillai
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin Tanaka Suzuki Takahashi
Watanabe Itō Yamamoto Nakamura Kobayashi Katō Yoshida Kim Park Choi Jung Kang Cho Yoon Jang
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Võ Đặng Bùi Okafor Okonkwo Adeyemi Olawale Balogun Mensah
Asante Boateng Owusu Mwangi Otieno Kamau Dlamini Nkosi Ndlovu Mokoena Botha Van_der_Merwe
Ngata Te_Whare Parata Kahale Ó_Súilleabháin Mac_Giolla Ní_Bhriain Ó_Ceallaigh MacLeod MacDonald
Fraser Sinclair Llewellyn Prys Cohen Levi Mizrahi Friedman Shapiro Abramović Rosenberg
""")

STREETS = """
High Street|Station Road|Church Lane|Victoria Road|Green Lane|Manor Road|Park Avenue|Mill Lane|
Queen's Road|Kingsway|The Crescent|Chapel Street|Riverside Walk|Orchard Close|Elm Grove|
Rue de la Paix|Calle Mayor|Hauptstraße|Via Roma|Ulica Długa|Åkervägen|Meadow View|Hillside Drive
""".replace("\n", "").split("|")
CITIES = [
    ("London", "SW1A"),
    ("Manchester", "M1"),
    ("Birmingham", "B2"),
    ("Leeds", "LS1"),
    ("Glasgow", "G1"),
    ("Cardiff", "CF10"),
    ("Bristol", "BS1"),
    ("Edinburgh", "EH1"),
    ("Belfast", "BT1"),
    ("Liverpool", "L1"),
    ("Nottingham", "NG1"),
    ("Sheffield", "S1"),
    ("Leicester", "LE1"),
    ("Brighton", "BN1"),
]
LANGUAGES = (
    ["English"] * 14
    + ["Welsh", "Polish", "Urdu", "Punjabi", "Bengali", "Gujarati", "Arabic", "Portuguese"]
    + ["Spanish", "French", "Romanian", "Mandarin", "Cantonese", "Turkish", "Somali", "Tamil"]
)
RELATIONSHIPS = ["Spouse", "Partner", "Mother", "Father", "Daughter", "Son", "Sister"]
RELATIONSHIPS += ["Brother", "Friend", "Neighbour", "Carer"]
STAFF_NOTES = [
    "",
    "",
    "",
    "",
    "Prefers morning appointments.",
    "Hard of hearing: face the patient when speaking.",
    "Needs an interpreter for consultations.",
    "Wheelchair user: book the ground-floor room.",
    "Prefers text messages to phone calls.",
    "Anxious about needles; allow extra time.",
]

# (substance, reactions)
ALLERGIES = [
    ("Penicillin", ["Rash", "Hives", "Anaphylaxis"]),
    ("Amoxicillin", ["Rash", "Diarrhoea"]),
    ("Sulfonamides", ["Rash", "Stevens-Johnson syndrome"]),
    ("Aspirin", ["Wheezing", "Hives"]),
    ("Ibuprofen", ["Angioedema", "Wheezing"]),
    ("Codeine", ["Nausea", "Itching"]),
    ("Morphine", ["Itching", "Nausea"]),
    ("Latex", ["Contact dermatitis", "Hives"]),
    ("Peanuts", ["Anaphylaxis", "Throat swelling", "Hives"]),
    ("Tree nuts", ["Anaphylaxis", "Lip swelling"]),
    ("Shellfish", ["Hives", "Vomiting", "Anaphylaxis"]),
    ("Eggs", ["Eczema flare", "Vomiting"]),
    ("Cow's milk", ["Abdominal pain", "Eczema flare"]),
    ("Bee venom", ["Anaphylaxis", "Local swelling"]),
    ("Iodinated contrast", ["Hives", "Flushing"]),
    ("House dust mite", ["Rhinitis", "Wheezing"]),
    ("Grass pollen", ["Hay fever", "Itchy eyes"]),
    ("Cat dander", ["Sneezing", "Wheezing"]),
]
ALLERGY_SEVERITIES = ["mild"] * 4 + ["moderate"] * 3 + ["severe", "unknown"]

# (name, ICD-10 code)
CONDITIONS = [
    ("Type 2 diabetes mellitus without complications", "E11.9"),
    ("Essential (primary) hypertension", "I10"),
    ("Asthma, unspecified", "J45.909"),
    ("Chronic obstructive pulmonary disease", "J44.9"),
    ("Hyperlipidaemia, unspecified", "E78.5"),
    ("Hypothyroidism, unspecified", "E03.9"),
    ("Major depressive disorder, single episode", "F32.9"),
    ("Generalised anxiety disorder", "F41.1"),
    ("Gastro-oesophageal reflux disease", "K21.9"),
    ("Osteoarthritis of knee", "M17.9"),
    ("Low back pain", "M54.5"),
    ("Migraine, unspecified", "G43.909"),
    ("Atrial fibrillation", "I48.91"),
    ("Chronic kidney disease, stage 3", "N18.3"),
    ("Obesity, unspecified", "E66.9"),
    ("Iron deficiency anaemia", "D50.9"),
    ("Allergic rhinitis", "J30.9"),
    ("Atopic dermatitis", "L20.9"),
    ("Gout, unspecified", "M10.9"),
    ("Heart failure, unspecified", "I50.9"),
    ("Vitamin D deficiency", "E55.9"),
    ("Psoriasis", "L40.9"),
    ("Epilepsy, unspecified", "G40.909"),
    ("Coronary artery disease", "I25.10"),
]

# (name, dose, frequency)
MEDICATIONS = [
    ("Metformin", "500 mg", "twice daily"),
    ("Amlodipine", "5 mg", "once daily"),
    ("Ramipril", "5 mg", "once daily"),
    ("Lisinopril", "10 mg", "once daily"),
    ("Atorvastatin", "20 mg", "once daily at night"),
    ("Simvastatin", "40 mg", "once daily at night"),
    ("Levothyroxine", "75 micrograms", "once daily before breakfast"),
    ("Salbutamol inhaler", "100 micrograms", "2 puffs as needed"),
    ("Beclometasone inhaler", "200 micrograms", "2 puffs twice daily"),
    ("Omeprazole", "20 mg", "once daily"),
    ("Lansoprazole", "30 mg", "once daily"),
    ("Sertraline", "50 mg", "once daily"),
    ("Citalopram", "20 mg", "once daily"),
    ("Paracetamol", "1 g", "up to four times daily"),
    ("Naproxen", "500 mg", "twice daily with food"),
    ("Apixaban", "5 mg", "twice daily"),
    ("Bisoprolol", "2.5 mg", "once daily"),
    ("Furosemide", "40 mg", "once daily in the morning"),
    ("Allopurinol", "100 mg", "once daily"),
    ("Colecalciferol", "800 units", "once daily"),
    ("Ferrous sulfate", "200 mg", "twice daily"),
    ("Cetirizine", "10 mg", "once daily"),
    ("Sumatriptan", "50 mg", "at onset of migraine"),
    ("Levetiracetam", "500 mg", "twice daily"),
]


def _ascii(text: str) -> str:
    """search_key keeps letters such as ø or ł; e-mail addresses get plain ASCII."""
    return re.sub(r"[^a-z]", "", search_key(text))


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    area = f"0{rng.randint(11, 20)}{rng.randint(1, 9)}"
    return f"{area} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


class PatientMaker:
    """Builds (unsaved) patients and their clinical rows, all fields filled as the services do."""

    def __init__(self, *, clinic, staff, recorder, seed):
        self.clinic = clinic
        self.staff = staff
        self.recorder = recorder
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.today = datetime.date.today()

    def patient(self, mrn: int) -> Patient:
        rng = self.rng
        roll = rng.random()
        if roll < 0.49:
            sex, first = Sex.FEMALE, rng.choice(FEMALE_NAMES)
        elif roll < 0.98:
            sex, first = Sex.MALE, rng.choice(MALE_NAMES)
        else:
            sex = rng.choice([Sex.OTHER, Sex.UNKNOWN])
            first = rng.choice(FEMALE_NAMES + MALE_NAMES)
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.05:
            last = f"{last}-{rng.choice(LAST_NAMES)}"
        preferred = ""
        if rng.random() < 0.08:
            preferred = first[:3] if len(first) > 4 else rng.choice(FEMALE_NAMES + MALE_NAMES)
        born = _date_between(rng, datetime.date(1930, 1, 1), self.today)
        country = self.clinic.country_code
        phone = phones.normalize(_phone(rng), country)[0] if rng.random() < 0.92 else ""
        email = ""
        if rng.random() < 0.75:
            local = f"{_ascii(first) or 'patient'}.{_ascii(last) or 'demo'}{mrn}"
            email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        city, postcode = rng.choice(CITIES)
        street = rng.choice(STREETS)
        has_contact = rng.random() < 0.7
        return Patient(
            clinic=self.clinic,
            mrn=str(mrn).zfill(MRN_WIDTH),
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            date_of_birth=born,
            sex=sex,
            phone=phone,
            email=email,
            address=f"{rng.randint(1, 240)} {street}\n{city}\n{postcode} {rng.randint(1, 9)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            emergency_contact_name=(
                f"{rng.choice(FEMALE_NAMES + MALE_NAMES)} {last}" if has_contact else ""
            ),
            emergency_contact_relationship=rng.choice(RELATIONSHIPS) if has_contact else "",
            emergency_contact_phone=(
                phones.normalize(_phone(rng), country)[0] if has_contact else ""
            ),
            preferred_language=rng.choice(LANGUAGES),
            staff_notes=rng.choice(STAFF_NOTES),
            created_by=self.staff,
            updated_by=self.staff,
            first_name_key=search_key(first),
            last_name_key=search_key(last),
            preferred_name_key=search_key(preferred),
            phone_key=phones.search_key(phone, country),
            email_key=email,
        )

    def allergies(self, patient: Patient) -> list[Allergy]:
        rng = self.rng
        return [
            Allergy(
                clinic=self.clinic,
                patient=patient,
                recorded_by=self.recorder,
                substance=substance,
                reaction=rng.choice(reactions),
                severity=rng.choice(ALLERGY_SEVERITIES),
                status="active" if rng.random() < 0.9 else "inactive",
            )
            for substance, reactions in rng.sample(ALLERGIES, self._how_many())
        ]

    def conditions(self, patient: Patient) -> list[Condition]:
        rng = self.rng
        return [
            Condition(
                clinic=self.clinic,
                patient=patient,
                recorded_by=self.recorder,
                name=name,
                code=code,
                code_system=Condition.CodeSystem.ICD10,
                onset_date=_date_between(rng, patient.date_of_birth, self.today),
                status="active" if rng.random() < 0.8 else "resolved",
            )
            for name, code in rng.sample(CONDITIONS, self._how_many())
        ]

    def medications(self, patient: Patient) -> list[Medication]:
        rng = self.rng
        rows = []
        for name, dose, frequency in rng.sample(MEDICATIONS, self._how_many()):
            start = _date_between(
                rng, max(patient.date_of_birth, datetime.date(2005, 1, 1)), self.today
            )
            active = rng.random() < 0.8
            end = None if active else _date_between(rng, start, self.today)
            rows.append(
                Medication(
                    clinic=self.clinic,
                    patient=patient,
                    recorded_by=self.recorder,
                    name=name,
                    dose=dose,
                    frequency=frequency,
                    start_date=start,
                    end_date=end,
                    is_active=active,
                )
            )
        return rows

    def _how_many(self) -> int:
        # 0-3 of each, weighted towards few: most people carry one or two entries.
        return self.rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]


def seed_patients(*, clinic, target: int, staff=None, recorder=None, stdout=None) -> int:
    """Top `clinic` up to `target` patients; returns how many were created (0 if it had enough)."""
    existing = Patient.objects.filter(clinic=clinic).count()
    missing = target - existing
    if missing <= 0:
        if stdout:
            stdout.write(f"Patients: {clinic.name} already has {existing} (asked for {target}).")
        return 0
    first_mrn = int(next_mrn(clinic.pk))
    # Seeded by where the sequence starts: the same top-up gives the same patients every time.
    maker = PatientMaker(
        clinic=clinic, staff=staff, recorder=recorder, seed=f"{SEED}:{clinic.slug}:{first_mrn}"
    )
    started = time.monotonic()
    created = 0
    while created < missing:
        size = min(BATCH_SIZE, missing - created)
        patients = [maker.patient(first_mrn + created + i) for i in range(size)]
        allergies, conditions, medications = [], [], []
        for patient in patients:
            patient_allergies = maker.allergies(patient)
            if any(allergy.status == Allergy.Status.ACTIVE for allergy in patient_allergies):
                patient.allergy_status = AllergyStatus.HAS_ALLERGIES
            elif maker.rng.random() < 0.5:
                patient.allergy_status = AllergyStatus.NO_KNOWN_ALLERGIES
            allergies += patient_allergies
            conditions += maker.conditions(patient)
            medications += maker.medications(patient)
        # One transaction per batch: much faster on SQLite; a no-op on MongoDB.
        with transaction.atomic():
            Patient.objects.bulk_create(patients)
            Allergy.objects.bulk_create(allergies)
            Condition.objects.bulk_create(conditions)
            Medication.objects.bulk_create(medications)
        created += size
        if stdout and (created == missing or created % (BATCH_SIZE * 10) == 0):
            stdout.write(
                f"Patients: {created}/{missing} created ({time.monotonic() - started:.1f} s)"
            )
    _refresh_statistics()
    if stdout:
        stdout.write(
            f"Patients: {clinic.name} now has {existing + created} "
            f"({created} new in {time.monotonic() - started:.1f} s)."
        )
    return created


def _refresh_statistics() -> None:
    """After a bulk load, let SQL planners see the new row counts (MongoDB keeps none).

    Without statistics SQLite picks the clinic-only index for the name and MRN/phone searches
    and sorts the whole clinic (tens of ms at 100k); with them it uses one index per OR branch.
    """
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def add_arguments(parser):
    parser.add_argument(
        "--patients",
        type=int,
        default=DEFAULT_PATIENTS,
        metavar="N",
        help=f"Top the demo clinic up to N fake patients (default {DEFAULT_PATIENTS}; "
        "0 adds none). Never duplicates: a clinic with N or more gets nothing new.",
    )


def seed(*, clinic, users, options, stdout):
    target = options.get("patients")
    if target is None:
        target = DEFAULT_PATIENTS
    seed_patients(
        clinic=clinic,
        target=target,
        staff=users.get(Role.RECEPTIONIST) or users.get(Role.ADMIN),
        recorder=users.get(Role.CLINICIAN) or users.get(Role.ADMIN),
        stdout=stdout,
    )
