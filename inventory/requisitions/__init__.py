"""Requisitions (配件申请) from service points and dealers: submit within the 2-day promise,
cancel, ship, receive. `service` holds the operations, `allocation` the choice of warehouses,
`reads` the queries (returns, warranty and wrong parts read through it, never `service`),
`history` and `reserving` the rows every operation writes alike."""
