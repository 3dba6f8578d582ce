"""Printed documents over the API: a requisition's packing slip (装箱单) as PDF, with the
requisition's id as a QR code (API.md, Documents). Its owner or HQ may fetch it; anyone else's
requisition is 404, as for every other read of it."""
from __future__ import annotations

import io

from flask import current_app, send_file
from flask.views import MethodView

from inventory.requisitions import service as requisitions

from ..auth import current_principal, roles
from ..documents import gather, sheets
from ..documents.pdf import FontUnavailable
from ..errors import problem
from ..extensions import db
from .common import Blueprint

blp = Blueprint("documents", __name__, url_prefix="/api/v1/requisitions",
                description="Printed documents: the packing slip (装箱单)")


@blp.route("/<string:code>/packing-slip")
class RequisitionPackingSlip(MethodView):
    @roles("dealer", "service_point", "hq")
    @blp.alt_response(200, success=True, description="the packing slip (A4 PDF): every line's units that ship "
                      "or shipped, with sender and bin; a QR code carries the requisition's id", content_type=
                      "application/pdf", schema={"type": "string", "format": "binary"})
    @blp.alt_response(404, schema=None, description="no such requisition of yours")
    @blp.alt_response(503, schema=None, description="the server has no CJK font to embed (PDF_CJK_FONT)")
    def get(self, code):
        """The requisition's packing slip (装箱单) as PDF, with its QR code"""
        req = requisitions.get(db.session, current_principal(), code)
        doc = gather.packing_slip(db.session, req)
        try:
            pdf = sheets.packing_slip(doc, font=current_app.config.get("PDF_CJK_FONT"))
        except FontUnavailable as error:
            current_app.logger.error("PDF not built: %s", error)
            return problem(503, "Service Unavailable", str(error))
        return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"packing-slip-{req.code}.pdf")
