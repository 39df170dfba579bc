"""POST /api/v1/scan: a clerk's phone sends a photo and gets back what is on it."""
import io
import struct
import zlib

import numpy as np
import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from scanner.imageio import MAX_BYTES

TUBE_TEXT = "TB20220506A1"
PERSONAL = "CP1:AAAAAAAAAAAAAAAAAAAAAAbbbbbbbbbbbbbbbb"


def barcode(text, fmt, scale=3):
    image = zxingcpp.create_barcode(text, fmt).to_image(scale=scale, add_quiet_zones=True)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def encode(array, fmt="PNG"):
    out = io.BytesIO()
    Image.fromarray(array).save(out, format=fmt)
    return out.getvalue()


TUBE_PNG = encode(barcode(TUBE_TEXT, zxingcpp.BarcodeFormat.Code128))
TUBE_JPEG = encode(barcode(TUBE_TEXT, zxingcpp.BarcodeFormat.Code128), "JPEG")
QR_PNG = encode(barcode(PERSONAL, zxingcpp.BarcodeFormat.QRCode, scale=5))


def png_header_only(width, height):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + chunk(b"IEND", b""))


@pytest.fixture
def clerk_headers(world, device_token):
    headers, _device = device_token(world["a"]["clerk"])
    return headers


def post(client, headers, data, content_type="image/png", query=""):
    return client.post(f"/api/v1/scan{query}", data=data, headers={**headers, "Content-Type": content_type})


def test_a_tube_photo_comes_back_as_a_valid_tube(client, clerk_headers):
    response = post(client, clerk_headers, TUBE_PNG)
    assert response.status_code == 200
    body = response.get_json()
    assert body["codes"] == [{"format": "code_128", "text": TUBE_TEXT, "kind": "tube", "valid": True}]
    assert isinstance(body["ms"], int)


def test_jpeg_and_multipart_uploads_are_read_too(client, clerk_headers):
    assert post(client, clerk_headers, TUBE_JPEG, "image/jpeg").get_json()["codes"][0]["text"] == TUBE_TEXT
    response = client.post("/api/v1/scan", headers=clerk_headers,
                           data={"image": (io.BytesIO(QR_PNG), "photo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.get_json()["codes"] == [
        {"format": "qr_code", "text": PERSONAL, "kind": "personal_code", "valid": True}]


def test_the_sites_tube_pattern_classifies(client, clerk_headers, world):
    point = world["a"]["point"]
    point.tube_pattern = r"^XX[0-9]{6}$"
    from server.extensions import db
    db.session.commit()
    codes = post(client, clerk_headers, TUBE_PNG, query=f"?site_id={point.id}").get_json()["codes"]
    assert codes == [{"format": "code_128", "text": TUBE_TEXT, "kind": "unknown", "valid": False}]


def test_a_site_of_another_community_is_unknown(client, clerk_headers, world):
    response = post(client, clerk_headers, TUBE_PNG, query=f"?site_id={world['b']['point'].id}")
    assert response.status_code == 404


def test_the_field_restricts_formats(client, clerk_headers):
    assert post(client, clerk_headers, QR_PNG, query="?field=tube").get_json()["codes"] == []
    assert len(post(client, clerk_headers, QR_PNG, query="?field=person").get_json()["codes"]) == 1


def test_a_token_is_required(client, world):
    assert client.post("/api/v1/scan", data=TUBE_PNG, content_type="image/png").status_code == 401


@pytest.mark.parametrize("data,content_type", [
    (b"hello, not a picture", "image/png"),
    (b"%PDF-1.4 ...", "application/pdf"),
    (b"", "image/jpeg"),
    (b'{"image": 1}', "application/json"),
])
def test_non_images_get_400_with_a_message(client, clerk_headers, data, content_type):
    response = post(client, clerk_headers, data, content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_too_many_bytes_gets_413(client, clerk_headers):
    response = post(client, clerk_headers, b"\x89PNG" + bytes(MAX_BYTES))
    assert response.status_code == 413


def test_a_decompression_bomb_gets_413_without_decoding(client, clerk_headers):
    for mode in ("", "?mode=idcard"):
        response = post(client, clerk_headers, png_header_only(8000, 8000), query=mode)
        assert response.status_code == 413, mode
        assert "pixels" in response.get_json()["error"]["message"]


def test_the_rate_limit_is_per_device(app, client, world, device_token):
    app.config["SCAN_RATE_LIMIT"] = "3 per minute"
    first, _ = device_token(world["a"]["clerk"], "phone 1")
    second, _ = device_token(world["a"]["clerk"], "phone 2")
    assert [post(client, first, TUBE_PNG).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert post(client, second, TUBE_PNG).status_code == 200


# --- ID cards (mostly with the reader replaced: tests/test_idcard.py measures the OCR) -------------------

class FakeReading:
    def __init__(self, number, name=None):
        self.number, self.name = number, name
        self.birth_date, self.sex, self.ms = "1949-12-31", "F", 12.0


@pytest.fixture
def id_reader(monkeypatch):
    """Replace the OCR by a reader that returns (or raises) what the test says."""
    import server.api.scan as scan_api

    def install(result):
        def read_id_card(data):
            assert isinstance(data, bytes)
            if isinstance(result, Exception):
                raise result
            return result
        monkeypatch.setattr(scan_api, "read_id_card", read_id_card)
    return install


def test_an_id_card_number_is_offered_with_birth_date_and_sex(client, clerk_headers, id_reader):
    id_reader(FakeReading("11010519491231002X", "张三明"))
    response = post(client, clerk_headers, TUBE_JPEG, "image/jpeg", "?mode=idcard")
    assert response.status_code == 200
    body = response.get_json()
    assert body["codes"] == [{"format": "ocr", "text": "11010519491231002X", "kind": "id_number", "valid": True}]
    assert (body["name"], body["birth_date"], body["sex"]) == ("张三明", "1949-12-31", "F")


def test_an_unread_or_invalid_id_card_offers_nothing(client, clerk_headers, id_reader):
    id_reader(None)
    assert post(client, clerk_headers, TUBE_PNG, query="?mode=idcard").get_json()["codes"] == []
    id_reader(FakeReading("110105194912310021"))  # wrong check digit: never offered
    body = post(client, clerk_headers, TUBE_PNG, query="?mode=idcard").get_json()
    assert body["codes"] == [] and "name" not in body


def test_the_id_reader_refusing_the_image_is_a_400(client, clerk_headers, id_reader):
    from scanner.idcard import IdCardError

    id_reader(IdCardError("not a readable image"))
    assert post(client, clerk_headers, TUBE_PNG, query="?mode=idcard").status_code == 400


# --- hostile bytes never make a 500 ---------------------------------------------------

def _mutations():
    real = st.sampled_from([TUBE_PNG, TUBE_JPEG, QR_PNG])
    truncated = st.builds(lambda b, n: b[:n], real, st.integers(0, 4000))
    flipped = st.builds(lambda b, i, v: b[:i % len(b)] + bytes([v]) + b[i % len(b) + 1:],
                        real, st.integers(0, 10_000), st.integers(0, 255))
    return st.one_of(st.binary(max_size=1024), truncated, flipped)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=_mutations(), content_type=st.sampled_from(["image/png", "image/jpeg", "multipart"]))
def test_fuzzed_images_never_cause_a_server_error(client, clerk_headers, app, data, content_type):
    app.config["SCAN_RATE_LIMIT"] = "100000 per minute"
    if content_type == "multipart":
        response = client.post("/api/v1/scan", headers=clerk_headers,
                               data={"image": (io.BytesIO(data), "x.jpg")}, content_type="multipart/form-data")
    else:
        response = post(client, clerk_headers, data, content_type)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:200]
    assert response.is_json



def test_a_real_card_photo_through_the_endpoint(client, clerk_headers):
    # One synthetic card through the real reader (tests/test_idcard.py measures all 50).
    from tests.test_idcard import _dataset_or_skip, _manifest

    dataset = _dataset_or_skip()
    card = next(row for row in _manifest(dataset) if row["file"] == "syn_04.jpg")
    photo = (dataset / card["file"]).read_bytes()
    body = post(client, clerk_headers, photo, "image/jpeg", "?mode=idcard").get_json()
    assert body["codes"] == [{"format": "ocr", "text": card["expected_id"], "kind": "id_number", "valid": True}]
    assert body["name"] == card["expected_name"]
    assert body["birth_date"] == f"{card['expected_id'][6:10]}-{card['expected_id'][10:12]}-{card['expected_id'][12:14]}"


def test_the_service_worker_precaches_camera_wedge_and_the_decoder(client):
    # Offline scanning needs these from the phone's cache, never from a CDN.
    text = client.get("/sw.js").get_data(as_text=True)
    for url in ("/client/scanner/camera.js", "/client/scanner/wedge.js",
                "/static/vendor/barcode-detector/ponyfill.js",
                "/static/vendor/barcode-detector/zxing-exported.js", "/static/vendor/zxing_reader.wasm"):
        assert f'"{url}"' in text


def test_scans_counted_in_the_database_do_not_wait_on_their_own_request(make_app, world, device_token):
    """Production counts scans in the database (shared by every worker). On SQLite the scan's
    own request must not hold the write lock while its count is written: it would wait out
    the busy timeout and answer 503."""
    app = make_app(RATELIMIT_STORAGE_URI="checkpointdb://", SCAN_RATE_LIMIT="2 per minute")
    headers, _device = device_token(world["a"]["clerk"])
    client = app.test_client()
    statuses = [post(client, headers, TUBE_PNG).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
