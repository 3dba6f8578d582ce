"""Old-part returns (旧件退回) and unused-part returns (退件): expected on issue, shipped by the
point, received and inspected by the issuing warehouse, charged when overdue or wrong."""
