"""Import a phone's hand-over file (server/sync/handover.py): the records a phone could not sync,
through the same ingest as the sync API, with the same result for each record."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access import role_required
from ..audit import audit
from ..database import reads_first, start_writing
from ..extensions import db
from ..sync.handover import HandoverError, import_file
from . import bp

PROBLEMS = {
    "no_key": lambda: _("This server has no hand-over key: run `checkpoint init` on the server."),
    "not_handover": lambda: _("This is not a hand-over file exported by a phone."),
    "other_key": lambda: _("This file was encrypted for another server (or before its hand-over key was replaced)."),
    "damaged": lambda: _("The file is damaged or was changed: it cannot be opened."),
}
GROUP_PROBLEMS = {
    "bad_device": lambda: _("The phone named in the file is unknown here or its credentials do not match: nothing imported."),
    "other_community": lambda: _("The phone belongs to a user of another community: nothing imported."),
    "revoked": lambda: _("The phone was revoked (or its user disabled): nothing imported."),
    "malformed": lambda: _("This part of the file is malformed: nothing imported."),
}


@bp.get("/handover")
@role_required("supervisor")
def handover():
    """The upload form, with what a hand-over file is."""
    return render_template("supervisor/handover.html", groups=None)


@bp.post("/handover")
@role_required("supervisor")
@reads_first
def handover_import():
    """Decrypt the file, ingest each phone's records, show the result of each record."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page_error(_("Choose the hand-over file exported by the phone."))
    try:
        groups = import_file(upload.read(), current_user.community_id)
    except HandoverError as error:
        db.session.rollback()
        return _page_error(PROBLEMS.get(str(error), PROBLEMS["damaged"])())
    start_writing()  # every phone may have been refused before writing anything
    for group in groups:
        audit("handover_import", target=group.device_id, community_id=current_user.community_id,
              problem=group.problem, accepted=group.count("accepted"), duplicate=group.count("duplicate"),
              conflict=group.count("conflict"), rejected=group.count("rejected"))
    db.session.commit()
    return render_template("supervisor/handover.html", groups=groups, group_problems=GROUP_PROBLEMS)


def _page_error(message):
    return render_template("supervisor/handover.html", groups=None, error=message), 400
