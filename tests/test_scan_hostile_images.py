"""/api/v1/scan against hostile or broken images, one named case each: a clear 4xx with a code
and a message, never a 500, and never a worker blown up in memory (test_scan_api.py fuzzes)."""
import io
import json
import struct
import subprocess
import sys

import pytest
from PIL import Image

from scanner.imageio import MAX_BYTES, MAX_PIXELS
from tests.test_scan_api import TUBE_JPEG, TUBE_PNG, post, png_header_only


def jpeg_header_only(width, height):
    """A JPEG whose frame header (SOF0) claims width×height, with no image data."""
    sof = struct.pack(">HBHHB", 11, 8, height, width, 1) + bytes([1, 0x11, 0])
    return b"\xff\xd8" + b"\xff\xc0" + sof + b"\xff\xd9"


def gif_header_only(width, height):
    screen = struct.pack("<HHBBB", width, height, 0, 0, 0)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + image + b"\x02\x02\x44\x01\x00\x3b"


@pytest.fixture
def clerk_headers(world, device_token):
    headers, _device = device_token(world["a"]["clerk"])
    return headers


def refused(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error["message"]


@pytest.mark.parametrize("name,data,content_type", [
    ("PNG cut in half", TUBE_PNG[:len(TUBE_PNG) // 2], "image/png"),
    ("PNG signature only", TUBE_PNG[:8], "image/png"),
    ("JPEG cut in half", TUBE_JPEG[:len(TUBE_JPEG) // 2], "image/jpeg"),
    ("JPEG without its end", TUBE_JPEG[:-200], "image/jpeg"),
    ("zero bytes", b"", "image/jpeg"),
    ("a text file sent as a photo", "姓名,身份证号\n张三,11010519491231002X\n".encode(), "image/jpeg"),
    ("a CSV sent as text", b"name,id\n", "text/csv"),
])
def test_broken_or_foreign_files_get_400_not_an_image(client, clerk_headers, name, data, content_type):
    refused(post(client, clerk_headers, data, content_type), 400, "not_an_image")


@pytest.mark.parametrize("name,data,content_type", [
    ("PNG claiming 50000×50000", png_header_only(50_000, 50_000), "image/png"),
    ("PNG claiming 2^31-1 wide", png_header_only(2**31 - 1, 1), "image/png"),
    ("PNG just over our pixel limit", png_header_only(MAX_PIXELS // 1000 + 1, 1000), "image/png"),
    ("JPEG claiming 65000×65000", jpeg_header_only(65_000, 65_000), "image/jpeg"),
    ("GIF claiming 65535×65535", gif_header_only(65_535, 65_535), "image/png"),
])
def test_decompression_bombs_get_413_before_any_pixel_is_decoded(client, clerk_headers, name, data,
                                                                  content_type):
    for mode in ("", "?mode=idcard"):  # the ID-card reader has its own decoder: checked first
        message = refused(post(client, clerk_headers, data, content_type, mode), 413, "too_large")
        assert "pixels" in message


def test_a_ten_megabyte_body_is_413_raw_multipart_or_without_a_length(client, clerk_headers):
    big = b"\xff\xd8" + bytes(MAX_BYTES)
    refused(post(client, clerk_headers, big, "image/jpeg"), 413, "too_large")
    # Built by hand: Werkzeug's test builder spools a body this big to a file it never closes.
    body = (b'--B\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + big + b"\r\n--B--\r\n")
    multipart = client.post("/api/v1/scan", headers=clerk_headers, data=body,
                            content_type="multipart/form-data; boundary=B")
    refused(multipart, 413, "too_large")
    # Chunked, no Content-Length: the size is found while reading, not trusted from a header.
    chunked = client.post("/api/v1/scan", input_stream=io.BytesIO(big),
                          headers={**clerk_headers, "Content-Type": "image/jpeg",
                                   "Transfer-Encoding": "chunked"},
                          environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 413 and chunked.get_json()["error"]["message"]


MEMORY_PROBE = """
import resource, sys
from scanner.imageio import load_grey
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
grey = load_grey(data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"shape": grey.shape, "peak_mb": (after - before) // 1024}))
"""


def test_the_largest_accepted_image_decodes_within_a_bounded_memory(tmp_path):
    """A transparent PNG at the pixel limit is 0.2 MB on the wire and 40 megapixels inside;
    its worst case (transparent) must stay near the decoded size, or a few phones sending it to
    a few workers at once could exhaust the server's memory."""
    side = int(MAX_PIXELS ** 0.5) - 1
    photo = tmp_path / "transparent.png"
    Image.new("RGBA", (side, side), (0, 0, 0, 0)).save(photo, compress_level=1)
    probe = subprocess.run([sys.executable, "-c", "import json\n" + MEMORY_PROBE, str(photo)],
                           capture_output=True, text=True, check=True)
    result = json.loads(probe.stdout)
    assert result["shape"] == [side, side]
    # Decoded RGBA (4 bytes a pixel) + LA + grey and alpha + white paper: about 8 bytes a pixel.
    # Measured: 2.7 bytes a pixel through LA (scanner/imageio.py), 10.4 the RGBA way.
    assert result["peak_mb"] < 6 * side * side / 2**20, result
