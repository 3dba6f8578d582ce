"""Scan to ship: the clerk scans every unit of a pick before it leaves (错发 stopped at the shelf).

A pure check of the scanned skus against what the pick ships from one warehouse; `service.ship`
runs it before any unit is issued, so a wrong part or a miscount ships nothing. Systems that
ship without scanning (the API's `ship`) pass no scans and are not checked.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from ..errors import ScanCountMismatch, WrongPartScanned


def check(code: str, warehouse: str | None, shipping: Mapping[str, int], scanned: Sequence[str]) -> None:
    """Refuse unless `scanned` holds each sku of `shipping` exactly as many times as it ships.

    A sku the pick does not ship is named first: it is the part about to go out wrongly."""
    counted = Counter(s.strip() for s in scanned if s.strip())
    for sku in counted:
        if sku not in shipping:
            where = f" from {warehouse}" if warehouse else ""
            raise WrongPartScanned(f"scanned {sku}, which requisition {code} does not ship{where}; put it back",
                                   code="scan.wrong_part" + ("_from" if warehouse else ""),
                                   field="scanned", sku=sku, requisition=code, warehouse=warehouse)
    for sku, qty in shipping.items():
        if counted[sku] != qty:
            raise ScanCountMismatch(f"scanned {counted[sku]} of {qty} × {sku} for requisition {code}; "
                                    f"scan each unit once", field="scanned", sku=sku, scanned=counted[sku], qty=qty,
                                    requisition=code)
