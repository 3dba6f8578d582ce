"""Old-part returns (旧件退回) and unused-part returns (退件): expected on issue, shipped by the
point, received and inspected by the issuing warehouse, charged when overdue or wrong.
`lifecycle` holds the steps, `settlement` what they mean for money (charges, credits, a
ticket's repair fee), `report` the reads (one return, lists, quarantine, the monthly report)."""
