"""Build PowerPoint decks and Word documents with and without each defect, in code.

python-pptx and python-docx make the documents; where they have no API (alt text, the decorative
flag, header rows, floating images, colours) the helpers edit the XML the way PowerPoint and Word
write it. The hostile corpus (zip bombs, DOCTYPE attacks, truncated files) is made from these.
"""
from __future__ import annotations

import io
import struct
import zipfile

from docx import Document
from docx.oxml import parse_xml as docx_xml
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn as pqn
from pptx.util import Inches

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
ADEC = "http://schemas.microsoft.com/office/drawing/2017/decorative"
DECORATIVE_EXT = (f'<a:extLst xmlns:a="{A}"><a:ext uri="{{C183D7F6-B498-43B3-948B-1728B52AA6E4}}">'
                  f'<adec:decorative xmlns:adec="{ADEC}" val="1"/></a:ext></a:extLst>')


def png_bytes(colour=(200, 30, 30), size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def mark_decorative(nv_props) -> None:
    """What Office writes for "Mark as decorative" (cNvPr in PowerPoint, wp:docPr in Word)."""
    nv_props.append(etree.fromstring(DECORATIVE_EXT))


# --- PowerPoint ------------------------------------------------------------------------------

TITLE_AND_CONTENT, TITLE_ONLY, BLANK = 1, 5, 6


def deck() -> Presentation:
    return Presentation()


def save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def slide(prs, title: str | None = "Photosynthesis", body: str | None = None, layout: int | None = None):
    """A slide with a title placeholder (unless title is None: then a blank layout)."""
    if layout is None:
        layout = BLANK if title is None else (TITLE_AND_CONTENT if body is not None else TITLE_ONLY)
    s = prs.slides.add_slide(prs.slide_layouts[layout])
    if title is not None and s.shapes.title is not None:
        s.shapes.title.text = title
    if body is not None:
        s.placeholders[1].text_frame.text = body
    return s


def picture(s, descr: str | None = None, *, decorative: bool = False, name: str = "diagram.png",
            left=Inches(1), top=Inches(2)):
    """add_picture() writes the file name into descr, the trap REFERENCE.md warns about."""
    path = io.BytesIO(png_bytes())
    pic = s.shapes.add_picture(path, left, top, Inches(2), Inches(2))
    nv = pic._element.nvPicPr.cNvPr
    nv.set("descr", name)
    if descr is not None:
        nv.set("descr", descr)
    if decorative:
        nv.set("descr", "")
        mark_decorative(nv)
    return pic


def text_box(s, text: str, left=Inches(1), top=Inches(2), width=Inches(4), height=Inches(1),
             colour: str | None = None, fill: str | None = None, size: int | None = None, bold=False):
    box = s.shapes.add_textbox(left, top, width, height)
    box.text_frame.text = text
    run = box.text_frame.paragraphs[0].runs[0]
    if colour:
        from pptx.dml.color import RGBColor as PRGB
        run.font.color.rgb = PRGB.from_string(colour)
    if size:
        run.font.size = Pt(size)
    if bold:
        run.font.bold = True
    if fill:
        from pptx.dml.color import RGBColor as PRGB
        box.fill.solid()
        box.fill.fore_color.rgb = PRGB.from_string(fill)
    return box


def link(s, text: str, url: str, top=Inches(4)):
    box = s.shapes.add_textbox(Inches(1), top, Inches(4), Inches(1))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = text
    run.hyperlink.address = url
    return box


def table(s, rows=3, cols=3, *, header=True, merge=False, top=Inches(2)):
    frame = s.shapes.add_table(rows, cols, Inches(1), top, Inches(6), Inches(2))
    tbl = frame.table
    for r in range(rows):
        for c in range(cols):
            tbl.cell(r, c).text = f"r{r}c{c}" if r else f"Heading {c}"
    tbl.first_row = header
    if merge:
        tbl.cell(1, 0).merge(tbl.cell(1, 1))
    return frame


def chart(s, descr: str | None = None):
    data = CategoryChartData()
    data.categories = ["2022", "2023"]
    data.add_series("Students", (120, 180))
    frame = s.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(4), Inches(3), data)
    if descr is not None:
        frame._element.nvGraphicFramePr.cNvPr.set("descr", descr)
    return frame


def group(s, descr: str | None = None, picture_descr: str | None = "A red square"):
    grp = s.shapes.add_group_shape()
    pic = grp.shapes.add_picture(io.BytesIO(png_bytes()), Inches(1), Inches(2), Inches(1), Inches(1))
    pic._element.nvPicPr.cNvPr.set("descr", picture_descr or "")
    grp.shapes.add_textbox(Inches(2), Inches(2), Inches(2), Inches(1)).text_frame.text = "Label"
    if descr is not None:
        grp._element.nvGrpSpPr.cNvPr.set("descr", descr)
    return grp


def mp4_bytes(captions: bool) -> bytes:
    """A tiny MP4-like stream: ftyp box and a handler box (a 'sbtl' one means a text track)."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    handler = b"sbtl" if captions else b"vide"
    hdlr = struct.pack(">I4sII4s", 24, b"hdlr", 0, 0, handler) + b"\0" * 4
    return ftyp + hdlr


def video(s, captions: bool = False, descr: str = "Lecture video: the Calvin cycle"):
    movie = s.shapes.add_movie(io.BytesIO(mp4_bytes(captions)), Inches(1), Inches(2), Inches(4), Inches(3),
                               poster_frame_image=io.BytesIO(png_bytes()), mime_type="video/mp4")
    movie._element.nvPicPr.cNvPr.set("descr", descr)
    return movie


def strip_language(prs) -> None:
    """Remove every lang attribute PowerPoint's template and python-pptx wrote."""
    for part in [prs.part, *[sl.part for sl in prs.slides], prs.slide_master.part,
                 *[lay.part for lay in prs.slide_layouts]]:
        for el in part._element.iter():
            if isinstance(el.tag, str) and "lang" in el.attrib:
                del el.attrib["lang"]


def set_language(prs, lang: str) -> None:
    """Mark every run's language, as PowerPoint does when the proofing language is set."""
    for s in prs.slides:
        for r in s._element.iter(pqn("a:r")):
            r.get_or_add_rPr().set("lang", lang)


def slide_background(s, hex_colour: str) -> None:
    s.background.fill.solid()
    from pptx.dml.color import RGBColor as PRGB
    s.background.fill.fore_color.rgb = PRGB.from_string(hex_colour)


# --- Word ------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
LOREM = ("Photosynthesis turns light energy into chemical energy that plants store as sugar. "
         "The light reactions happen in the thylakoid membranes and the Calvin cycle in the stroma. ")


def document(title: str | None = "Photosynthesis basics") -> Document:
    doc = Document()
    doc.core_properties.title = title or ""
    return doc


def body(doc, words: int = 60, text: str = LOREM):
    """Body paragraphs of about `words` words."""
    n = max(1, words // len(text.split()))
    for _ in range(n):
        doc.add_paragraph(text.strip())


def long_document(doc, headings=("Heading 1", "Heading 2")):
    for style in headings:
        doc.add_paragraph("Section about light", style=style)
        body(doc, 150)


def doc_picture(doc, descr: str | None = None, *, decorative: bool = False, name: str = "diagram.png"):
    """An inline picture; python-docx writes the file name into wp:docPr/@descr."""
    doc.add_picture(io.BytesIO(png_bytes()))
    run_el = doc.paragraphs[-1].runs[-1]._element
    doc_pr = run_el.find(".//" + qn("wp:docPr"))
    doc_pr.set("descr", name)
    if descr is not None:
        doc_pr.set("descr", descr)
    if decorative:
        doc_pr.set("descr", "")
        mark_decorative(doc_pr)
    return doc_pr


WRAPS = {"square": '<wp:wrapSquare xmlns:wp="{WP}" wrapText="bothSides"/>',
         "top and bottom": '<wp:wrapTopAndBottom xmlns:wp="{WP}"/>',
         "in front of text": '<wp:wrapNone xmlns:wp="{WP}"/>', "behind text": '<wp:wrapNone xmlns:wp="{WP}"/>'}


def make_floating(doc_pr, wrap: str = "square") -> None:
    """Turn the inline picture holding this docPr into a floating (wp:anchor) one, as Word does,
    with one of Word's text wrapping options (WRAPS)."""
    inline = doc_pr.getparent()
    anchor = etree.SubElement(inline.getparent(), f"{{{WP}}}anchor",
                              {"distT": "0", "distB": "0", "distL": "114300", "distR": "114300",
                               "simplePos": "0", "relativeHeight": "1",
                               "behindDoc": "1" if wrap == "behind text" else "0", "locked": "0",
                               "layoutInCell": "1", "allowOverlap": "1"})
    inline.getparent().remove(anchor)
    anchor.append(etree.fromstring(f'<wp:simplePos xmlns:wp="{WP}" x="0" y="0"/>'))
    anchor.append(etree.fromstring(f'<wp:positionH xmlns:wp="{WP}" relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'))
    anchor.append(etree.fromstring(f'<wp:positionV xmlns:wp="{WP}" relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'))
    for child in list(inline):
        if etree.QName(child).localname == "docPr":
            anchor.append(etree.fromstring(WRAPS[wrap].replace("{WP}", WP)))
        anchor.append(child)
    inline.getparent().replace(inline, anchor)


def doc_chart(doc, descr: str | None = None):
    """An inline chart frame (the chart part itself is not needed to judge its alt text)."""
    xml = (f'<w:r xmlns:w="{W}" xmlns:wp="{WP}" xmlns:a="{A}" '
           'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           '<w:drawing><wp:inline><wp:extent cx="5486400" cy="3200400"/>'
           f'<wp:docPr id="77" name="Chart 1"{f" descr={chr(34)}{descr}{chr(34)}" if descr else ""}/>'
           '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
           '<c:chart r:id="rIdNone"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')
    p = doc.add_paragraph()
    p._p.append(docx_xml(xml))
    return p


def doc_table(doc, rows=3, cols=3, *, header=True, merge=False, vmerge=False, empty_row=False,
              empty_cell=False):
    tbl = doc.add_table(rows=rows, cols=cols)
    for r in range(rows):
        for c in range(cols):
            tbl.cell(r, c).text = f"Heading {c}" if r == 0 else f"r{r}c{c}"
    if header:
        tr_pr = tbl.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(docx_xml(f'<w:tblHeader xmlns:w="{W}"/>'))
    if merge:
        tbl.cell(1, 0).merge(tbl.cell(1, 1))
    if vmerge:
        tbl.cell(1, 2).merge(tbl.cell(2, 2))
    if empty_row:
        for c in range(cols):
            tbl.cell(rows - 1, c).text = ""
    if empty_cell:
        tbl.cell(1, 1).text = ""
    return tbl


def doc_styled_table(doc, style: str, look: str | None = '<w:tblLook w:firstRow="1" w:noVBand="1"/>',
                     tbl_shd: str = "", colours: tuple = (None, None), rows: int = 3, cols: int = 2):
    """A table in the table style "OerTable", defined here by its inner XML `style` (w:tblPr,
    w:tcPr, w:rPr, w:tblStylePr...), with `look` (a w:tblLook, or None for none) and `tbl_shd`
    (the table's own w:shd); the header row's text in colours[0], the others' in colours[1]."""
    doc.styles.element.append(docx_xml(
        f'<w:style xmlns:w="{W}" w:type="table" w:styleId="OerTable"><w:name w:val="Oer Table"/>{style}</w:style>'))
    tbl = doc.add_table(rows=rows, cols=cols)
    tbl_pr = tbl._tbl.tblPr
    for el in tbl_pr.findall(qn("w:tblLook")):
        tbl_pr.remove(el)
    extra = f'<w:tblStyle w:val="OerTable"/>{tbl_shd}{look or ""}'
    for i, el in enumerate(docx_xml(f'<w:x xmlns:w="{W}">{extra}</w:x>')):
        tbl_pr.insert(i, el) if i == 0 else tbl_pr.append(el)
    for r in range(rows):
        for c in range(cols):
            p = tbl.cell(r, c).paragraphs[0]
            coloured_run(p, f"Heading {c}" if r == 0 else f"Value {r}.{c}", colours[0] if r == 0 else colours[1])
    return tbl


def doc_link(doc, text: str, url: str, paragraph=None):
    """A w:hyperlink with an external relationship, as Word writes it."""
    p = paragraph or doc.add_paragraph("See ")
    rid = doc.part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                             is_external=True)
    p._p.append(docx_xml(
        f'<w:hyperlink xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        f'r:id="{rid}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:hyperlink>'))
    return p


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
VML = "urn:schemas-microsoft-com:vml"


def doc_text_box(doc, content: str, fill: str = "", *, style: str = "", vml: str = 'fillcolor="#1f3864 [3204]"',
                 vml_fill: str = "", drawing: bool = True):
    """A floating text box holding `content` (w:p XML without namespace declarations), as Word
    writes it: DrawingML (wps:wsp with the `fill` and `style` XML) in mc:Choice and a VML copy of
    the same content (v:shape with the `vml` attributes and `vml_fill` v:fill XML) in mc:Fallback; only the VML shape, as
    Word 2007 wrote it, without `drawing`."""
    box = f'<w:txbxContent>{content}</w:txbxContent>'
    pict = f'<w:pict><v:shape type="#_x0000_t202" {vml}>{vml_fill}<v:textbox>{box}</v:textbox></v:shape></w:pict>'
    run = pict if not drawing else (
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2000000" cy="600000"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="9" name="Text Box 9"/><a:graphic><a:graphicData '
        f'uri="{WPS}"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:prstGeom prst="rect"/>{fill}</wps:spPr>'
        f'{style}<wps:txbx>{box}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor>'
        f'</w:drawing></mc:Choice><mc:Fallback>{pict}</mc:Fallback></mc:AlternateContent>')
    p = doc.add_paragraph()
    p._p.append(docx_xml(f'<w:r xmlns:w="{W}" xmlns:wp="{WP}" xmlns:a="{A}" xmlns:mc="{MC}" '
                         f'xmlns:wps="{WPS}" xmlns:v="{VML}">{run}</w:r>'))
    return p


def doc_language(doc, lang: str | None) -> None:
    """Set or remove the document default language (styles.xml docDefaults)."""
    styles = doc.styles.element
    for el in styles.iter(qn("w:lang")):
        el.getparent().remove(el)
    if lang:
        r_pr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
        r_pr.append(docx_xml(f'<w:lang xmlns:w="{W}" w:val="{lang}"/>'))


def coloured_run(p, text: str, colour: str | None = None, *, underline=False, bold=False, shade=None,
                 size=None):
    run = p.add_run(text)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    if underline:
        run.font.underline = True
    if bold:
        run.font.bold = True
    if size:
        run.font.size = Pt(size)
    if shade:
        run._element.get_or_add_rPr().append(docx_xml(f'<w:shd xmlns:w="{W}" w:val="clear" w:color="auto" w:fill="{shade}"/>'))
    return run


# --- hostile corpus --------------------------------------------------------------------------

def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def rezip(parts: dict[str, bytes], extra: list[tuple[str, bytes]] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
        for name, blob in extra:
            zf.writestr(name, blob)
    return buf.getvalue()


def replace_member(data: bytes, name: str, blob: bytes) -> bytes:
    parts = members(data)
    parts[name] = blob
    return rezip(parts)


def zip_bomb(data: bytes, megabytes: int = 400) -> bytes:
    """A valid deck/document plus one member that unpacks to `megabytes` of zeros.

    The member is written with a streaming compressor so the test never holds it uncompressed.
    """
    parts = members(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
        with zf.open("docProps/padding.bin", "w", force_zip64=True) as out:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                out.write(chunk)
    return buf.getvalue()


def many_members(data: bytes, count: int = 6000) -> bytes:
    parts = members(data)
    return rezip(parts, [(f"customXml/item{i}.bin", b"x") for i in range(count)])


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>\n")
EXTERNAL_ENTITY = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def with_doctype(data: bytes, member: str, prolog: bytes, entity: bytes) -> bytes:
    """Put a DOCTYPE in front of one XML part and an entity reference in its first text."""
    parts = members(data)
    xml = parts[member]
    body_xml = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    body_xml = body_xml.replace(b"<a:t>", b"<a:t>" + entity, 1).replace(b"<w:t>", b"<w:t>" + entity, 1)
    parts[member] = prolog + body_xml.lstrip()
    return rezip(parts)


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]



# --- reading results -------------------------------------------------------------------------

def results(findings, rule: str) -> list[str]:
    """Outcomes recorded for one rule, one per finding (a `passed` finding stands for its count)."""
    return [f.outcome for f in findings if f.rule == rule]


def problems(findings, rule: str):
    return [f for f in findings if f.rule == rule and f.outcome in ("failed", "cantTell")]
