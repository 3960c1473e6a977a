"""Licence detection: statements in every form → SPDX ids (or LicenseRef-…), never an invented id."""
import re

import pytest
from license_expression import get_spdx_licensing

from checkers.facts import ContentFacts, LicenceClue
from checkers.licence import detect_licences, find_licences, is_badge_url, normalise_licence

CASES = [
    # CC URLs: scheme, www, deed, legal code, translations, no trailing slash, upper case
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("http://creativecommons.org/licenses/by/4.0", "CC-BY-4.0"),
    ("https://www.creativecommons.org/licenses/by-sa/4.0/deed.de", "CC-BY-SA-4.0"),
    ("http://creativecommons.org/licenses/by-nc-sa/4.0/legalcode", "CC-BY-NC-SA-4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode.fi", "CC-BY-NC-ND-4.0"),
    ("//creativecommons.org/licenses/by-nd/4.0/", "CC-BY-ND-4.0"),
    ("HTTPS://CreativeCommons.org/licenses/BY-NC/4.0/", "CC-BY-NC-4.0"),
    ("https://creativecommons.org/licenses/by/3.0/", "CC-BY-3.0"),
    ("https://creativecommons.org/licenses/by-sa/2.5/", "CC-BY-SA-2.5"),
    ("https://creativecommons.org/licenses/by/1.0/", "CC-BY-1.0"),
    # country ports SPDX knows, with and without deed
    ("http://creativecommons.org/licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"),
    ("https://creativecommons.org/licenses/by/3.0/at/deed.de", "CC-BY-3.0-AT"),
    ("https://creativecommons.org/licenses/by-nc-sa/2.0/fr/", "CC-BY-NC-SA-2.0-FR"),
    ("https://creativecommons.org/licenses/by-sa/3.0/igo/", "CC-BY-SA-3.0-IGO"),
    # ports SPDX does not know → LicenseRef, never an invented SPDX id
    ("https://creativecommons.org/licenses/by-nd/3.0/fr/", "LicenseRef-CC-BY-ND-3.0-FR"),
    ("https://creativecommons.org/licenses/by-sa/3.0/es/deed.es", "LicenseRef-CC-BY-SA-3.0-ES"),
    ("https://creativecommons.org/licenses/by/2.5/scotland/", "LicenseRef-CC-BY-2.5-SCOTLAND"),
    # public domain tools
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("http://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/mark/1.0/", "CC-PDM-1.0"),
    # names and abbreviations
    ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"),
    ("CC BY NC SA 4.0", "CC-BY-NC-SA-4.0"),          # as the seed's Annex 3 writes it
    ("cc-by-sa 4.0", "CC-BY-SA-4.0"),
    ("CC BY 4", "CC-BY-4.0"),
    ("CC BY-SA 3.0 DE", "CC-BY-SA-3.0-DE"),
    ("CC BY 4.0 or later", "CC-BY-4.0"),
    ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
    ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License", "CC-BY-NC-ND-4.0"),
    ("Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)", "CC-BY-NC-4.0"),
    ("Creative Commons Attribution 3.0 Unported", "CC-BY-3.0"),
    # the licence names in the alliance's languages
    ("Namensnennung 4.0 International", "CC-BY-4.0"),
    ("Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 4.0 International", "CC-BY-SA-4.0"),
    ("Creative Commons Nimeä-JaaSamoin 4.0 Kansainvälinen", "CC-BY-SA-4.0"),
    ("Reconocimiento-NoComercial-CompartirIgual 4.0 Internacional", "CC-BY-NC-SA-4.0"),
    ("Atribución 4.0 Internacional", "CC-BY-4.0"),
    ("Attribuzione - Non commerciale - Condividi allo stesso modo 4.0 Internazionale", "CC-BY-NC-SA-4.0"),
    ("Attribution - Pas d’Utilisation Commerciale - Partage dans les Mêmes Conditions 4.0 International", "CC-BY-NC-SA-4.0"),
    ("Αναφορά Δημιουργού - Μη Εμπορική Χρήση - Παρόμοια Διανομή 4.0 Διεθνές", "CC-BY-NC-SA-4.0"),
    ("Creative Commons Признание-Некомерсиално-Споделяне на споделеното 4.0 Международен", "CC-BY-NC-SA-4.0"),
    ("Atribuire-NeComercial-PartajareIdentică 4.0 Internațional", "CC-BY-NC-SA-4.0"),
    ("Atribuire-NeComercial-PartajareIdentică 4.0 Internaţional", "CC-BY-NC-SA-4.0"),   # cedilla ţ
    ("Erkännande-IckeKommersiell-DelaLika 4.0 Internationell", "CC-BY-NC-SA-4.0"),
    ("Creative Commons Erkännande-IngaBearbetningar 4.0", "CC-BY-ND-4.0"),
    # CC0, public domain mark, public domain, all rights reserved
    ("CC0 1.0 Universal", "CC0-1.0"),
    ("CC0", "CC0-1.0"),
    ("Public Domain Mark 1.0", "CC-PDM-1.0"),
    ("This work is in the public domain.", "LicenseRef-PublicDomain"),
    ("Gemeinfrei", "LicenseRef-PublicDomain"),
    ("© 2021 University of Somewhere. All rights reserved.", "LicenseRef-AllRightsReserved"),
    ("Alle Rechte vorbehalten", "LicenseRef-AllRightsReserved"),
    ("Kaikki oikeudet pidätetään", "LicenseRef-AllRightsReserved"),
    ("Tous droits réservés", "LicenseRef-AllRightsReserved"),
    ("Всички права запазени", "LicenseRef-AllRightsReserved"),
    # SPDX ids, in any case
    ("CC-BY-SA-4.0", "CC-BY-SA-4.0"),
    ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0"),
    ("CC-BY-NC-ND-3.0-DE", "CC-BY-NC-ND-3.0-DE"),
    ("MIT", "MIT"),
    # versionless names: the licence is known, the version is not
    ("CC BY-SA", "LicenseRef-CC-BY-SA"),
]

MOODLE = [
    ("cc-4.0", "CC-BY-4.0"), ("cc-sa-4.0", "CC-BY-SA-4.0"), ("cc-nd-4.0", "CC-BY-ND-4.0"),
    ("cc-nc-4.0", "CC-BY-NC-4.0"), ("cc-nc-sa-4.0", "CC-BY-NC-SA-4.0"), ("cc-nc-nd-4.0", "CC-BY-NC-ND-4.0"),
    ("cc", "CC-BY-3.0"), ("cc-sa", "CC-BY-SA-3.0"), ("cc-nd", "CC-BY-ND-3.0"), ("cc-nc", "CC-BY-NC-3.0"),
    ("cc-nc-sa", "CC-BY-NC-SA-3.0"), ("cc-nc-nd", "CC-BY-NC-ND-3.0"),
    ("public", "LicenseRef-PublicDomain"),          # Moodle's "Public domain" is not CC0
    ("allrightsreserved", "LicenseRef-AllRightsReserved"), ("unknown", "LicenseRef-Unknown"),
]


@pytest.mark.parametrize("value, expected", CASES + MOODLE)
def test_normalise(value, expected):
    match = normalise_licence(value)
    assert match is not None, value
    assert match.spdx == expected


SPDX = get_spdx_licensing()


@pytest.mark.parametrize("value, expected", CASES + MOODLE)
def test_every_id_is_spdx_or_a_licence_ref(value, expected):
    ident = normalise_licence(value).spdx
    if ident.startswith("LicenseRef-"):
        assert re.fullmatch(r"LicenseRef-[A-Za-z0-9.\-]+", ident)  # SPDX's grammar for own ids
        assert ident.removeprefix("LicenseRef-") not in SPDX.known_symbols  # not an SPDX id in disguise
    else:
        info = SPDX.validate(ident)
        assert info.errors == [] and info.normalized_expression == ident


@pytest.mark.parametrize("value", [
    "", "   ", "Open Access", "Attribution",               # no version, no "Creative Commons": not a name
    "Licensed by the university", "https://example.org/licence", "We copy by hand",
    "https://creativecommons.org/about/", "Mit Namensnennung des Autors", "CC the lecturer",
    "https://creativecommons.org/licenses/by-nd-sa/4.0/",  # no such licence
])
def test_not_a_licence(value):
    assert normalise_licence(value) is None


def test_lower_case_words_after_a_name_are_not_country_ports():
    assert normalise_licence("CC BY 3.0 or later").spdx == "CC-BY-3.0"
    assert normalise_licence("CC BY 3.0 OR MIT").spdx == "CC-BY-3.0"
    assert normalise_licence("CC BY 4.0 DE").spdx == "CC-BY-4.0"   # 4.0 has no ports


def test_match_properties():
    by = normalise_licence("CC BY-SA 3.0 DE")
    assert (by.family, by.label, by.version, by.port) == ("CC-BY-SA-3.0", "CC BY-SA 3.0 DE", "3.0", "DE")
    assert by.is_cc and by.requires_attribution and by.is_spdx
    zero = normalise_licence("CC0")
    assert zero.is_cc and not zero.requires_attribution
    arr = normalise_licence("allrightsreserved")
    assert not arr.is_cc and not arr.is_spdx and arr.is_known
    assert not normalise_licence("unknown").is_known
    assert normalise_licence("CC BY-SA").compatible_with(normalise_licence("CC BY-SA 4.0"))
    assert not normalise_licence("CC BY 4.0").compatible_with(normalise_licence("CC BY-SA 4.0"))
    assert not normalise_licence("CC BY 3.0").compatible_with(normalise_licence("CC BY 4.0"))


def test_a_sentence_naming_two_licences_gives_both_in_order():
    text = ("This text is licensed under a Creative Commons Attribution 4.0 International License "
            "(https://creativecommons.org/licenses/by/4.0/). Photo: Jane Roe, CC BY-NC 2.0.")
    assert [m.spdx for m in find_licences(text)] == ["CC-BY-4.0", "CC-BY-NC-2.0"]


@pytest.mark.parametrize("url, expected", [
    ("https://i.creativecommons.org/l/by-sa/4.0/88x31.png", "CC-BY-SA-4.0"),
    ("https://licensebuttons.net/l/by-nc-sa/3.0/de/88x31.png", "CC-BY-NC-SA-3.0-DE"),
    ("https://licensebuttons.net/l/by/4.0/80x15.png", "CC-BY-4.0"),
    ("https://licensebuttons.net/p/zero/1.0/88x31.png", "CC0-1.0"),
    ("https://i.creativecommons.org/p/mark/1.0/88x31.png", "CC-PDM-1.0"),
    ("https://mirrors.creativecommons.org/presskit/buttons/88x31/svg/by-nc.svg", "LicenseRef-CC-BY-NC"),
    ("https://mirrors.creativecommons.org/presskit/buttons/88x31/png/cc-zero.png", "CC0-1.0"),
])
def test_badge_urls(url, expected):
    assert is_badge_url(url)
    assert normalise_licence(url).spdx == expected


def test_ordinary_images_are_not_badges():
    assert not is_badge_url("https://example.org/img/by-sa.png")
    assert not is_badge_url("https://creativecommons.org/licenses/by/4.0/")


def test_detect_reports_where_each_statement_was_found():
    metadata = {
        "licence_urls": ["https://creativecommons.org/licenses/by/4.0/"],
        "licence_statements": ["info:eu-repo/semantics/openAccess",     # access status: skipped
                               "Creative Commons Attribution 4.0 International",
                               "Nur für den Unterricht"],               # not recognised
        "files": [{"url": "https://moodle.example/pluginfile.php/1/a.pdf", "name": "a.pdf", "licence": "cc-sa-4.0"},
                  {"url": "https://moodle.example/pluginfile.php/1/b.pdf", "name": "b.pdf", "licence": "allrightsreserved"}],
    }
    facts = ContentFacts("html", licences=[
        LicenceClue("https://creativecommons.org/licenses/by/4.0/", "html:rel=license", "url"),
        LicenceClue("https://i.creativecommons.org/l/by/4.0/88x31.png", "html:img", "text"),
        LicenceClue("Photo: CC BY-NC 2.0", "html:text", "text")])
    report = detect_licences(metadata, facts)
    assert [(e.where, e.match.spdx) for e in report.metadata] == [
        ("metadata licence_urls[0]", "CC-BY-4.0"),
        ("metadata licence_statements[1]", "CC-BY-4.0"),
        ("metadata files[0].licence (a.pdf)", "CC-BY-SA-4.0"),
        ("metadata files[1].licence (b.pdf)", "LicenseRef-AllRightsReserved")]
    assert [e.raw for e in report.unrecognised] == ["Nur für den Unterricht"]
    assert set(report.files) == {"a.pdf", "b.pdf"}
    assert [e.kind for e in report.content] == ["url", "badge", "text"]   # a badge URL is a badge
    assert [e.match.spdx for e in report.badges] == ["CC-BY-4.0"]
    # visible text may credit third-party parts: the declared statements decide
    assert [e.match.spdx for e in report.declared_content] == ["CC-BY-4.0", "CC-BY-4.0"]
    assert report.to_dict()["metadata"][0]["spdx"] == "CC-BY-4.0"


def test_detect_picks_the_checked_files_own_licence():
    metadata = {"files": [{"url": "https://m.example/pluginfile.php/9/mod_resource/content/1/a.pdf",
                           "name": "a.pdf", "licence": "cc-sa-4.0"},
                          {"url": "https://m.example/x/b.pdf", "name": "b.pdf", "licence": "allrightsreserved"}]}
    report = detect_licences(metadata, None, name="https://m.example/x/b.pdf")
    assert [e.match.spdx for e in report.metadata] == ["LicenseRef-AllRightsReserved"]
    assert len(detect_licences(metadata, None, name="other.pdf").metadata) == 2


def test_detect_survives_odd_metadata():
    report = detect_licences({"licence_urls": [None, 5, ""], "licence_statements": "not a list",
                              "files": ["x", {"licence": None}]}, None)
    assert report.metadata == [] and report.content == []
    assert detect_licences({}, ContentFacts("pdf")).to_dict() == {"metadata": [], "content": [], "unrecognised": []}
