"""GET /api/v1/handover-key: the public key phones encrypt their hand-over files to
(server/sync/handover.py). Public by nature; served to logged-in phones, which keep it for the day
they cannot reach the server."""
from flask import jsonify

from ..sync.handover import HandoverError, public_key_answer
from . import bp
from .auth import token_required


@bp.get("/handover-key")
@token_required
def handover_key():
    """The hand-over public key (JWK, P-256) and its id; 404 when the instance has none."""
    try:
        return jsonify(public_key_answer())
    except HandoverError:
        return jsonify(error={"code": "no_handover_key",
                              "message": "This server has no HANDOVER_KEY: run `checkpoint init`."}), 404
