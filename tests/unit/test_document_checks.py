"""Upload checks: type by content, metadata removed from images, PDFs checked, refusals.

Every file is built in memory here; no binary fixtures.
"""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pillow_heif
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject
from reportlab.pdfgen import canvas

from portal.documents import DocumentRefused, DocumentStorage, accept_upload, sniff
from portal.documents.filenames import safe_filename
from tests.support.clamd import without_scanner

MB = 1024 * 1024
GPS_MARKER = "GPS-MARKER-Wetzlar"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- fixtures and builders -------------------------------------------------------------------

@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")



def accept(storage, data, filename="upload", max_bytes=10 * MB):
    return accept_upload(storage, data, filename, max_bytes=max_bytes, virus_scan=without_scanner())


def refusal(storage, data, filename="upload", max_bytes=10 * MB) -> DocumentRefused:
    with pytest.raises(DocumentRefused) as caught:
        accept(storage, data, filename, max_bytes)
    assert list(storage.all_digests()) == [], "a refused file must not be stored"
    return caught.value


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (50.0, 33.0, 12.5)  # latitude
    gps[3], gps[4] = "E", (8.0, 30.0, 1.25)  # longitude
    gps[18] = GPS_MARKER  # GPSMapDatum: a string we can look for in the raw bytes
    return exif


def two_colour_image(size=(400, 200)) -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_bytes(image=None, **save) -> bytes:
    out = io.BytesIO()
    (image or two_colour_image()).save(out, "JPEG", **save)
    return out.getvalue()


def png_bytes(image=None, **save) -> bytes:
    out = io.BytesIO()
    (image or two_colour_image()).save(out, "PNG", **save)
    return out.getvalue()


def heic_bytes(image=None, **save) -> bytes:
    out = io.BytesIO()
    pillow_heif.from_pillow(image or two_colour_image()).save(out, quality=80, **save)
    return out.getvalue()


def pdf_bytes(pages=3) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for number in range(1, pages + 1):
        pdf.drawString(72, 720, f"Mietvertrag, Seite {number}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def rewritten_pdf(change) -> bytes:
    """A reportlab PDF passed through pypdf's writer after `change(writer)`."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(pages=2)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG header with a tiny IDAT: decoding it fully would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))


# --- sniffing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.7\n...", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
    (b"\x00\x00\x00\x14ftypmsf1\x00\x00\x00\x00msf1", "image/heic"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", None),  # AVIF is not accepted
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41", None),  # MP4 video
    (b"<!DOCTYPE html><html>%PDF-1.7", None),
    (b"PK\x03\x04", None),
    (b"GIF89a", None),
    (b"", None),
])
def test_sniff_decides_by_content(data, expected):
    assert sniff(data) == expected


# --- images ------------------------------------------------------------------------------------

def test_jpeg_loses_exif_and_gps_and_is_turned_upright(storage):
    upload = jpeg_bytes(exif=exif_with_gps(orientation=6), comment=b"taken at home")
    assert GPS_MARKER.encode() in upload and b"taken at home" in upload

    accepted = accept(storage, upload, "IMG_0001.jpg")

    assert accepted.media_type == "image/jpeg"
    assert accepted.filename == "IMG_0001.jpg"
    stored = storage.read(accepted.sha256)
    assert accepted.size_bytes == len(stored) and accepted.sha256 != accepted.pdf_sha256
    for secret in (GPS_MARKER.encode(), b"PhoneMaker", b"taken at home", b"Exif\x00\x00"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
        assert "comment" not in image.info and "xmp" not in image.info
        # Orientation 6: the camera was turned; 400x200 shows as 200x400, left half on top.
        assert image.size == (200, 400)
        top, bottom = image.convert("RGB").getpixel((100, 50)), image.convert("RGB").getpixel((100, 350))
        assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_image_gets_a_one_page_a4_pdf(storage):
    accepted = accept(storage, jpeg_bytes(two_colour_image((1200, 600))), "wide.jpg")

    assert accepted.page_count == 1
    pdf = storage.read(accepted.pdf_sha256)
    assert accepted.pdf_size_bytes == len(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    assert b"/DCTDecode" in pdf  # JPEG inside, not raw pixels


def test_tall_image_gets_a_portrait_page(storage):
    accepted = accept(storage, png_bytes(two_colour_image((300, 900))), "tall.png")
    box = PdfReader(io.BytesIO(storage.read(accepted.pdf_sha256))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_png_loses_text_chunks_and_keeps_its_mode(storage):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-tEXt")
    info.add_text("Author", "secret-zTXt " * 20, zip=True)
    info.add_itxt("Description", "secret-iTXt")
    image = Image.new("RGBA", (64, 48), (0, 128, 0, 128))
    upload = png_bytes(image, pnginfo=info, exif=exif_with_gps())

    accepted = accept(storage, upload, "screenshot.png")

    assert accepted.media_type == "image/png"
    stored = storage.read(accepted.sha256)
    for secret in (b"secret-", b"tEXt", b"zTXt", b"iTXt", b"eXIf", GPS_MARKER.encode()):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.mode == "RGBA" and clean.size == (64, 48)
        assert clean.text == {} and not clean.getexif()


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_png_modes_are_kept_and_get_a_pdf(storage, mode):
    image = Image.new(mode, (50, 40), 40_000 if mode == "I;16" else 1)
    if mode == "P":
        image.info["transparency"] = 0
    accepted = accept(storage, png_bytes(image), "scan.png")
    with Image.open(io.BytesIO(storage.read(accepted.sha256))) as clean:
        assert clean.mode == mode
        assert ("transparency" in clean.info) == (mode == "P")
    assert len(PdfReader(io.BytesIO(storage.read(accepted.pdf_sha256))).pages) == 1


def test_cmyk_jpeg_is_stored_as_rgb(storage):
    accepted = accept(storage, jpeg_bytes(Image.new("CMYK", (50, 40), (0, 100, 100, 0))))
    with Image.open(io.BytesIO(storage.read(accepted.sha256))) as clean:
        assert clean.mode == "RGB"


def test_heic_is_accepted_cleaned_and_converted(storage):
    upload = heic_bytes(exif=exif_with_gps().tobytes())
    assert GPS_MARKER.encode() in upload

    accepted = accept(storage, upload, "IMG_4711.HEIC")

    assert accepted.media_type == "image/heic"
    assert accepted.filename == "IMG_4711.HEIC"
    assert accepted.page_count == 1
    stored = storage.read(accepted.sha256)
    assert GPS_MARKER.encode() not in stored and b"PhoneMaker" not in stored
    heif = pillow_heif.open_heif(io.BytesIO(stored))
    assert not heif.info.get("exif") and not heif.info.get("xmp")
    assert heif.size == (400, 200)
    assert len(PdfReader(io.BytesIO(storage.read(accepted.pdf_sha256))).pages) == 1


def test_png_named_pdf_is_taken_as_png(storage):
    accepted = accept(storage, png_bytes(), "scan.pdf")
    assert accepted.media_type == "image/png"
    assert accepted.filename == "scan.png"  # the name follows the content


def test_decompression_bomb_is_refused_from_its_header(storage):
    started = time.perf_counter()
    refused = refusal(storage, png_claiming(40_000, 40_000), "bomb.png")
    assert refused.code == "image_too_large"
    assert time.perf_counter() - started < 1  # decoding 1.6 gigapixels would take far longer


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_just_over_the_pixel_limit_is_refused(storage):
    # 80 megapixels: above our 60, below Pillow's own error threshold (twice the limit).
    assert refusal(storage, png_claiming(10_000, 8_000)).code == "image_too_large"


@pytest.mark.parametrize("damaged", [
    jpeg_bytes()[:300],  # truncated
    png_bytes()[:-20],  # IEND and part of IDAT missing
    png_bytes().replace(b"IDAT", b"IDAt", 1),
    b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
    heic_bytes()[:200],
], ids=["truncated-jpeg", "truncated-png", "bad-png-chunk", "png-garbage", "truncated-heic"])
def test_damaged_images_are_refused(storage, damaged):
    assert refusal(storage, damaged).code == "broken_image"


# --- PDFs --------------------------------------------------------------------------------------

def test_pdf_is_stored_as_is(storage):
    upload = pdf_bytes(pages=3)
    accepted = accept(storage, upload, "Mietvertrag.pdf")

    assert accepted.media_type == "application/pdf"
    assert accepted.page_count == 3
    assert accepted.sha256 == accepted.pdf_sha256
    assert accepted.size_bytes == accepted.pdf_size_bytes == len(upload)
    assert storage.read(accepted.sha256) == upload


def test_pdf_with_a_plain_link_is_accepted(storage):
    upload = rewritten_pdf(lambda w: w.add_annotation(0, Link(rect=(50, 50, 200, 80), url="https://example.org")))
    assert accept(storage, upload).page_count == 2


def test_pdf_that_needs_a_password_to_open_is_refused(storage):
    # One that opens without a password (owner password only) is taken: tests/unit/test_pdf_copies.py.
    upload = rewritten_pdf(lambda w: w.encrypt("secret", "owner", algorithm="RC4-128"))
    assert refusal(storage, upload).code == "encrypted_pdf"


@pytest.mark.parametrize("damaged", [
    pdf_bytes()[: len(pdf_bytes()) // 2],
    b"%PDF-1.7\n" + bytes(range(256)) * 16,
    b"%PDF-1.4\n%%EOF\n",
], ids=["truncated", "garbage", "header-only"])
def test_damaged_pdf_is_refused(storage, damaged):
    assert refusal(storage, damaged).code == "broken_pdf"


def _open_action_javascript(writer):
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})


def _launch_link(writer):
    writer.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): RectangleObject((0, 0, 10, 10)),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                            NameObject("/F"): TextStringObject("cmd.exe")})}))


@pytest.mark.parametrize("change, code", [
    (lambda w: w.add_open_action(JavaScript("app.alert('hello');")), "pdf_javascript"),  # names tree /JavaScript
    (_open_action_javascript, "pdf_javascript"),  # catalog /OpenAction
    (lambda w: w.pages[1].add_action(PageTrigger.OPEN, JavaScript("app.alert(2);")), "pdf_javascript"),  # page /AA
    (_launch_link, "pdf_launch"),  # annotation /Launch
    (lambda w: w.add_attachment("invoice.exe", b"MZ..."), "pdf_attachment"),  # /EmbeddedFiles
], ids=["document-javascript", "open-action", "page-action", "launch-annotation", "attachment"])
def test_pdf_with_active_content_is_refused(storage, change, code):
    assert refusal(storage, rewritten_pdf(change)).code == code


def test_pdf_with_too_many_pages_is_refused(storage):
    assert refusal(storage, pdf_bytes(pages=301)).code == "too_many_pages"


# --- size, emptiness, type ----------------------------------------------------------------------

def test_empty_file_is_refused(storage):
    assert refusal(storage, b"", "empty.pdf").code == "empty"


def test_file_over_the_limit_is_refused_before_anything_else(storage):
    upload = b"not even a known type" + b"\0" * MB
    assert refusal(storage, upload, max_bytes=MB).code == "too_large"


def test_file_at_the_limit_is_accepted(storage):
    upload = pdf_bytes(pages=1)
    assert accept(storage, upload, max_bytes=len(upload)).page_count == 1


@pytest.mark.parametrize("upload, filename", [
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "pass.pdf"),
    (b"\xef\xbb\xbf%PDF-1.7 behind a byte order mark", "pass.pdf"),
    (b"GIF89a\x01\x00\x01\x00", "photo.png"),
])
def test_other_content_is_refused_whatever_its_name(storage, upload, filename):
    assert refusal(storage, upload, filename).code == "unsupported_type"


def test_zip_named_jpg_is_refused(storage):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", jpeg_bytes())
    assert refusal(storage, out.getvalue(), "photo.jpg").code == "unsupported_type"


# --- messages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("upload, max_bytes, code, text", [
    (b"", MB, "empty", "The file is empty."),
    (b"x" * (MB + 1), MB, "too_large", "The file is larger than 1 MB."),
    (b"x" * (3 * MB + 1), 3 * MB // 2, "too_large", "The file is larger than 1.5 MB."),
    (b"<html>", MB, "unsupported_type",
     "This kind of file is not accepted. Please upload a PDF, JPEG, PNG or HEIC file."),
    (b"%PDF-1.4 broken", MB, "broken_pdf", "The PDF could not be read. It may be damaged."),
    (b"\xff\xd8\xff broken", MB, "broken_image", "The image could not be read. It may be damaged."),
    (png_claiming(40_000, 40_000), MB, "image_too_large", "The image is too large (more than 60 megapixels)."),
])
def test_refusals_carry_plain_messages(storage, babel_context, upload, max_bytes, code, text):
    refused = refusal(storage, upload, max_bytes=max_bytes)
    assert refused.code == code
    assert str(refused.message) == text
    assert str(refused) == code  # safe to log without an app context


def test_pdf_refusal_messages(storage, babel_context):
    encrypted = refusal(storage, rewritten_pdf(lambda w: w.encrypt("secret", "owner", algorithm="RC4-128")))
    assert str(encrypted.message) == ("The PDF can only be opened with a password. Please save or print it "
                                      "without the password and upload it again.")
    active = refusal(storage, rewritten_pdf(lambda w: w.add_open_action(JavaScript("app.alert(1)"))))
    assert str(active.message) == ("The PDF contains scripts (JavaScript) and cannot be accepted. "
                                   "Please print it to a new PDF or scan it.")
    too_long = refusal(storage, pdf_bytes(pages=301))
    assert str(too_long.message) == "The PDF has more than 300 pages."


# --- file names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given, media_type, expected", [
    ("../../etc/passwd", "application/pdf", "passwd.pdf"),
    ("C:\\Users\\x\\pass.pdf", "application/pdf", "pass.pdf"),
    ("..\\..\\boot.ini", "image/png", "boot.ini.png"),
    ("", "application/pdf", "document.pdf"),
    ("..", "image/jpeg", "document.jpg"),
    ("/", "image/heic", "document.heic"),
    ("Reisepass\x00\r\n.pdf", "application/pdf", "Reisepass.pdf"),
    ("photo\u202egpj.exe", "image/jpeg", "photogpj.exe.jpg"),  # no right-to-left override
    ("Mietvertrag v1.2", "application/pdf", "Mietvertrag v1.2.pdf"),
    ("IMG_0001.JPEG", "image/jpeg", "IMG_0001.JPEG"),
    ("Ausweis.heic", "image/jpeg", "Ausweis.jpg"),
    ("گذرنامه\u200cی من.pdf", "application/pdf", "گذرنامه\u200cی من.pdf"),  # Persian keeps its ZWNJ
])
def test_safe_filename(given, media_type, expected):
    assert safe_filename(given, media_type) == expected


def test_safe_filename_is_at_most_255_characters_and_keeps_the_extension():
    name = safe_filename("a" * 1000 + ".pdf", "application/pdf")
    assert len(name) == 255 and name.endswith(".pdf")


def test_uploaded_paths_become_basenames(storage):
    assert accept(storage, pdf_bytes(1), "../../etc/passwd").filename == "passwd.pdf"
    assert accept(storage, pdf_bytes(1), "C:\\Users\\x\\pass.pdf").filename == "pass.pdf"
