"""Bounded memory for uploads (issue 22): images decoded no larger than their use needs, pixels
kept where no turning is needed, large decodes limited per process, PDF streams not kept.

Small images with lowered thresholds stand for large ones; memory itself is measured by
benchmarks/upload_memory.py, not here.
"""
from __future__ import annotations

import io
import struct
import threading
import time
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader
from pypdf.generic import StreamObject
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from portal.documents import decode_budget, image_pdf, images, jpeg_segments, png_chunks, thumbnails
from portal.documents.checks import DocumentRefused, accept_upload
from portal.documents.pdfs import _active_content, check_pdf
from portal.documents.storage import DocumentStorage
from tests.support.clamd import without_scanner

GPS_MARKER = b"GPS-MARKER-Wetzlar"


@pytest.fixture
def storage(tmp_path):
    return DocumentStorage(tmp_path / "storage")


def accept(storage, data, name="upload"):
    return accept_upload(storage, data, name, max_bytes=50 * 1024 * 1024, virus_scan=without_scanner())


def photo(size=(640, 480)) -> Image.Image:
    """Noise over a gradient: every pixel differs, so a re-encoding would show."""
    noise = Image.effect_noise(size, 40)
    return Image.merge("RGB", [Image.blend(Image.linear_gradient("L").resize(size), noise, 0.4),
                               noise, Image.radial_gradient("L").resize(size)])


def exif(orientation: int | None = None) -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "PhoneMaker"
    if orientation:
        data[0x0112] = orientation
    data.get_ifd(0x8825)[18] = GPS_MARKER.decode()
    return data


def jpeg(image=None, **save) -> bytes:
    out = io.BytesIO()
    (image or photo()).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def png(image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


# --- a JPEG that needs no turning keeps its pixels -----------------------------------------------

def test_jpeg_metadata_is_dropped_and_its_pixels_kept_byte_for_byte():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = jpeg(exif=exif(), comment=b"taken at home", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
                  icc_profile=srgb, dpi=(300, 300))
    # An IPTC block (APP13) and a maker segment (APP15) after the start, an archive after the end.
    upload = (upload[:2] + segment(0xED, b"Photoshop 3.0\0secret-iptc") + segment(0xEF, b"secret-maker")
              + upload[2:] + b"PK\x03\x04secret-after-the-end")

    clean = jpeg_segments.without_metadata(upload)

    for secret in (GPS_MARKER, b"PhoneMaker", b"Exif\0\0", b"taken at home", b"secret-"):
        assert secret not in clean
    assert clean.endswith(b"\xff\xd9")
    assert pixels(clean) == pixels(upload)  # not decoded and encoded again
    with Image.open(io.BytesIO(clean)) as image:
        assert image.info.get("icc_profile") == srgb and image.info.get("dpi") == (300, 300)
        assert not image.getexif() and "comment" not in image.info and "xmp" not in image.info


def test_progressive_jpeg_with_restart_markers_and_adobe_segment_keeps_its_pixels():
    upload = jpeg(progressive=True, restart_marker_rows=1)  # many scans, tables between them
    adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01" + b"secret-extra"  # colour transform 1 (YCbCr)
    upload = upload[:2] + segment(0xEE, adobe) + upload[2:]
    clean = jpeg_segments.without_metadata(upload)
    assert pixels(clean) == pixels(upload) and b"Adobe" in clean and b"secret-extra" not in clean


def test_jfif_thumbnail_is_dropped_with_the_rest_of_app0():
    upload = jpeg()
    assert upload[2:4] == b"\xff\xe0"  # Pillow writes JFIF first
    length = struct.unpack(">H", upload[4:6])[0]
    jfif = upload[6:4 + length - 2]  # version, units, density
    thumbnail = bytes((2, 1)) + b"\x10\x20\x30" * 2  # a 2 x 1 RGB thumbnail
    upload = upload[:2] + segment(0xE0, jfif[:12] + thumbnail) + upload[4 + length:]
    clean = jpeg_segments.without_metadata(upload)
    assert b"\x10\x20\x30" not in clean[:40] and pixels(clean) == pixels(upload)


@pytest.mark.parametrize("cut", [100, -2, -200], ids=["in-the-header", "end-marker", "in-the-scan"])
def test_incomplete_jpeg_is_not_taken_for_complete(cut):
    with pytest.raises(ValueError):
        jpeg_segments.without_metadata(jpeg()[:cut])


def test_upright_jpeg_is_stored_with_its_own_pixels(storage):
    upload = jpeg(exif=exif(orientation=1))
    accepted = accept(storage, upload, "IMG_0002.jpg")
    stored = storage.read(accepted.sha256)
    assert GPS_MARKER not in stored and b"PhoneMaker" not in stored
    assert pixels(stored) == pixels(upload)  # a re-encoding at quality 92 would change them
    assert stored == jpeg_segments.without_metadata(upload)


def test_sideways_jpeg_is_still_turned_and_encoded_again(storage):
    upload = jpeg(photo((64, 32)), exif=exif(orientation=6))
    stored = storage.read(accept(storage, upload).sha256)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (32, 64) and not image.getexif()


def test_same_upload_gives_the_same_files(storage, tmp_path):
    for upload in (jpeg(exif=exif()), jpeg(exif=exif(orientation=8)), png(photo().convert("RGBA"))):
        first = accept(storage, upload)
        second = accept(DocumentStorage(tmp_path / "again"), upload)
        assert (first.sha256, first.pdf_sha256) == (second.sha256, second.pdf_sha256)


# --- decoded at the size the use needs -----------------------------------------------------------

@pytest.fixture
def pdf_pages(monkeypatch):
    """The sizes of the images the PDF pages are made from."""
    sizes = []
    real = images.image_to_pdf

    def spy(image, full_size=None):
        sizes.append(image.size)
        return real(image, full_size=full_size)

    monkeypatch.setattr(images, "image_to_pdf", spy)
    return sizes


def test_large_jpeg_is_decoded_at_the_size_its_page_needs(storage, monkeypatch, pdf_pages):
    monkeypatch.setattr(image_pdf, "MAX_DPI", 30)  # a page of about 290 x 220 pixels
    wanted = image_pdf.page_pixels((1280, 960))
    accepted = accept(storage, jpeg(photo((1280, 960))))

    assert pdf_pages == [(320, 240)]  # a quarter: the smallest scale still above the page's pixels
    assert pdf_pages[0][0] >= wanted[0] and pdf_pages[0][1] >= wanted[1]
    page = PdfReader(io.BytesIO(storage.read(accepted.pdf_sha256))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    with Image.open(io.BytesIO(storage.read(accepted.sha256))) as original:
        assert original.size == (1280, 960)  # the original keeps every pixel


def test_jpeg_too_large_to_turn_whole_is_turned_at_half_size(storage, monkeypatch, pdf_pages):
    monkeypatch.setattr(images, "TURN_FULL_SIZE_PIXELS", 100 * 60)
    stored = storage.read(accept(storage, jpeg(photo((200, 120)), exif=exif(orientation=6))).sha256)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (60, 100)  # turned, at half of 200 x 120
    assert pdf_pages == [(60, 100)]


def test_jpeg_small_enough_to_turn_whole_keeps_its_size(storage, monkeypatch):
    monkeypatch.setattr(images, "TURN_FULL_SIZE_PIXELS", 200 * 120)
    stored = storage.read(accept(storage, jpeg(photo((200, 120)), exif=exif(orientation=6))).sha256)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (120, 200)


def test_large_png_page_is_made_from_strips_without_a_full_copy(storage, monkeypatch, pdf_pages):
    monkeypatch.setattr(image_pdf, "MAX_DPI", 10)  # a page of about 95 x 71 pixels
    monkeypatch.setattr(image_pdf, "STRIP_BYTES", 400 * 4 * 8)  # a few rows a strip
    accepted = accept(storage, png(photo((400, 300)).convert("RGBA")))
    # Reduced by a whole factor and flattened (strip by strip) before the page is made.
    assert pdf_pages == [(100, 75)]
    with Image.open(io.BytesIO(storage.read(accepted.sha256))) as original:
        assert original.size == (400, 300) and original.mode == "RGBA"


def test_reduction_in_strips_equals_the_whole_reduced(monkeypatch):
    monkeypatch.setattr(image_pdf, "STRIP_BYTES", 1)  # one block row a strip
    image = photo((301, 203)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((301, 203)))
    for mode in ("RGBA", "RGB", "L", "P", "I;16"):
        source = image if mode == "RGBA" else image.convert(mode) if mode != "I;16" else image.convert("I")
        expected = image_pdf._flattened(source).reduce(3)
        assert image_pdf.reduced(source, 3).tobytes() == expected.tobytes(), mode


def test_thumbnail_of_a_large_png_is_reduced_first(monkeypatch):
    calls = []
    real = thumbnails.reduced
    monkeypatch.setattr(thumbnails, "reduced", lambda image, factor: calls.append(factor) or real(image, factor))
    preview = thumbnails.thumbnail(png(photo((600, 500)).convert("RGBA")), size=50)
    assert calls == [5]
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "JPEG" and max(image.size) == 50


# --- PNG: chunks dropped, pixels kept ------------------------------------------------------------

def test_png_keeps_its_image_data_and_colour_chunks_only(storage):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-tEXt")
    info.add_itxt("Description", "secret-iTXt")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = photo((80, 60)).convert("P")
    upload = png(image, pnginfo=info, transparency=3, dpi=(600, 600), icc_profile=srgb) + b"secret-after-end"

    accepted = accept(storage, upload, "scan.png")
    stored = storage.read(accepted.sha256)

    assert b"secret-" not in stored and stored == png_chunks.without_metadata(upload)
    kinds = [kind for kind, _start, _end in png_chunks._chunks(stored)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and {b"PLTE", b"tRNS", b"pHYs", b"iCCP"} <= set(kinds)
    idat = b"".join(stored[start + 8:end - 4] for kind, start, end in png_chunks._chunks(stored) if kind == b"IDAT")
    assert zlib.decompress(idat)  # the compressed pixels are the uploaded ones
    assert idat in upload
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.mode == "P" and clean.info["transparency"] == 3 and clean.info["icc_profile"] == srgb
        assert tuple(round(d) for d in clean.info["dpi"]) == (600, 600) and clean.text == {}


def test_png_with_an_orientation_is_turned(storage):
    upload = png(photo((40, 20)), exif=exif(orientation=6))
    stored = storage.read(accept(storage, upload).sha256)
    assert GPS_MARKER not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (20, 40) and not image.getexif()


def test_png_with_a_broken_chunk_structure_is_refused(storage):
    upload = png(photo((40, 20)))
    with pytest.raises(DocumentRefused) as refused:
        accept(storage, upload[:-30] + b"\0\0\0\xffIDAT")  # a chunk longer than the file
    assert refused.value.code == "broken_image"


# --- the limit on large decodes at once ----------------------------------------------------------

def test_budget_lets_a_decode_wait_until_another_has_finished():
    budget = decode_budget.DecodeBudget(100)
    second_started = threading.Event()

    def second():
        with budget.reserve(60):
            second_started.set()

    with budget.reserve(60):
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not second_started.wait(0.2)  # 60 + 60 > 100: it waits
        assert budget.reserved_bytes == 60
    assert second_started.wait(10)
    waiting.join()
    assert budget.reserved_bytes == 0


def test_budget_lets_small_decodes_run_together_and_a_huge_one_alone():
    budget = decode_budget.DecodeBudget(100)
    with budget.reserve(30), budget.reserve(30), budget.reserve(40):
        assert budget.reserved_bytes == 100
    with budget.reserve(10_000):  # larger than the whole budget: taken as all of it, not refused
        assert budget.reserved_bytes == 100
    assert budget.reserved_bytes == 0


def test_budget_is_given_back_when_the_decode_fails():
    budget = decode_budget.DecodeBudget(100)
    with pytest.raises(RuntimeError), budget.reserve(80):
        raise RuntimeError("damaged")
    assert budget.reserved_bytes == 0


@pytest.mark.parametrize("upload", [jpeg(photo((64, 48))), jpeg(photo((64, 48)), exif=exif(orientation=6)),
                                    png(photo((64, 48)).convert("RGBA"))], ids=["jpeg", "sideways-jpeg", "png"])
def test_four_uploads_at_once_decode_one_after_another_when_the_budget_holds_one(storage, monkeypatch, upload):
    monkeypatch.setattr(decode_budget, "budget", decode_budget.DecodeBudget(1))
    inside, most, lock = [0], [0], threading.Lock()
    real = images._decoded

    def decoding(*args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)  # long enough for the other threads to come in, were they let in
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(images, "_decoded", decoding)
    errors = []
    threads = [threading.Thread(target=lambda: _accept_into(errors, storage, upload)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and most[0] == 1


def _accept_into(errors, storage, upload):
    try:
        accept(storage, upload)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_reservation_covers_the_pixels_held():
    assert decode_budget.pixel_bytes((1000, 500), "RGB") == 2_000_000  # Pillow: four bytes a pixel
    assert decode_budget.pixel_bytes((1000, 500), "L") == 500_000
    assert decode_budget.cost((1000, 500), "RGBA", copies=2) == 4_000_000 + decode_budget.WORK_BYTES


# --- PDFs: page images are not kept while the PDF is checked ------------------------------------

def test_pdf_check_does_not_keep_the_streams_it_walked():
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for number in range(3):
        scan = io.BytesIO(jpeg(photo((60 + number, 80))))
        pdf.drawImage(ImageReader(scan), 50, 50, 200, 260)
        pdf.showPage()
    pdf.save()
    data = out.getvalue()
    reader = PdfReader(io.BytesIO(data))
    assert _active_content(reader).refusal is None
    kept = [obj for obj in reader.resolved_objects.values() if isinstance(obj, StreamObject)]
    assert kept == []  # the page images and contents were looked at, and let go
    assert check_pdf(data).page_count == 3
