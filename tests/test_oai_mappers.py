"""Metadata formats → ResourceRecord, on records shaped like the platforms' own output."""
from __future__ import annotations

from lxml import etree

from harvester.oai_mappers import parse_metadata_xml, to_record

OAI = "http://www.openarchives.org/OAI/2.0/"


def header(identifier="oai:repo:1", datestamp="2024-05-02T10:00:00Z", sets=("oer",), deleted=False):
    h = etree.Element(f"{{{OAI}}}header", status="deleted") if deleted else etree.Element(f"{{{OAI}}}header")
    etree.SubElement(h, f"{{{OAI}}}identifier").text = identifier
    etree.SubElement(h, f"{{{OAI}}}datestamp").text = datestamp
    for s in sets:
        etree.SubElement(h, f"{{{OAI}}}setSpec").text = s
    return h


def mapped(xml: str, prefix: str = "x"):
    return to_record("repo", header(), parse_metadata_xml(xml.encode()), prefix)


INVENIO_OAI_DC = """
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:creator>Muster, Erika</dc:creator>
  <dc:creator>Rossi, Mario; Dupont, Jean</dc:creator>
  <dc:date>2023-11-20</dc:date>
  <dc:description>Slides for week 3.</dc:description>
  <dc:identifier>https://zenodo.org/records/1234567</dc:identifier>
  <dc:identifier>oai:zenodo.org:1234567</dc:identifier>
  <dc:identifier>https://zenodo.org/records/1234567/files/week3.pdf</dc:identifier>
  <dc:language>eng</dc:language>
  <dc:relation>https://zenodo.org/communities/ingenium</dc:relation>
  <dc:rights>info:eu-repo/semantics/openAccess</dc:rights>
  <dc:rights>Creative Commons Attribution 4.0 International</dc:rights>
  <dc:rights>https://creativecommons.org/licenses/by/4.0/legalcode</dc:rights>
  <dc:subject>accessibility</dc:subject>
  <dc:subject>OER</dc:subject>
  <dc:title>Week 3: Inclusive design</dc:title>
  <dc:type>info:eu-repo/semantics/lecture</dc:type>
  <dc:format>application/pdf</dc:format>
</oai_dc:dc>"""


def test_invenio_oai_dc_keeps_every_rights_text_and_finds_urls_and_files():
    r = mapped(INVENIO_OAI_DC, "oai_dc")
    assert r.identifier == "oai:repo:1" and r.source == "repo" and r.datestamp == "2024-05-02T10:00:00Z"
    assert r.title == "Week 3: Inclusive design"
    assert r.creators == ["Muster, Erika", "Rossi, Mario", "Dupont, Jean"]
    assert r.subjects == ["accessibility", "OER"]
    assert r.licence_statements == ["info:eu-repo/semantics/openAccess",
                                    "Creative Commons Attribution 4.0 International",
                                    "https://creativecommons.org/licenses/by/4.0/legalcode"]
    assert r.licence_urls == ["https://creativecommons.org/licenses/by/4.0/legalcode"]
    assert r.landing_page == "https://zenodo.org/records/1234567"
    assert [(f.url, f.name) for f in r.files] == [("https://zenodo.org/records/1234567/files/week3.pdf", "week3.pdf")]
    assert r.language == "eng" and r.created == "2023-11-20"
    assert r.resource_type == "info:eu-repo/semantics/lecture" and r.formats == ["application/pdf"]
    assert r.relations == ["https://zenodo.org/communities/ingenium"]
    assert r.sets == ["oer"] and r.openness == "open" and r.deleted is False
    assert r.extra["metadata_prefix"] == "oai_dc"


def test_dspace_qdc_with_dcterms_and_bitstream_identifiers():
    r = mapped("""
    <qdc:qualifieddc xmlns:qdc="http://dspace.org/qualifieddc/" xmlns:dc="http://purl.org/dc/elements/1.1/"
                     xmlns:dcterms="http://purl.org/dc/terms/">
      <dc:title>Statistics workbook</dc:title>
      <dc:creator>Novak, Ana</dc:creator>
      <dcterms:abstract>Exercises with solutions.</dcterms:abstract>
      <dcterms:created>2022-02-01</dcterms:created>
      <dcterms:modified>2024-03-03</dcterms:modified>
      <dcterms:license>CC BY-SA 4.0 http://creativecommons.org/licenses/by-sa/4.0/</dcterms:license>
      <dc:identifier>http://hdl.handle.net/123456789/42</dc:identifier>
      <dc:identifier>https://repo.example.org/bitstreams/4b1f0c0e-1111-2222-3333-444455556666/download</dc:identifier>
      <dcterms:isPartOf>Course STAT101</dcterms:isPartOf>
    </qdc:qualifieddc>""", "qdc")
    assert r.description == "Exercises with solutions."
    assert (r.created, r.modified) == ("2022-02-01", "2024-03-03")
    assert r.licence_statements == ["CC BY-SA 4.0 http://creativecommons.org/licenses/by-sa/4.0/"]
    assert r.licence_urls == ["http://creativecommons.org/licenses/by-sa/4.0/"]
    assert r.landing_page == "http://hdl.handle.net/123456789/42"
    assert [f.url for f in r.files] == [
        "https://repo.example.org/bitstreams/4b1f0c0e-1111-2222-3333-444455556666/download"]
    assert r.relations == ["Course STAT101"]


def test_oai_datacite_envelope_gives_rights_uris_and_doi_landing_page():
    r = mapped("""
    <oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/">
      <schemaVersion>4.3</schemaVersion>
      <payload>
        <resource xmlns="http://datacite.org/schema/kernel-4">
          <identifier identifierType="DOI">10.5281/zenodo.1234567</identifier>
          <creators><creator><creatorName nameType="Personal">Muster, Erika</creatorName>
            <affiliation>Uni A</affiliation></creator></creators>
          <titles><title>Inclusive design dataset</title></titles>
          <subjects><subject>accessibility</subject></subjects>
          <dates><date dateType="Issued">2023-01-05</date><date dateType="Updated">2024-01-01</date></dates>
          <language>en</language>
          <resourceType resourceTypeGeneral="Dataset"/>
          <relatedIdentifiers>
            <relatedIdentifier relatedIdentifierType="URL" relationType="IsPartOf">https://zenodo.org/communities/x</relatedIdentifier>
          </relatedIdentifiers>
          <rightsList>
            <rights rightsURI="info:eu-repo/semantics/openAccess">Open Access</rights>
            <rights rightsURI="https://creativecommons.org/licenses/by/4.0/legalcode">Creative Commons Attribution 4.0 International</rights>
          </rightsList>
          <descriptions><description descriptionType="Abstract">Survey data.</description></descriptions>
        </resource>
      </payload>
    </oai_datacite>""", "oai_datacite")
    assert r.title == "Inclusive design dataset" and r.creators == ["Muster, Erika"]
    assert r.landing_page == "https://doi.org/10.5281/zenodo.1234567"
    assert r.licence_statements == ["Open Access", "Creative Commons Attribution 4.0 International"]
    assert r.licence_urls == ["info:eu-repo/semantics/openAccess",
                              "https://creativecommons.org/licenses/by/4.0/legalcode"]
    assert (r.created, r.modified, r.language, r.resource_type) == ("2023-01-05", "2024-01-01", "en", "Dataset")
    assert r.relations == ["IsPartOf: https://zenodo.org/communities/x"]
    assert r.description == "Survey data." and r.subjects == ["accessibility"]


def test_lom_with_vcard_authors_rights_and_technical_location():
    r = mapped("""
    <lom xmlns="http://ltsc.ieee.org/xsd/LOM">
      <general>
        <identifier><catalog>URI</catalog><entry>https://oer.example.org/item/7</entry></identifier>
        <title><string language="de">Barrierefreie Folien</string></title>
        <language>de</language>
        <description><string language="de">Eine Einführung.</string></description>
        <keyword><string language="de">Barrierefreiheit</string></keyword>
      </general>
      <lifeCycle>
        <contribute>
          <role><source>LOMv1.0</source><value>author</value></role>
          <entity><![CDATA[BEGIN:VCARD
VERSION:3.0
N:Muster;Erika
FN:Erika Muster
END:VCARD]]></entity>
          <date><dateTime>2021-09-01</dateTime></date>
        </contribute>
        <contribute>
          <role><source>LOMv1.0</source><value>publisher</value></role>
          <entity>BEGIN:VCARD
FN:Some Press
END:VCARD</entity>
        </contribute>
      </lifeCycle>
      <technical>
        <format>application/vnd.openxmlformats-officedocument.presentationml.presentation</format>
        <location>https://oer.example.org/records/7/files/folien.pptx</location>
      </technical>
      <educational><learningResourceType><source>LOMv1.0</source><value>slide</value></learningResourceType></educational>
      <rights>
        <copyrightAndOtherRestrictions><source>LOMv1.0</source><value>yes</value></copyrightAndOtherRestrictions>
        <description><string language="en">CC BY-NC-SA 4.0 https://creativecommons.org/licenses/by-nc-sa/4.0/</string></description>
      </rights>
      <relation><kind><source>LOMv1.0</source><value>ispartof</value></kind>
        <resource><identifier><entry>https://oer.example.org/course/3</entry></identifier></resource></relation>
    </lom>""", "lom")
    assert r.title == "Barrierefreie Folien" and r.language == "de" and r.description == "Eine Einführung."
    assert r.creators == ["Erika Muster"]           # the publisher is not a creator
    assert r.created == "2021-09-01" and r.subjects == ["Barrierefreiheit"]
    assert r.resource_type == "slide"
    assert r.licence_statements == ["CC BY-NC-SA 4.0 https://creativecommons.org/licenses/by-nc-sa/4.0/",
                                    "copyright and other restrictions: yes"]
    assert r.licence_urls == ["https://creativecommons.org/licenses/by-nc-sa/4.0/"]
    assert [f.name for f in r.files] == ["folien.pptx"]
    assert r.landing_page == "https://oer.example.org/item/7"
    assert r.relations == ["ispartof: https://oer.example.org/course/3"]


def test_dspace_ore_aggregates_are_files():
    r = mapped("""
    <atom:entry xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dcterms="http://purl.org/dc/terms/"
                xmlns:oreatom="http://www.openarchives.org/ore/atom/">
      <atom:id>http://hdl.handle.net/123456789/42/ore.xml</atom:id>
      <atom:link rel="alternate" href="http://hdl.handle.net/123456789/42"/>
      <atom:title>Statistics workbook</atom:title>
      <atom:author><atom:name>Novak, Ana</atom:name></atom:author>
      <atom:link rel="http://www.openarchives.org/ore/terms/aggregates"
                 href="https://repo.example.org/bitstream/123456789/42/1/workbook.pdf"
                 title="workbook.pdf" type="application/pdf" length="52311"/>
    </atom:entry>""", "ore")
    assert r.title == "Statistics workbook" and r.creators == ["Novak, Ana"]
    assert r.landing_page == "http://hdl.handle.net/123456789/42"
    (f,) = r.files
    assert (f.url, f.name, f.media_type, f.size) == (
        "https://repo.example.org/bitstream/123456789/42/1/workbook.pdf", "workbook.pdf", "application/pdf", 52311)


def test_dspace_didl_resources_and_embedded_dublin_core():
    r = mapped("""
    <d:DIDL xmlns:d="urn:mpeg:mpeg21:2002:02-DIDL-NS">
      <d:Item>
        <d:Descriptor><d:Statement mimeType="application/xml">
          <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <dc:title>Lab manual</dc:title><dc:rights>CC0 1.0</dc:rights>
          </oai_dc:dc></d:Statement></d:Descriptor>
        <d:Component><d:Resource ref="https://repo.example.org/bitstream/1/2/manual.docx"
          mimeType="application/vnd.openxmlformats-officedocument.wordprocessingml.document"/></d:Component>
      </d:Item>
    </d:DIDL>""", "didl")
    assert r.title == "Lab manual" and r.licence_statements == ["CC0 1.0"]
    assert [(f.name, f.media_type) for f in r.files] == [
        ("manual.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]


def test_mets_keeps_original_files_only_and_reads_mods():
    r = mapped("""
    <mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:mods="http://www.loc.gov/mods/v3"
               xmlns:xlink="http://www.w3.org/1999/xlink">
      <mets:dmdSec ID="d1"><mets:mdWrap MDTYPE="MODS"><mets:xmlData><mods:mods>
        <mods:name><mods:namePart>Novak, Ana</mods:namePart></mods:name>
        <mods:titleInfo><mods:title>Workbook</mods:title></mods:titleInfo>
        <mods:abstract>Exercises.</mods:abstract>
        <mods:accessCondition type="useAndReproduction">Attribution 4.0 International http://creativecommons.org/licenses/by/4.0/</mods:accessCondition>
        <mods:identifier type="uri">http://hdl.handle.net/1/2</mods:identifier>
      </mods:mods></mets:xmlData></mets:mdWrap></mets:dmdSec>
      <mets:fileSec>
        <mets:fileGrp USE="ORIGINAL"><mets:file ID="f1" MIMETYPE="application/pdf" SIZE="100">
          <mets:FLocat LOCTYPE="URL" xlink:href="https://repo.example.org/bitstream/1/2/1/workbook.pdf"/></mets:file></mets:fileGrp>
        <mets:fileGrp USE="THUMBNAIL"><mets:file ID="f2" MIMETYPE="image/jpeg">
          <mets:FLocat LOCTYPE="URL" xlink:href="https://repo.example.org/bitstream/1/2/2/workbook.pdf.jpg"/></mets:file></mets:fileGrp>
      </mets:fileSec>
    </mets:mets>""", "mets")
    assert (r.title, r.creators, r.description) == ("Workbook", ["Novak, Ana"], "Exercises.")
    assert r.licence_urls == ["http://creativecommons.org/licenses/by/4.0/"]
    assert r.landing_page == "http://hdl.handle.net/1/2"
    assert [(f.name, f.size) for f in r.files] == [("workbook.pdf", 100)]


def test_invenio_dcat_distributions_and_licence_resource():
    r = mapped("""
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
             xmlns:dct="http://purl.org/dc/terms/">
      <rdf:Description rdf:about="https://doi.org/10.5281/zenodo.99">
        <rdf:type rdf:resource="http://www.w3.org/ns/dcat#Dataset"/>
        <dct:title>Captioned lecture</dct:title>
        <dct:creator>Muster, Erika</dct:creator>
        <dct:license rdf:resource="https://creativecommons.org/licenses/by-sa/4.0/legalcode"/>
        <dcat:keyword>video</dcat:keyword>
        <dcat:landingPage rdf:resource="https://zenodo.org/records/99"/>
        <dcat:distribution><dcat:Distribution>
          <dcat:downloadURL rdf:resource="https://zenodo.org/records/99/files/lecture.mp4"/>
          <dcat:mediaType rdf:resource="https://www.iana.org/assignments/media-types/video/mp4"/>
          <dcat:byteSize>1048576</dcat:byteSize>
        </dcat:Distribution></dcat:distribution>
      </rdf:Description>
    </rdf:RDF>""", "dcat")
    assert r.title == "Captioned lecture" and r.creators == ["Muster, Erika"]
    assert r.licence_urls == ["https://creativecommons.org/licenses/by-sa/4.0/legalcode"]
    assert r.landing_page == "https://zenodo.org/records/99" and r.subjects == ["video"]
    (f,) = r.files
    assert (f.name, f.media_type, f.size) == ("lecture.mp4", "video/mp4", 1048576)


def test_deleted_record_has_identity_and_flag_only():
    r = to_record("repo", header(deleted=True, sets=("a", "b")), None, "oai_dc")
    assert r.deleted is True and r.identifier == "oai:repo:1" and r.sets == ["a", "b"]
    assert r.title is None and r.files == [] and r.licence_statements == []


def test_entities_are_not_expanded_in_metadata():
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE dc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>A&xxe;B</dc:title></oai_dc:dc>"""
    r = to_record("repo", header(), parse_metadata_xml(xml), "oai_dc")
    assert "root:" not in (r.title or "")
