"""What a customer's (or staff member's) file may be, decided from its bytes, never its name.

`inspect(data, filename, ...)` returns a `Cleaned` file ready to store, or raises `Refused` with a
sentence for people. Images (JPEG, PNG, WebP; HEIC when pillow-heif is installed) are decoded by
Pillow under a pixel limit checked before decoding (a "zip bomb" PNG declares huge dimensions in a
few kilobytes), then re-encoded from their pixels alone: EXIF (GPS location, camera serials), XMP,
comments and text chunks never reach the stored copy. PDFs are parsed by pypdf and refused when they
carry JavaScript, launch actions, embedded files, forms that submit, XFA or multimedia; they are kept
as sent otherwise (a PDF cannot be re-encoded without a renderer).

Pure functions over bytes (CPU work: callers run them in a worker thread).
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 4096           # longer images are scaled down to this (enough for a photo of a bag or a receipt)
THUMB_SIDE = 320
JPEG_QUALITY = 88
MAX_PDF_PAGES = 200

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PDF_TYPE = ("application/pdf", ".pdf")


class Refused(ValueError):
    """The file is not accepted. `code` for clients, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Cleaned:
    kind: str                  # "image" or "pdf"
    content_type: str
    filename: str
    data: bytes
    thumbnail: bytes | None    # JPEG, for images
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def megabytes(size: int) -> str:
    return f"{round(size / (1024 * 1024), 1):g}"


def heic_supported() -> bool:
    try:
        import pillow_heif  # noqa: F401  (optional: pip install 'llamita[heic]')
    except ImportError:
        return False
    return True


def sniff(data: bytes) -> str | None:
    """The type the first bytes say: "JPEG", "PNG", "WEBP", "HEIF", "PDF", or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim",
                                                                     b"heis", b"hevc", b"hevx"):
        return "HEIF"
    if data.startswith(b"%PDF-"):
        return "PDF"
    return None


def accepted_types(heic: bool | None = None) -> list[str]:
    types = ["image/jpeg", "image/png", "image/webp", "application/pdf"]
    if heic if heic is not None else heic_supported():
        types.append("image/heic")
    return types


def inspect(data: bytes, filename: str, *, max_bytes: int, max_pixels: int) -> Cleaned:
    if not data:
        raise Refused("empty", "That file is empty.")
    if len(data) > max_bytes:
        raise Refused("too_large", f"That file is larger than {megabytes(max_bytes)} MB.")
    kind = sniff(data)
    if kind == "PDF":
        return _pdf(data, filename)
    if kind == "HEIF" and heic_supported():
        return _image(data, filename, "HEIF", max_pixels)
    if kind in IMAGE_TYPES:
        return _image(data, filename, kind, max_pixels)
    raise Refused("unsupported_type", "Only photos (JPEG, PNG, WebP" + (", HEIC" if heic_supported() else "") +
                  ") and PDF documents can be sent. That file is something else, whatever its name says.")


# ---------------------------------------------------------------------- images

def _image(data: bytes, filename: str, kind: str, max_pixels: int) -> Cleaned:
    if kind == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    corrupt = Refused("corrupt", "That image could not be read; it may be damaged. Please try another photo.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size   # from the header, nothing decoded yet
            if width <= 0 or height <= 0 or width * height > max_pixels:
                raise Refused("too_many_pixels", f"That image is too large to open ({width} × {height} pixels). "
                              "Please send a smaller photo or a screenshot.")
            image.seek(0)                # the first frame of an animation
            image.load()
            image = ImageOps.exif_transpose(image)   # upright as the camera meant, before EXIF is dropped
            pixels = _pixels_only(image)
        except Refused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("too_many_pixels", "That image is too large to open. Please send a smaller photo.") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
            raise corrupt from None
    if max(pixels.size) > MAX_SIDE:
        pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out_format = "PNG" if kind == "PNG" else ("WEBP" if kind == "WEBP" else "JPEG")
    if out_format == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = _flatten(pixels)
    content_type, extension = IMAGE_TYPES[out_format]
    buffer = io.BytesIO()
    options = {"JPEG": {"quality": JPEG_QUALITY, "optimize": True}, "PNG": {"optimize": False},
               "WEBP": {"quality": 85}}[out_format]
    pixels.save(buffer, out_format, **options)
    return Cleaned("image", content_type, display_name(filename, extension), buffer.getvalue(),
                   _thumbnail(pixels), pixels.width, pixels.height)


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image made of the pixels alone: no EXIF, XMP, comments, text chunks or other metadata."""
    mode = image.mode
    if mode not in ("RGB", "RGBA", "L", "LA"):
        mode = "RGBA" if ("A" in mode or image.info.get("transparency") is not None) else "RGB"
        image = image.convert(mode)
    clean = Image.new(mode, image.size)
    clean.paste(image)
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    background = Image.new("RGB", image.size, (255, 255, 255))
    rgba = image.convert("RGBA")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    if small.mode != "RGB":
        small = _flatten(small) if "A" in small.mode else small.convert("RGB")
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


# ---------------------------------------------------------------------- PDFs

# Names that make a PDF act rather than show: scripts, launching programs, embedded files, forms that send
# data, XFA forms, multimedia. Looked for in the parsed document and, as a second net, in the raw bytes
# (with #xx escapes undone: /J#61vaScript is /JavaScript).
_ACTIVE_NAMES = ("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA",
                 "SubmitForm", "ImportData", "GoToE", "GoToR", "Sound", "Movie", "Rendition", "3D")
_ACTIVE_RAW = re.compile(rb"/(" + b"|".join(n.encode() for n in _ACTIVE_NAMES) + rb")(?![A-Za-z0-9_.+-])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)   # compressed bytes: noise, not names
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/RichMediaExecute",
                   "/Rendition", "/Sound", "/Movie"}
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
ACTIVE = Refused("active_content", "That PDF contains scripts or other active content, so it can't be accepted. "
                 "Please send a plain PDF (for example, print it to PDF again) or a photo of the document.")


def _pdf(data: bytes, filename: str) -> Cleaned:
    raw = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), _STREAM_BODY.sub(b"stream endstream", data))
    if _ACTIVE_RAW.search(raw):
        raise ACTIVE
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    corrupt = Refused("corrupt", "That PDF could not be read; it may be damaged.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused("encrypted", "That PDF is password-protected, so it can't be checked. "
                          "Please send an unprotected copy.")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise Refused("too_many_pages", f"That PDF has more than {MAX_PDF_PAGES} pages.")
        _check_pdf(reader)
    except Refused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OSError, AssertionError):
        raise corrupt from None
    return Cleaned("pdf", PDF_TYPE[0], display_name(filename, PDF_TYPE[1]), data, None)


def _check_pdf(reader) -> None:
    """Walk what the document refers to (decompressed object streams included) for actions and payloads."""
    root = reader.trailer["/Root"].get_object()
    if "/AA" in root:
        raise ACTIVE
    _check_action(root.get("/OpenAction"))
    names = root.get("/Names")
    if names is not None and any(key in names.get_object() for key in ("/JavaScript", "/EmbeddedFiles")):
        raise ACTIVE
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        raise ACTIVE
    for page in reader.pages:
        if "/AA" in page:
            raise ACTIVE
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") in _ACTIVE_ANNOTATIONS or "/AA" in annotation:
                raise ACTIVE
            _check_action(annotation.get("/A"))


def _check_action(action, depth: int = 0) -> None:
    if action is None or depth > 20:
        return
    action = action.get_object()
    if not hasattr(action, "get"):
        return   # an explicit destination ([page /Fit]): harmless
    if action.get("/S") in _ACTIVE_ACTIONS or "/JS" in action:
        raise ACTIVE
    following = action.get("/Next")
    if following is not None:
        following = following.get_object()
        for step in following if isinstance(following, list) else [following]:
            _check_action(step, depth + 1)


# ---------------------------------------------------------------------- names

def display_name(filename: str, extension: str) -> str:
    """A name safe to show and to offer for download: letters, digits and a few marks, the real extension."""
    stem = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w .()\-]+", "_", stem, flags=re.UNICODE).strip(" ._")[:80]
    return (stem or "attachment") + extension
