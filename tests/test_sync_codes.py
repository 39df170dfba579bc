"""The sync contract's warning codes (offline/protocol.py WARNINGS, also the enum the OpenAPI
document gives a result's warnings) each become a Flag the supervisor must be able to read."""
from offline.protocol import WARNINGS
from server.labels import labels_of


def test_every_warning_of_the_contract_is_named_for_the_supervisor(app):
    named = dict(labels_of("flag_kind"))
    assert [code for code in WARNINGS if code not in named] == []
