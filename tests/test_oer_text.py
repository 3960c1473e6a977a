"""Annex 3 text heuristics in the alliance's ten languages."""
import pytest

from checkers.oer_text import (citations, find_phrases, fold, lexicon, looked_for, mentions_author,
                               packed_names, reference_headings)

LANGS = ["en", "es", "fi", "de", "it", "fr", "el", "bg", "ro", "sv"]


@pytest.mark.parametrize("key", ["learning_objectives", "update_cycle", "references_headings",
                                 "usage_information", "curriculum", "author_labels"])
def test_every_list_covers_the_ten_languages(key):
    assert sorted(lexicon()[key]) == sorted(LANGS)
    assert all(lexicon()[key][lang] for lang in LANGS)


OBJECTIVES = [
    ("en", "After this module you will be able to explain the first law."),
    ("en", "Learning outcomes\nStudents will be able to compare heat engines."),
    ("es", "Objetivos de aprendizaje: comprender la primera ley."),
    ("fi", "Oppimistavoitteet: opiskelija ymmärtää termodynamiikan."),
    ("fi", "Opintojakson suoritettuaan opiskelija osaa selittää."),
    ("de", "Lernziele dieser Einheit"),
    ("it", "Obiettivi di apprendimento del modulo"),
    ("fr", "Objectifs d’apprentissage : comprendre la thermodynamique."),   # typographic apostrophe
    ("el", "Μαθησιακοί στόχοι της ενότητας"),
    ("bg", "Учебни цели на модула"),
    ("ro", "Obiective de învățare ale cursului"),
    ("ro", "Obiective de învăţare ale cursului"),                            # cedilla ţ
    ("sv", "Lärandemål för kursen"),
]


@pytest.mark.parametrize("lang, text", OBJECTIVES)
def test_learning_objectives_in_ten_languages(lang, text):
    assert find_phrases(fold(text), "learning_objectives"), (lang, text)


UPDATES = [
    ("en", "Last updated: 3 March 2025"), ("en", "Next review: 2026"),
    ("es", "Última actualización: marzo de 2025"), ("fi", "Päivitetty 3.3.2025"),
    ("de", "Stand: März 2025"), ("it", "Aggiornato al 3 marzo 2025"), ("fr", "Mis à jour le 3 mars 2025"),
    ("el", "Τελευταία ενημέρωση: Μάρτιος 2025"), ("bg", "Последна актуализация: март 2025"),
    ("ro", "Ultima actualizare: martie 2025"), ("sv", "Senast uppdaterad 2025-03-03"),
]


@pytest.mark.parametrize("lang, text", UPDATES)
def test_update_phrases_in_ten_languages(lang, text):
    assert find_phrases(fold(text), "update_cycle"), (lang, text)


@pytest.mark.parametrize("text", [
    "The standard model explains this.",          # "stand" without the colon
    "We updated our view of the problem.",
    "Die Thermodynamik beschreibt Wärme.",
])
def test_ordinary_sentences_are_not_update_statements(text):
    assert find_phrases(fold(text), "update_cycle") == []


@pytest.mark.parametrize("text", ["Lue lisää aiheesta.", "This course is fun.", "Heat flows."])
def test_ordinary_sentences_are_not_learning_objectives(text):
    assert find_phrases(fold(text), "learning_objectives") == []


def test_short_phrases_match_whole_words_only():
    assert find_phrases(fold("This module is worth 5 ECTS."), "curriculum") == ["ects"]
    assert find_phrases(fold("The objects in the collection"), "curriculum") == []   # not "ects"


@pytest.mark.parametrize("heading", ["References", "7. References:", "Bibliografía", "Lähteet", "Literaturverzeichnis",
                                     "Riferimenti bibliografici", "Références", "Βιβλιογραφία",
                                     "Използвана литература", "Bibliografie", "Källförteckning"])
def test_reference_headings(heading):
    assert reference_headings([heading], "") == [heading]


def test_reference_headings_in_plain_text_lines_and_not_in_sentences():
    assert reference_headings([], "Intro\nLähteet\nVirtanen 2020") == ["Lähteet"]
    assert reference_headings(["References to other work are rare here"], "") == []


def test_citations():
    found = citations("As shown (Smith, 2020) and by Doe et al. (2019), see [1], [2–4]. "
                      "doi:10.1000/xyz123, ISBN 978-3-16-148410-0.")
    assert found["doi"] == ["10.1000/xyz123"]  # without the comma after it
    assert found["isbn"] and found["author-year"] == ["(Smith, 2020)", "Doe et al. (2019)"]
    assert found["numbered"] == ["[1]", "[2–4]"]
    assert citations("In 2020 the price rose (see table 2).") == {"doi": [], "isbn": [], "author-year": [],
                                                                   "numbered": []}


@pytest.mark.parametrize("creator, verdict", [
    ("Smith, J.; Doe, A. and B. Roe", "strong"),
    ("Smith, J., Doe, A.", "strong"),
    ("Anna Virtanen / Pekka Korhonen", "strong"),
    ("Meier, Anna, Müller, Hans", "strong"),
    ("Anna Virtanen ja Pekka Korhonen", "weak"),
    ("Maria García y José Pérez", "weak"),
    ("Department of Research and Development", "weak"),   # a person must look
    ("Smith, John", None),
    ("Lovelace, Ada, PhD", None),
    ("Ada Lovelace", None),
    ("Université de Lorraine, Faculté des sciences, Nancy", None),
])
def test_packed_names(creator, verdict):
    got = packed_names(creator)
    assert (got[0] if got else None) == verdict


def test_author_lines():
    assert mentions_author("Autor: Max Mustermann")
    assert mentions_author("Tekijä: Anna Virtanen")
    assert mentions_author("Συγγραφέας: Μαρία Παπαδοπούλου")
    assert not mentions_author("The authority of the state")


def test_looked_for_quotes_one_phrase_per_language():
    text = looked_for("learning_objectives")
    assert text.count("“") == 10 and "“lärandemål”" in text and "“учебни цели”" in text
