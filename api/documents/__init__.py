"""Printed paper (presentation only): label sheets and the warehouse's documents as PDF.

`pdf` holds the pieces every page uses (the embedded CJK font, Code 128 and QR codes, text in
mixed scripts); `labels` lays out label sheets; `sheets` builds the pick list, packing slip
(装箱单), transfer note and return note; `gather` reads what they print from the database into
plain dataclasses, so the builders never touch a session. Codes carry plain ids (a sku, a bin,
a requisition `R...`, a return `RT...`, a transfer), which is what a scanner types back.
"""
