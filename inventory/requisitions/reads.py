"""Reading requisitions: which ones a principal may see, one by its code, a page of them, and
who may act on one, a line's warranty as readers show it. Kept apart from the lifecycle (`service`) so that modules the lifecycle
calls (returns, warranty, wrong parts) read requisitions without importing it back."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access import Principal
from ..errors import NotFound
from .models import Requisition, RequisitionLine, parse_code


def visible_to(principal: Principal):
    """The SQL condition for the requisitions a principal may see."""
    if principal.role == "dealer":
        return Requisition.dealer_code == principal.code
    if principal.role == "service_point":
        return (Requisition.service_point_code == principal.code) & (Requisition.requester_role == "service_point")
    if principal.role == "hq":
        return Requisition.id.is_not(None)
    return Requisition.id.is_(None)


def get(session: Session, principal: Principal, code: str, *, for_update: bool = False) -> Requisition:
    """One requisition if the principal may see it; otherwise NotFound, whether or not it exists."""
    number = parse_code(code)
    if number is None:
        raise NotFound(f"no requisition {code}", code="requisition.not_found", requisition=code)
    stmt = select(Requisition).where(Requisition.id == number, visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update()
    req = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
    if req is None:
        raise NotFound(f"no requisition {code}", code="requisition.not_found", requisition=code)
    return req


def list_for(session: Session, principal: Principal, *, status: str | None, page: int, per_page: int):
    """The principal's requisitions, newest first, and the total count."""
    cond = visible_to(principal)
    if status:
        cond = cond & (Requisition.status == status)
    total = session.scalar(select(func.count()).select_from(Requisition).where(cond))
    rows = session.scalars(select(Requisition).where(cond).order_by(Requisition.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total


def require_owner(principal: Principal, req: Requisition) -> None:
    """Only HQ and the requester act on a requisition; others are told it does not exist."""
    if principal.role == "hq":
        return
    owner = req.dealer_code if req.requester_role == "dealer" else req.service_point_code
    if principal.role != req.requester_role or principal.code != owner:
        raise NotFound(f"no requisition {req.code}", code="requisition.not_found", requisition=req.code)


def warranty_to_dict(line: RequisitionLine) -> dict[str, Any]:
    """A line's warranty as the API shows it beside the line."""
    return {"in_warranty": line.in_warranty, "warranty_basis": line.warranty_basis,
            "warranty_until": line.warranty_until.isoformat() if line.warranty_until else None,
            "warranty_overridden": line.warranty_overridden,
            "warranty_computed": line.warranty_computed,
            "warranty_override_by": line.warranty_override_by,
            "warranty_override_at": line.warranty_override_at.isoformat() if line.warranty_override_at else None,
            "warranty_override_reason": line.warranty_override_reason}
