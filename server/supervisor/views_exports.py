"""Export downloads: tubes with members, gate logs, retest lists (masked unless asked)."""
from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..access import role_required
from ..clock import local_today
from .export_files import FORMATS, KINDS, export, tube_csv_stream
from ..extensions import db
from ..inputs import InputError, parse_day
from . import bp
from .periods import day_message


@bp.get("/exports")
@role_required("supervisor")
def exports():
    """The export choices."""
    return render_template("supervisor/exports.html", kinds=KINDS, formats=FORMATS, today=local_today())


@bp.route("/exports/<kind>.<fmt>", methods=["GET", "POST"])
@role_required("supervisor")
def export_download(kind, fmt):
    """One export file. Full (unmasked) values only on an explicit POST, and audited."""
    if kind not in KINDS or fmt not in FORMATS:
        abort(404)
    source = request.form if request.method == "POST" else request.args
    day = None
    if source.get("date"):
        try:
            day = parse_day(source["date"])
        except InputError:
            abort(400, description=day_message())
    full = request.method == "POST" and source.get("full") == "1"
    if kind == "tubes" and fmt == "csv":  # the big one: streamed while it is read
        filename, content, _rows = tube_csv_stream(current_user.community_id, day, full=full)
        db.session.commit()  # the audit event, before the first byte
        content = stream_with_context(content)
    else:
        filename, content, _rows = export(kind, fmt, current_user.community_id, day, full=full)
        db.session.commit()
    mimetype = "text/csv" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
