"""A PDF/UA-1 machine check: the conditions of ISO 14289-1 that software can decide, as the
veraPDF PDF/UA-1 profile and the Matterhorn Protocol state them, for what our documents contain.

No maintained Python package does this (the `pdfua` package on PyPI, 0.1.3, is an alpha that
covers 16 of the 106 machine-checkable rules; veraPDF needs a JVM), so the checks are written
here on pikepdf. Each failure names its clause as veraPDF's profile numbers it ("7.1-3": clause
7.1, test 3). check(pdf) returns the failures; assert_pdfua(pdf) fails a test with all of them.

What is checked:
  5, 6.2, 7.1-4/8/9/10/11  identification, MarkInfo, Suspects, XMP with dc:title, DisplayDocTitle,
                           structure tree
  7.1-1/2/3               every painting operator (text, paths, images, shadings) is either
                           an artifact or tagged content whose MCID belongs to a structure
                           element reachable from the root; no nesting of the two
  7.1-5/6/7, 7.1-12        role map: non-standard types mapped to standard ones, no cycles,
                           standard types not remapped; every element has its parent
  7.2-3…20, 36…43          tables (rows, cells, heads, equal column counts), lists
  7.2-26…28                TOC and TOCI
  7.2-29, 7.2-34           Lang present on the catalog and every Lang value a language tag
  7.3-1                    figures have Alt or ActualText
  7.4.2-1, 7.4.4           headings start at H1 and do not skip a level; no mix of H and Hn
  7.5                      a table's TD point to its TH by Headers/ID, or every TH has Scope
  7.9                      notes have unique IDs
  7.10, 7.11, 7.15, 7.16   optional content names, embedded file names, no dynamic XFA, AT
                           permission when encrypted
  7.18.1…7.18.5            annotations nested in Annot, Form or Link elements (hidden ones
                           excepted), form fields with TU, links with Contents, Tabs /S
  7.20-1                   no reference XObjects
  7.21.3…7.21.8            fonts embedded, CIDToGIDMap, Identity or embedded CMaps, ToUnicode
                           for every font with values other than 0, FEFF, FFFE, widths equal
                           to the font program's, no .notdef glyph shown, no glyph outside
                           the font
Not checked (need a human or a renderer): reading order equal to the meaning, alt texts that
describe, contrast, and the glyph-level tests of Type 1 and CFF fonts (ours are TrueType).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

STANDARD_TYPES = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index", "NonStruct",
    "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH",
    "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot",
    "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}
_LANG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_PAINT = {"Tj", "TJ", "'", '"', "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "BI", "INLINE IMAGE"}
_SHOW = {"Tj", "TJ", "'", '"'}


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def fail(self, clause: str, message: str) -> None:
        if len(self.failures) < 200:
            self.failures.append(f"{clause}: {message}")


def _name(value) -> str:
    return str(value)[1:] if isinstance(value, Name) else str(value)


def _key(obj) -> tuple:
    return obj.objgen if obj.is_indirect else (id(obj), 0)


class _Checker:
    def __init__(self, pdf: pikepdf.Pdf, foreign_pages: frozenset[int] = frozenset()):
        self.pdf = pdf
        self.foreign_pages = foreign_pages
        self.root = pdf.Root
        self.report = Report()
        self.role_map = {}
        # (page objgen, mcid) -> structure element reachable from the root
        self.mcid_owner: dict[tuple, pikepdf.Object] = {}
        self.reachable: set[tuple] = set()
        self.annotation_parents: dict[tuple, str] = {}  # annotation objgen -> standard type
        self.fonts_seen: dict[tuple, pikepdf.Object] = {}
        self.font_programs: dict[tuple, object] = {}

    def fail(self, clause: str, message: str) -> None:
        self.report.fail(clause, message)

    # -- document -------------------------------------------------------------------------
    def document(self) -> None:
        root = self.root
        if not self.pdf.pdf_version <= "1.7":
            self.fail("6.1-1", f"PDF version {self.pdf.pdf_version} (PDF/UA-1 is PDF 1.x)")
        mark_info = root.get("/MarkInfo")
        if mark_info is None or not bool(mark_info.get("/Marked", False)):
            self.fail("6.2-1", "MarkInfo/Marked is not true")
        if mark_info is not None and bool(mark_info.get("/Suspects", False)):
            self.fail("7.1-4", "Suspects is true")
        prefs = root.get("/ViewerPreferences")
        if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
            self.fail("7.1-10", "ViewerPreferences/DisplayDocTitle is not true")
        lang = root.get("/Lang")
        if lang is None or not str(lang):
            self.fail("7.2-34", "the catalog has no Lang")
        elif not _LANG.match(str(lang)):
            self.fail("7.2-29", f"catalog Lang {str(lang)!r} is not a language tag")
        if "/Metadata" not in root:
            self.fail("7.1-8", "no XMP metadata stream in the catalog")
        else:
            xmp = root.Metadata.read_bytes().decode("utf-8", "replace")
            part = re.search(r'pdfuaid:part(?:="|>)\s*(\d+)', xmp)
            if not part:
                self.fail("5-1", "XMP has no pdfuaid:part")
            elif part.group(1) != "1":
                self.fail("5-2", f"pdfuaid:part is {part.group(1)}, not 1")
            title = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)
            if not title or not title.group(1).strip():
                self.fail("7.1-9", "XMP has no dc:title")
        if "/StructTreeRoot" not in root:
            self.fail("7.1-11", "no structure tree (StructTreeRoot)")
        encrypt = self.pdf.trailer.get("/Encrypt")
        if encrypt is not None and not int(encrypt.get("/P", 0)) & 512:
            self.fail("7.16-1", "encrypted without permission for assistive technology")
        acroform = root.get("/AcroForm")
        if acroform is not None and "/XFA" in acroform:
            self.fail("7.15-1", "XFA form")
        oc = root.get("/OCProperties")
        if oc is not None:
            configs = [oc.get("/D")] + list(oc.get("/Configs", []))
            for config in filter(None, configs):
                if not str(config.get("/Name", "")):
                    self.fail("7.10-1", "optional content configuration without Name")
                if "/AS" in config:
                    self.fail("7.10-2", "optional content configuration with AS")
        names = root.get("/Names")
        if names is not None and "/EmbeddedFiles" in names:
            for _name_, spec in pikepdf.NameTree(names.EmbeddedFiles).items():
                if "/EF" in spec and not (str(spec.get("/F", "")) and str(spec.get("/UF", ""))):
                    self.fail("7.11-1", "embedded file without F and UF")

    # -- structure ------------------------------------------------------------------------
    def standard(self, element_type: str) -> str:
        seen = set()
        while element_type not in STANDARD_TYPES and element_type in self.role_map:
            if element_type in seen:
                return ""
            seen.add(element_type)
            element_type = self.role_map[element_type]
        return element_type if element_type in STANDARD_TYPES else ""

    def structure(self) -> None:
        tree = self.root.get("/StructTreeRoot")
        if tree is None:
            return
        role_map = tree.get("/RoleMap")
        if role_map is not None:
            for key, value in role_map.items():
                self.role_map[key[1:]] = _name(value)
            for key in self.role_map:
                if key in STANDARD_TYPES:
                    self.fail("7.1-7", f"standard type {key} is remapped")
                if not self.standard(key):
                    self.fail("7.1-5" if key not in self._cycles() else "7.1-6",
                              f"{key} is not mapped to a standard type")
        self.headings: list[int] = []
        self.uses_h = False
        self.note_ids: list[str] = []
        kids = tree.get("/K")
        for kid in self._kids(kids):
            if isinstance(kid, Dictionary):
                self.element(kid, None)
        levels = self.headings
        if levels and levels[0] != 1:
            self.fail("7.4.2-1", f"the first heading is H{levels[0]}, not H1")
        for previous, level in zip(levels, levels[1:]):
            if level > previous + 1:
                self.fail("7.4.2-1", f"heading H{level} follows H{previous}")
        if self.uses_h and levels:
            self.fail("7.4.4-2", "both H and H1…H6 are used")
        if len(set(self.note_ids)) < len(self.note_ids):
            self.fail("7.9-2", "Note IDs repeat")

    def _cycles(self) -> set[str]:
        cyclic = set()
        for start in self.role_map:
            seen, current = set(), start
            while current in self.role_map:
                if current in seen:
                    cyclic.add(start)
                    break
                seen.add(current)
                current = self.role_map[current]
        return cyclic

    @staticmethod
    def _kids(kids):
        if kids is None:
            return []
        if isinstance(kids, Array):
            return list(kids)
        return [kids]

    def element(self, element: Dictionary, parent_type: str | None) -> None:
        key = _key(element)
        if key in self.reachable:
            return
        self.reachable.add(key)
        element_type = _name(element.get("/S", ""))
        standard = self.standard(element_type)
        if "/P" not in element:
            self.fail("7.1-12", f"{element_type} has no parent (P)")
        if "/Lang" in element and not _LANG.match(str(element.Lang)):
            self.fail("7.2-29", f"{element_type} Lang {str(element.Lang)!r} is not a language tag")
        if standard == "Figure" and not (str(element.get("/Alt", "")) or "/ActualText" in element):
            self.fail("7.3-1", "Figure without Alt or ActualText")
        if standard == "Formula" and not (str(element.get("/Alt", "")) or "/ActualText" in element):
            self.fail("7.7-1", "Formula without Alt or ActualText")
        if standard == "Note":
            note_id = str(element.get("/ID", ""))
            if not note_id:
                self.fail("7.9-1", "Note without ID")
            self.note_ids.append(note_id)
        if re.fullmatch(r"H[1-6]", standard):
            self.headings.append(int(standard[1]))
        elif standard == "H":
            self.uses_h = True
        kid_types = []
        page = element.get("/Pg")
        for kid in self._kids(element.get("/K")):
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                annotation = kid.get("/Obj")
                if annotation is not None:
                    self.annotation_parents[_key(annotation)] = standard
                continue
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                kid_page = kid.get("/Pg", page)
                self._own_mcid(kid_page, int(kid.MCID), element)
                continue
            if isinstance(kid, Dictionary):
                kid_types.append(self.standard(_name(kid.get("/S", ""))))
                self.element(kid, standard)
            elif isinstance(kid, int):
                self._own_mcid(page, int(kid), element)
        self.relations(element_type, standard, parent_type, kid_types, element)

    def _own_mcid(self, page, mcid: int, element) -> None:
        if page is None:
            self.fail("7.1-3", f"MCID {mcid} of {_name(element.get('/S'))} names no page")
            return
        self.mcid_owner[(page.objgen, mcid)] = element

    def relations(self, element_type, standard, parent, kids, element) -> None:
        allowed_parents = {"TR": {"Table", "THead", "TBody", "TFoot"}, "THead": {"Table"}, "TBody": {"Table"},
                           "TFoot": {"Table"}, "TH": {"TR"}, "TD": {"TR"}, "LI": {"L"}, "LBody": {"LI"},
                           "TOCI": {"TOC"}}
        clause = {"TR": "7.2-4", "THead": "7.2-5", "TBody": "7.2-6", "TFoot": "7.2-7", "TH": "7.2-8", "TD": "7.2-9",
                  "LI": "7.2-17", "LBody": "7.2-18", "TOCI": "7.2-26"}
        if standard in allowed_parents and parent not in allowed_parents[standard]:
            self.fail(clause[standard], f"{element_type} inside {parent}")
        allowed_kids = {"Table": {"TR", "THead", "TBody", "TFoot", "Caption"}, "TR": {"TH", "TD"},
                        "L": {"L", "LI", "Caption"}, "LI": {"Lbl", "LBody"}, "THead": {"TR"}, "TBody": {"TR"},
                        "TFoot": {"TR"}, "TOC": {"TOC", "TOCI", "Caption"}}
        kid_clause = {"Table": "7.2-3", "TR": "7.2-10", "L": "7.2-19", "LI": "7.2-20", "THead": "7.2-36",
                      "TBody": "7.2-37", "TFoot": "7.2-38", "TOC": "7.2-27"}
        if standard in allowed_kids:
            wrong = [kid for kid in kids if kid not in allowed_kids[standard]]
            if wrong:
                self.fail(kid_clause[standard], f"{element_type} holds {', '.join(wrong)}")
        if standard == "Table":
            if kids.count("THead") > 1:
                self.fail("7.2-11", "Table with more than one THead")
            if kids.count("TFoot") > 1:
                self.fail("7.2-12", "Table with more than one TFoot")
            if "TFoot" in kids and "TBody" not in kids:
                self.fail("7.2-13", "Table with TFoot and no TBody")
            if "THead" in kids and "TBody" not in kids:
                self.fail("7.2-14", "Table with THead and no TBody")
            if kids.count("Caption") > 1:
                self.fail("7.2-39", "Table with more than one Caption")
            if "Caption" in kids[1:-1]:
                self.fail("7.2-16", "Table Caption neither first nor last")
            self.table(element)
        if standard in ("L", "TOC") and "Caption" in kids[1:]:
            self.fail("7.2-40" if standard == "L" else "7.2-28", f"{standard} Caption not first")
        if standard == "Form":
            objrs = [kid for kid in self._kids(element.get("/K"))
                     if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR]
            attributes = element.get("/A")
            has_role = attributes is not None and any(
                "/Role" in a for a in (attributes if isinstance(attributes, Array) else [attributes])
                if isinstance(a, Dictionary))
            if not has_role and len(self._kids(element.get("/K"))) != 1 and len(objrs) != 1:
                self.fail("7.18.4-2", "Form element without Role holds other than one widget")

    def table(self, table: Dictionary) -> None:
        rows = []

        def collect(element):
            for kid in self._kids(element.get("/K")):
                if not isinstance(kid, Dictionary) or "/S" not in kid:
                    continue
                kind = self.standard(_name(kid.S))
                if kind == "TR":
                    rows.append([cell for cell in self._kids(kid.get("/K"))
                                 if isinstance(cell, Dictionary) and self.standard(_name(cell.get("/S", "")))
                                 in ("TH", "TD")])
                elif kind in ("THead", "TBody", "TFoot"):
                    collect(kid)

        collect(table)
        # Column counts with spans (7.2-42): a cell spanning rows takes its column in the rows below.
        carried: dict[int, int] = {}
        widths = []
        for row in rows:
            column, width = 0, 0
            for cell in row:
                while carried.get(column, 0) > 0:
                    carried[column] -= 1
                    column += 1
                    width += 1
                attributes = cell.get("/A")
                attrs = attributes if isinstance(attributes, Array) else [attributes] if attributes else []
                colspan = next((int(a.ColSpan) for a in attrs if isinstance(a, Dictionary) and "/ColSpan" in a), 1)
                rowspan = next((int(a.RowSpan) for a in attrs if isinstance(a, Dictionary) and "/RowSpan" in a), 1)
                for _ in range(colspan):
                    if rowspan > 1:
                        carried[column] = rowspan - 1
                    column += 1
                    width += 1
            while carried.get(column, 0) > 0:
                carried[column] -= 1
                column += 1
                width += 1
            widths.append(width)
        if len(set(widths)) > 1:
            self.fail("7.2-42", f"table rows have {sorted(set(widths))} columns")
        # Headers (7.5): every TD names existing TH IDs, or every TH has a Scope.
        header_ids, scoped, headers_complete, has_th = set(), True, True, False
        for row in rows:
            for cell in row:
                kind = self.standard(_name(cell.S))
                attributes = cell.get("/A")
                attrs = attributes if isinstance(attributes, Array) else [attributes] if attributes else []
                if kind == "TH":
                    has_th = True
                    if "/ID" in cell:
                        header_ids.add(bytes(cell.ID))
                    if not any(isinstance(a, Dictionary) and "/Scope" in a for a in attrs):
                        scoped = False
        for row in rows:
            for cell in row:
                if self.standard(_name(cell.S)) != "TD":
                    continue
                attributes = cell.get("/A")
                attrs = attributes if isinstance(attributes, Array) else [attributes] if attributes else []
                named = [bytes(h) for a in attrs if isinstance(a, Dictionary) and "/Headers" in a for h in a.Headers]
                if not named or any(h not in header_ids for h in named):
                    headers_complete = False
        if has_th and not scoped and not headers_complete:
            self.fail("7.5-1", "TH without Scope in a table whose cells do not name their headers")

    # -- content --------------------------------------------------------------------------
    def pages(self) -> None:
        tree = self.root.get("/StructTreeRoot")
        parent_tree = {}
        if tree is not None and "/ParentTree" in tree:
            parent_tree = {int(k): v for k, v in pikepdf.NumberTree(tree.ParentTree).items()}
        for number, page in enumerate(self.pdf.pages, start=1):
            page_obj = page.obj
            self.page_number = number
            annotations = list(page_obj.get("/Annots", []))
            if annotations and page_obj.get("/Tabs") != Name.S:
                self.fail("7.18.3-1", f"page {number} has annotations but Tabs is not /S")
            for annotation in annotations:
                self.annotation(annotation, parent_tree)
            used_mcids = set()
            self.content(page_obj, page.obj.get("/Resources", Dictionary()), page_obj, [], used_mcids, set())
            for mcid in used_mcids:
                if (page_obj.objgen, mcid) not in self.mcid_owner:
                    self.fail("7.1-3", f"page {number}: marked content {mcid} belongs to no element in the tree")

    def annotation(self, annotation: Dictionary, parent_tree: dict) -> None:
        subtype = _name(annotation.get("/Subtype", ""))
        hidden = int(annotation.get("/F", 0)) & 2
        if subtype == "Popup" or hidden:
            return
        parent = self.annotation_parents.get(_key(annotation))
        if parent is None and "/StructParent" in annotation:
            owner = parent_tree.get(int(annotation.StructParent))
            if isinstance(owner, Dictionary) and _key(owner) in self.reachable:
                parent = self.standard(_name(owner.get("/S", "")))
        if subtype == "Widget":
            if parent != "Form":
                self.fail("7.18.4-1", f"page {self.page_number}: widget {str(annotation.get('/T', ''))!r} "
                          f"is not in a Form element ({parent})")
            field_ = annotation
            while "/TU" not in field_ and "/Parent" in field_:
                field_ = field_.Parent
            if not str(field_.get("/TU", "")):
                self.fail("7.18.1-3", f"form field {str(annotation.get('/T', ''))!r} has no TU")
        elif subtype == "Link":
            if parent != "Link":
                self.fail("7.18.5-1", f"page {self.page_number}: link annotation not in a Link element")
            if not str(annotation.get("/Contents", "")):
                self.fail("7.18.5-2", f"page {self.page_number}: link annotation without Contents")
        elif subtype == "PrinterMark":
            pass
        else:
            if parent != "Annot":
                self.fail("7.18.1-1", f"page {self.page_number}: {subtype} annotation not in an Annot element")
            if subtype == "TrapNet":
                self.fail("7.18.2-1", "TrapNet annotation")
        for appearance in (annotation.get("/AP") or {}).values() if "/AP" in annotation else ():
            streams = [appearance] if isinstance(appearance, Stream) else list(appearance.values())
            for stream in streams:
                if isinstance(stream, Stream):
                    self.fonts_of(stream.get("/Resources", Dictionary()), stream)

    def content(self, holder, resources, page, stack, used_mcids, visited) -> None:
        """Walk a content stream with the marked-content stack inherited from the caller."""
        if _key(holder) in visited:
            return
        visited = visited | {_key(holder)}
        font = None
        try:
            instructions = pikepdf.parse_content_stream(holder)
        except pikepdf.PdfError as error:
            self.fail("7.1-3", f"page {self.page_number}: content cannot be parsed ({error})")
            return
        fonts = resources.get("/Font", Dictionary())
        xobjects = resources.get("/XObject", Dictionary())
        stack = list(stack)
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                operator = "INLINE IMAGE"
                operands = []
            else:
                operands, op = instruction.operands, instruction.operator
                operator = str(op)
            if operator in ("BMC", "BDC"):
                tag = _name(operands[0])
                mcid = None
                if operator == "BDC" and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
                    mcid = int(operands[1].MCID)
                    used_mcids.add(mcid)
                artifact = any(entry[0] == "Artifact" for entry in stack)
                tagged = any(entry[1] is not None for entry in stack)
                if tag == "Artifact" and tagged:
                    self.fail("7.1-1", f"page {self.page_number}: artifact inside tagged content")
                if mcid is not None and artifact:
                    self.fail("7.1-2", f"page {self.page_number}: tagged content inside an artifact")
                stack.append((tag, mcid))
            elif operator == "EMC":
                if stack:
                    stack.pop()
            elif operator == "Tf":
                font = fonts.get(operands[0]) if operands else None
                if font is not None and self.page_number not in self.foreign_pages:
                    self.fonts_seen[_key(font)] = font
            elif operator in _PAINT or operator == "Do":
                if operator == "Do":
                    xobject = xobjects.get(operands[0])
                    if xobject is None:
                        continue
                    if xobject.get("/Subtype") == Name.Form:
                        if "/Ref" in xobject:
                            self.fail("7.20-1", "reference XObject")
                        self.content(xobject, xobject.get("/Resources", resources), page, stack, used_mcids,
                                     visited)
                        continue
                if not self._marked(stack):
                    self.fail("7.1-3", f"page {self.page_number}: {operator} outside any artifact or tagged content")
                if operator in _SHOW and font is not None and self.page_number not in self.foreign_pages:
                    self.shown(font, operands, operator)
        if any(entry[1] is not None for entry in stack) and holder is page:
            pass

    @staticmethod
    def _marked(stack) -> bool:
        return any(tag == "Artifact" or mcid is not None for tag, mcid in stack)

    # -- fonts ----------------------------------------------------------------------------
    def fonts_of(self, resources, holder) -> None:
        for font in resources.get("/Font", Dictionary()).values():
            self.fonts_seen[_key(font)] = font

    def _program(self, font):
        descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is None or "/FontFile2" not in descriptor:
            return None
        key = _key(descriptor.FontFile2)
        if key not in self.font_programs:
            from fontTools.ttLib import TTFont
            try:
                self.font_programs[key] = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()), lazy=True)
            except Exception:
                self.font_programs[key] = None
        return self.font_programs[key]

    def shown(self, font, operands, operator) -> None:
        if _name(font.get("/Subtype", "")) != "Type0":
            return
        strings = []
        if operator == "TJ":
            strings = [bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)]
        elif operands:
            strings = [bytes(operands[-1])]
        program = self._program(font)
        glyphs = program["maxp"].numGlyphs if program is not None else None
        for data in strings:
            for index in range(0, len(data) - 1, 2):
                code = data[index] << 8 | data[index + 1]
                if code == 0:
                    self.fail("7.21.8-1", f"{_name(font.get('/BaseFont'))}: .notdef glyph shown")
                elif glyphs is not None and code >= glyphs:
                    self.fail("7.21.4.1-2", f"{_name(font.get('/BaseFont'))}: glyph {code} not in the font")

    def fonts(self) -> None:
        for font in self.fonts_seen.values():
            name = _name(font.get("/BaseFont", "?"))
            subtype = _name(font.get("/Subtype", ""))
            if subtype == "Type3":
                continue
            if "/ToUnicode" not in font:
                self.fail("7.21.7-1", f"{name} has no ToUnicode map")
            else:
                cmap = font.ToUnicode.read_bytes().decode("latin-1")
                for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]*)>", cmap):
                    units = [target[i:i + 4].lower() for i in range(0, len(target), 4)]
                    if any(unit in ("0000", "feff", "fffe") for unit in units):
                        self.fail("7.21.7-2", f"{name}: ToUnicode maps to 0, FEFF or FFFE")
                        break
            if subtype == "Type0":
                encoding = _name(font.get("/Encoding", ""))
                if encoding not in ("Identity-H", "Identity-V") and not isinstance(font.get("/Encoding"), Stream):
                    self.fail("7.21.3.3-1", f"{name}: CMap {encoding} neither Identity nor embedded")
                descendant = font.DescendantFonts[0]
                descriptor = descendant.get("/FontDescriptor", Dictionary())
                if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    self.fail("7.21.4.1-1", f"{name} is not embedded")
                if _name(descendant.get("/Subtype", "")) == "CIDFontType2" and "/CIDToGIDMap" not in descendant:
                    self.fail("7.21.3.2-1", f"{name} has no CIDToGIDMap")
                self.widths(font, descendant, name)
            else:
                descriptor = font.get("/FontDescriptor", Dictionary())
                if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    self.fail("7.21.4.1-1", f"{name} is not embedded")
                flags = int(descriptor.get("/Flags", 0))
                if subtype == "TrueType" and flags & 4 and "/Encoding" in font:
                    self.fail("7.21.6-3", f"symbolic TrueType {name} has an Encoding")

    def widths(self, font, descendant, name) -> None:
        program = self._program(font)
        if program is None or "/W" not in descendant:
            return
        scale = 1000 / program["head"].unitsPerEm
        metrics = program["hmtx"].metrics
        order = program.getGlyphOrder()
        entries = list(descendant.W)
        index = 0
        checked = 0
        while index < len(entries) and checked < 400:
            first = int(entries[index])
            following = entries[index + 1]
            if isinstance(following, Array):
                pairs = [(first + offset, float(width)) for offset, width in enumerate(following)]
                index += 2
            else:
                last, width = int(following), float(entries[index + 2])
                pairs = [(gid, width) for gid in range(first, last + 1)]
                index += 3
            for gid, width in pairs:
                if gid < len(order):
                    advance = metrics[order[gid]][0] * scale
                    if abs(advance - width) > 1:
                        self.fail("7.21.5-1", f"{name}: glyph {gid} is {width} wide in W, {advance:.0f} in the font")
                        return
                checked += 1

    def run(self) -> list[str]:
        self.document()
        self.structure()
        self.pages()
        self.fonts()
        return self.report.failures


def check(pdf: bytes | pikepdf.Pdf, foreign_pages=()) -> list[str]:
    """The failed machine checks of PDF/UA-1; [] when there are none. `foreign_pages` (1-based):
    pages of documents someone else made (uploads, scans in a case-file export), whose fonts
    are theirs; structure and tagging are checked there too."""
    document = pdf if isinstance(pdf, pikepdf.Pdf) else pikepdf.open(io.BytesIO(pdf))
    return _Checker(document, frozenset(foreign_pages)).run()


def assert_pdfua(pdf: bytes | pikepdf.Pdf, foreign_pages=()) -> None:
    failures = check(pdf, foreign_pages)
    assert not failures, "PDF/UA-1 machine check failed:\n" + "\n".join(failures)
