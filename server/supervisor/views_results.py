"""Lab results import page: upload → column mapping (when headers are unknown) → preview →
confirm, applied in chunks so a long file shows its progress."""
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access import role_required, scoped
from ..audit import audit
from ..extensions import db
from .labresults import (FIELDS, REQUIRED, apply_results, mapping_for, missing_fields, parse_results,
                          preview, rows_from_json, rows_to_json)
from ..models import LabResult
from ..tables import TableError, read_header
from ..htmx import is_htmx
from . import bp, uploads

PREVIEW_ROWS = 20


@bp.get("/results")
@role_required("supervisor")
def results():
    """Upload form and the community's latest results."""
    latest = db.session.scalars(scoped(LabResult).order_by(LabResult.imported_at.desc(), LabResult.id.desc())
                                .limit(20)).all()
    total = db.session.scalar(select(func.count()).select_from(scoped(LabResult).subquery()))
    return render_template("supervisor/results_upload.html", latest=latest, total=total)


@bp.post("/results")
@role_required("supervisor")
def results_upload():
    """Keep the file for the next steps; ask for the columns when the headers are unknown."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_error(_("Choose a CSV or XLSX file."))
    data = upload.read()
    try:
        headers = read_header(data, upload.filename)
    except TableError as error:
        return _upload_error(str(error))
    mapping = mapping_for(headers)
    token = uploads.save(data, upload.filename, headers=headers, mapping=mapping)
    if missing_fields(mapping):
        return redirect(url_for(".results_mapping", token=token))
    return redirect(url_for(".results_preview", token=token))


def _upload_error(message):
    return render_template("supervisor/results_upload.html", error=message, latest=[], total=None), 400


@bp.route("/results/<token>/mapping", methods=["GET", "POST"])
@role_required("supervisor")
def results_mapping(token):
    """Choose which column holds the tube, the result and the report time."""
    _data, meta = uploads.load(token)
    headers = meta["headers"]
    error = None
    if request.method == "POST":
        chosen = {f: request.form.get(f, "") for f in FIELDS}
        mapping = {headers[int(i)]: f for f, i in chosen.items()
                   if i.isascii() and i.isdigit() and int(i) < len(headers)}  # not "²"
        if missing_fields(mapping) or len(mapping) != len([i for i in chosen.values() if i]):
            error = _("Choose a different column for the tube and for the result.")
        else:
            meta["mapping"] = mapping
            uploads.write_meta(token, meta)
            return redirect(url_for(".results_preview", token=token))
    current = {f: headers.index(h) for h, f in meta["mapping"].items() if h in headers}
    return render_template("supervisor/results_mapping.html", token=token, headers=headers,
                           fields=FIELDS, required=REQUIRED, current=current, error=error,
                           filename=meta["filename"]), 400 if error else 200


@bp.get("/results/<token>")
@role_required("supervisor")
def results_preview(token):
    """What the import would do: new results, unknown tubes, duplicates, retests opened."""
    data, meta = uploads.load(token)
    try:
        parsed = parse_results(data, meta["filename"], meta["mapping"])
    except TableError as error:
        uploads.delete(token)
        return _upload_error(str(error))
    report = preview(parsed.rows, current_user.community_id)
    if not parsed.errors:
        uploads.write_rows(token, rows_to_json(parsed.rows))
        meta["duplicates"] = len(parsed.duplicates)
        uploads.write_meta(token, meta)
    return render_template("supervisor/results_preview.html", token=token, parsed=parsed,
                           report=report, filename=meta["filename"], sample=parsed.rows[:PREVIEW_ROWS])


@bp.post("/results/<token>/cancel")
@role_required("supervisor")
def results_cancel(token):
    """Drop the uploaded file."""
    uploads.load(token)
    uploads.delete(token)
    return redirect(url_for(".results"))


@bp.post("/results/<token>/import")
@role_required("supervisor")
def results_import(token):
    """Apply one chunk of rows (htmx asks for the next chunk) or, without htmx, all of them.

    Each chunk commits on its own; importing is idempotent, so an interrupted import is
    finished by confirming the same file again."""
    _data, meta = uploads.load(token)
    checked = uploads.read_rows(token)
    if checked is None:  # not previewed (or had bad rows): the preview checks it first
        return redirect(url_for(".results_preview", token=token))
    rows = rows_from_json(checked)
    chunk = current_app.config.get("RESULTS_IMPORT_CHUNK", 1000) if is_htmx() else len(rows) or 1
    offset = max(0, request.form.get("offset", 0, type=int))
    report = apply_results(rows[offset:offset + chunk], current_user.community_id)
    totals = _totals(request.form)
    for name in ("created", "unchanged", "linked", "retests"):
        totals[name] += getattr(report, name)
    totals["unknown"] += len(report.unknown)
    totals["conflicts"] += len(report.conflicts)
    done = offset + chunk >= len(rows)
    if done:
        audit("import_results", target=f"community:{current_user.community_id}",
              rows=len(rows), duplicates=meta.get("duplicates", 0), **totals)
    db.session.commit()
    if done:
        uploads.delete(token)
    context = dict(token=token, totals=totals, processed=min(offset + chunk, len(rows)),
                   total_rows=len(rows), done=done, duplicates=meta.get("duplicates", 0))
    if is_htmx():
        return render_template("supervisor/_results_progress.html", **context)
    return render_template("supervisor/results_done.html", **context)


def _totals(form) -> dict:
    return {name: max(0, form.get(name, 0, type=int))
            for name in ("created", "unchanged", "linked", "retests", "unknown", "conflicts")}

