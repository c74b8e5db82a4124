"""No string reaches a Spanish reader untranslated: every string marked in the code has its
translation in locale/es, none is fuzzy, and the committed django.mo is the compiled .po.

Fix a failure with `make messages`, translate the listed msgids in
locale/es/LC_MESSAGES/django.po, then `make messages` again (it compiles django.mo).
"""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same folders as MESSAGES_IGNORE in the Makefile.
IGNORE = [
    ".venv",
    "tools",
    "tests",
    "bench",
    "node_modules",
    "staticfiles",
    "test-results",
    "media",
]


@pytest.fixture(autouse=True)
def gettext_installed():
    """A check that cannot run must fail, not pass quietly."""
    assert shutil.which("msgfmt"), "GNU gettext is not installed: `make setup-test` installs it"


class ExtractInto(makemessages.Command):
    """makemessages writing into another locale folder, so the check never touches locale/."""

    target: Path

    def find_files(self, root):
        files = super().find_files(root)
        for translatable in files:
            translatable.locale_dir = str(self.target)
        self.locale_paths = [str(self.target)]  # where the .pot is looked for and merged
        return files


def gettext_tool(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def catalogue(mo: Path) -> dict:
    """A compiled catalogue's entries, as Python's gettext reads them."""
    with mo.open("rb") as compiled:
        return gettext.GNUTranslations(compiled)._catalog


def untranslated_and_fuzzy(po: Path) -> str:
    """The offending entries as msgattrib prints them ("" when there are none)."""
    untranslated = gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(po))
    fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(po))
    # msgattrib prints the header entry with any selection; entries are what follow it.
    return "\n\n".join(
        block
        for block in (untranslated + "\n\n" + fuzzy).split("\n\n")
        if block.strip() and 'msgid ""\nmsgstr ""' not in block
    )


def test_every_marked_string_has_its_spanish_translation(tmp_path, monkeypatch):
    target = tmp_path / "locale"
    (target / "es" / "LC_MESSAGES").mkdir(parents=True)
    copy = target / "es" / "LC_MESSAGES" / "django.po"
    shutil.copy(PO, copy)
    monkeypatch.chdir(settings.BASE_DIR)
    command = ExtractInto()
    command.target = target

    call_command(
        command,
        locale=["es"],
        extensions=["html", "txt", "py", "svg"],  # as `make messages`: the charts' SVG too
        ignore_patterns=IGNORE,
        add_location="file",
        verbosity=0,
    )

    missing = untranslated_and_fuzzy(copy)
    assert not missing, (
        "Strings without a Spanish translation (run `make messages`, translate them in "
        f"{PO.relative_to(settings.BASE_DIR)}, run `make messages` again):\n{missing}"
    )


def test_the_committed_po_is_complete_and_well_formed():
    gettext_tool("msgfmt", "--check", "-o", "/dev/null", str(PO))
    assert not untranslated_and_fuzzy(PO)


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    fresh = tmp_path / "django.mo"
    gettext_tool("msgfmt", "-o", str(fresh), str(PO))

    committed_catalog, compiled_catalog = catalogue(MO), catalogue(fresh)
    stale = set(compiled_catalog.keys() ^ committed_catalog.keys()) | {
        k
        for k in compiled_catalog.keys() & committed_catalog.keys()
        if compiled_catalog[k] != committed_catalog[k]
    }
    assert not stale, f"django.mo is older than django.po: run `make messages` ({len(stale)})"


ENGLISH_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"


def test_the_english_catalogue_is_every_spanish_msgid_as_itself(tmp_path):
    """locale/en is derived, not translated (Makefile `messages`): it only spares English
    lookups the misses through Django's chained catalogues, so it must cover every msgid."""
    blank, english, fresh = tmp_path / "blank.po", tmp_path / "en.po", tmp_path / "django.mo"
    gettext_tool("msgfilter", "--keep-header", "-i", str(PO), "-o", str(blank), "sed", "d")
    gettext_tool("msgen", "--lang=en", "-o", str(english), str(blank))
    gettext_tool("msgfmt", "--check", "-o", str(fresh), str(english))

    assert catalogue(ENGLISH_MO) == catalogue(fresh), "locale/en is stale: run `make messages`"


@pytest.mark.parametrize("language", ["en", "en-gb", "en-us"])
def test_english_readers_read_each_msgid_as_written(language):
    keys = [key for key in catalogue(ENGLISH_MO) if key]
    assert len(keys) > 1000  # the whole catalogue, not an empty file
    changed = {}
    with translation.override(language):
        for key in keys:
            if isinstance(key, tuple):  # (singular, plural form): form 0 is the singular
                msgid, form = key
                if form == 0 and translation.ngettext(msgid, "", 1) != msgid:
                    changed[key] = translation.ngettext(msgid, "", 1)
                continue
            context, _, msgid = key.rpartition("\x04")
            read = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if read != msgid:
                changed[key] = read
    assert not changed, changed
