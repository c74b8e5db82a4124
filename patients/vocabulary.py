"""The coded list medications and allergens are picked from, and the drug–allergy rules.

Source and licence: a table curated for this project. Codes are WHO ATC codes (Anatomical
Therapeutic Chemical classification, WHO Collaborating Centre for Drug Statistics Methodology,
Oslo); the codes and group names are referenced as facts, the ATC/DDD Index itself is not
redistributed. The cross-reactivity rule (penicillin ↔ cephalosporin flagged as *possible*) follows
common prescribing guidance (e.g. BNF, "Penicillins: cautions"). The table itself is part of the
project and under its licence. Free text is always accepted as a fallback: a name typed that is
not in the list is matched by the ingredient names it contains ("Amoxicillin 500 mg capsules").
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PENICILLINS, CEPHALOSPORINS, SULFONAMIDES = "penicillins", "cephalosporins", "sulfonamides"
NSAIDS, OPIOIDS, CONTRAST = "nsaids", "opioids", "iodinated_contrast"
CLASS_LABELS = {
    PENICILLINS: _("penicillins"),
    CEPHALOSPORINS: _("cephalosporins"),
    SULFONAMIDES: _("sulfonamide antibiotics"),
    NSAIDS: _("NSAIDs"),
    OPIOIDS: _("opioids"),
    CONTRAST: _("iodinated contrast media"),
}
# (allergy class, medication class) pairs that are flagged as possible cross-reactivity.
CROSS_REACTIVE = {(PENICILLINS, CEPHALOSPORINS), (CEPHALOSPORINS, PENICILLINS)}
SAME_CLASS, CROSS_REACTIVITY = "same_class", "possible_cross_reactivity"


@dataclass(frozen=True)
class Entry:
    name: str
    code: str  # ATC code (or group range); "" for allergens outside ATC (latex, foods)
    drug_class: str = ""  # one of CLASS_LABELS, or "" for drugs the check does not cover
    medication: bool = True  # offered in the medication list (classes and foods are not)
    synonyms: tuple[str, ...] = ()


ENTRIES = [
    # classes, as allergens
    Entry("Penicillins", "J01C", PENICILLINS, False, ("penicillin",)),
    Entry("Cephalosporins", "J01DB-J01DE", CEPHALOSPORINS, False, ("cephalosporin",)),
    Entry("Sulfonamides", "J01E", SULFONAMIDES, False, ("sulfonamide", "sulfa", "sulpha")),
    Entry("NSAIDs", "M01A", NSAIDS, False, ("nsaid", "non-steroidal anti-inflammatory")),
    Entry("Opioids", "N02A", OPIOIDS, False, ("opioid", "opiates", "opiate")),
    Entry("Iodinated contrast media", "V08A", CONTRAST, False, ("contrast", "iodine contrast")),
    # penicillins
    Entry("Amoxicillin", "J01CA04", PENICILLINS, synonyms=("amoxycillin",)),
    Entry("Ampicillin", "J01CA01", PENICILLINS),
    Entry("Piperacillin", "J01CA12", PENICILLINS),
    Entry("Benzylpenicillin", "J01CE01", PENICILLINS, synonyms=("penicillin g",)),
    Entry("Phenoxymethylpenicillin", "J01CE02", PENICILLINS, synonyms=("penicillin v",)),
    Entry("Flucloxacillin", "J01CF05", PENICILLINS),
    Entry("Co-amoxiclav", "J01CR02", PENICILLINS, synonyms=("augmentin",)),
    Entry("Piperacillin with tazobactam", "J01CR05", PENICILLINS, synonyms=("tazocin",)),
    # cephalosporins
    Entry("Cefalexin", "J01DB01", CEPHALOSPORINS, synonyms=("cephalexin",)),
    Entry("Cefazolin", "J01DB04", CEPHALOSPORINS),
    Entry("Cefuroxime", "J01DC02", CEPHALOSPORINS),
    Entry("Cefotaxime", "J01DD01", CEPHALOSPORINS),
    Entry("Ceftazidime", "J01DD02", CEPHALOSPORINS),
    Entry("Ceftriaxone", "J01DD04", CEPHALOSPORINS),
    Entry("Cefixime", "J01DD08", CEPHALOSPORINS),
    Entry("Cefepime", "J01DE01", CEPHALOSPORINS),
    # sulfonamides
    Entry("Co-trimoxazole", "J01EE01", SULFONAMIDES, synonyms=("sulfamethoxazole",)),
    Entry("Sulfadiazine", "J01EC02", SULFONAMIDES),
    Entry("Sulfasalazine", "A07EC01", SULFONAMIDES),
    # NSAIDs
    Entry("Ibuprofen", "M01AE01", NSAIDS),
    Entry("Naproxen", "M01AE02", NSAIDS),
    Entry("Diclofenac", "M01AB05", NSAIDS),
    Entry("Indometacin", "M01AB01", NSAIDS, synonyms=("indomethacin",)),
    Entry("Ketorolac", "M01AB15", NSAIDS),
    Entry("Mefenamic acid", "M01AG01", NSAIDS),
    Entry("Celecoxib", "M01AH01", NSAIDS),
    Entry("Aspirin", "N02BA01", NSAIDS, synonyms=("acetylsalicylic acid",)),
    # opioids
    Entry("Morphine", "N02AA01", OPIOIDS),
    Entry("Oxycodone", "N02AA05", OPIOIDS),
    Entry("Dihydrocodeine", "N02AA08", OPIOIDS),
    Entry("Codeine", "R05DA04", OPIOIDS, synonyms=("co-codamol",)),
    Entry("Pethidine", "N02AB02", OPIOIDS, synonyms=("meperidine",)),
    Entry("Fentanyl", "N02AB03", OPIOIDS),
    Entry("Buprenorphine", "N02AE01", OPIOIDS),
    Entry("Tramadol", "N02AX02", OPIOIDS),
    Entry("Tapentadol", "N02AX06", OPIOIDS),
    Entry("Methadone", "N07BC02", OPIOIDS),
    # iodinated contrast media
    Entry("Iohexol", "V08AB02", CONTRAST, synonyms=("omnipaque",)),
    Entry("Iopamidol", "V08AB04", CONTRAST),
    Entry("Iopromide", "V08AB05", CONTRAST),
    Entry("Iodixanol", "V08AB09", CONTRAST, synonyms=("visipaque",)),
    # common medications outside the classes the check covers
    Entry("Paracetamol", "N02BE01", synonyms=("acetaminophen",)),
    Entry("Metformin", "A10BA02"),
    Entry("Amlodipine", "C08CA01"),
    Entry("Ramipril", "C09AA05"),
    Entry("Lisinopril", "C09AA03"),
    Entry("Atorvastatin", "C10AA05"),
    Entry("Simvastatin", "C10AA01"),
    Entry("Levothyroxine", "H03AA01"),
    Entry("Salbutamol", "R03AC02", synonyms=("albuterol",)),
    Entry("Beclometasone", "R03BA01"),
    Entry("Omeprazole", "A02BC01"),
    Entry("Lansoprazole", "A02BC03"),
    Entry("Sertraline", "N06AB06"),
    Entry("Citalopram", "N06AB04"),
    Entry("Clarithromycin", "J01FA09"),
    Entry("Doxycycline", "J01AA02"),
    Entry("Warfarin", "B01AA03"),
    Entry("Apixaban", "B01AF02"),
    Entry("Bisoprolol", "C07AB07"),
    Entry("Furosemide", "C03CA01"),
    Entry("Prednisolone", "H02AB06"),
    # allergens outside ATC (free-standing, for the allergy list)
    Entry("Latex", "", medication=False),
    Entry("Peanuts", "", medication=False, synonyms=("peanut",)),
    Entry("Tree nuts", "", medication=False),
    Entry("Shellfish", "", medication=False),
    Entry("Eggs", "", medication=False, synonyms=("egg",)),
]
BY_CODE = {entry.code: entry for entry in ENTRIES if entry.code}
MEDICATION_NAMES = [entry.name for entry in ENTRIES if entry.medication]
ALLERGEN_NAMES = [entry.name for entry in ENTRIES]
SOURCE = _("WHO ATC codes; table curated by the Health Passport project")


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", (text or "").lower()) + " "


_TERMS = sorted(
    ((term, entry) for entry in ENTRIES for term in (entry.name, *entry.synonyms)),
    key=lambda item: -len(item[0]),
)


def lookup(text: str, code: str = "") -> Entry | None:
    """The entry for a code, else the one whose name or synonym the free text contains."""
    if code and code in BY_CODE:
        return BY_CODE[code]
    words = _words(text)
    for term, entry in _TERMS:
        if _words(term) in words:
            return entry
    return None


def code_for(name: str) -> str:
    """The ATC code of a name picked from the list ("" for free text)."""
    entry = lookup(name)
    return entry.code if entry and entry.name.lower() == (name or "").strip().lower() else ""


@dataclass(frozen=True)
class Match:
    drug_class: str
    kind: str  # SAME_CLASS or CROSS_REACTIVITY


def match(*, allergen: Entry | None, medication: Entry | None) -> Match | None:
    """Whether a medication clashes with an allergen: same class, or a known cross-reaction."""
    if allergen is None or medication is None or not medication.drug_class:
        return None
    if allergen.drug_class and allergen.drug_class == medication.drug_class:
        return Match(medication.drug_class, SAME_CLASS)
    if (allergen.drug_class, medication.drug_class) in CROSS_REACTIVE:
        return Match(medication.drug_class, CROSS_REACTIVITY)
    return None
