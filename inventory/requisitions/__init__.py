"""Requisitions (配件申请) from service points and dealers: submit within the 2-day promise,
cancel, ship, receive. `service` holds the operations, `allocation` the choice of warehouses."""
