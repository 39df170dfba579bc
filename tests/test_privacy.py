"""Personal data is encrypted at rest, looked up by keyed hash, and masked on display."""
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from server.demo import seed_demo
from server.extensions import db
from server.models import Person
from server.privacy import mask_doc_number, mask_name, mask_phone, normalise_doc_number, vault


def test_masks_show_enough_to_tell_people_apart():
    assert mask_doc_number("110105194912310021") == "1101**********0021"
    assert mask_name("张三明") == "张*明"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李四") == "李*"
    assert mask_phone("13800001234") == "138****1234"
    assert mask_doc_number(None) == mask_name("") == mask_phone(None) == ""


def test_lookup_hash_ignores_case_spaces_and_full_width_digits(app):
    keys = vault()
    plain = keys.lookup_hash("cn_ric", "11010519491231002X")
    assert keys.lookup_hash("cn_ric", "11010519491231002x") == plain
    assert keys.lookup_hash("cn_ric", "１１０１０５１９４９１２３１００２Ｘ") == plain
    assert keys.lookup_hash("cn_ric", " 110105 19491231 002X ") == plain
    assert keys.lookup_hash("passport", "11010519491231002X") != plain
    assert normalise_doc_number("e1234-5678") == "E12345678"


def test_ciphertext_round_trips_and_detects_tampering(app):
    keys = vault()
    blob = keys.encrypt("张三明")
    assert keys.decrypt(blob) == "张三明"
    assert keys.encrypt("张三明") != blob  # a fresh nonce every time
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidTag):  # tampering is detected, never decrypted to something else
        keys.decrypt(tampered)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads the file's bytes
def test_the_database_file_holds_no_plaintext_personal_data(app, database_url):
    seed_demo(residents_count=400)
    db.session.commit()
    people = db.session.scalars(select(Person)).all()
    assert len(people) == 400
    samples = [(p.doc_number, p.name, p.phone) for p in people]
    db.session.remove()
    db.engine.dispose()  # checkpoint the WAL into the main file
    path = database_url.removeprefix("sqlite:///")
    raw = b"".join(Path(path + suffix).read_bytes() for suffix in ("", "-wal", "-shm")
                   if Path(path + suffix).exists())
    for number, name, phone in samples:
        for text in (number, name, phone, number.lower()):
            assert text.encode("utf-8") not in raw, text
        # UTF-16 only for the long numbers: 4 bytes of a 2-character name in UTF-16 turn up
        # in a megabyte of ciphertext by chance.
        assert number.encode("utf-16-le") not in raw
    # The check can fail: the demo's plain compound names are in the file.
    assert "东苑".encode() in raw
