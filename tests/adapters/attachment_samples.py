"""Files a customer might send, made on the spot: a phone photo with its location, and the bad ones."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

GPS_LATITUDE = (51.0, 30.0, 26.0)


def photo_with_location(width: int = 96, height: int = 64) -> bytes:
    """A JPEG as a phone takes it: EXIF with the camera, an orientation, and where it was taken (GPS)."""
    image = Image.new("RGB", (width, height), (180, 40, 30))
    for x in range(0, width, 8):
        for y in range(height):
            image.putpixel((x, y), (20, 20, 200))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "LlamaPhone"
    exif[ExifTags.Base.Model] = "LP-15 serial 0042"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def has_location(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or b"LlamaPhone" in data or b"GPS" in data


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (10, 200, 10, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(side: int = 20_000) -> bytes:
    """A PNG of a few tens of kilobytes that declares side × side pixels (400 million by default): zeros,
    compressed. Decoding it would take gigabytes of memory."""
    row = b"\x00" * (1 + side // 8)            # filter byte + one bit per pixel
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row * 500) for _ in range(side // 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)   # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def executable() -> bytes:
    """A Windows program (what a file named holiday.jpg might really be)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def plain_pdf() -> bytes:
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"])


def pdf_with_javascript(obfuscated: bool = False) -> bytes:
    name = b"/J#61vaScript" if obfuscated else b"/JavaScript"
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
                 b"<< /Type /Action /S " + name + b" /JS (app.alert\\('hi'\\)) >>"])
