"""Push events (webhooks) for dealers and service points: registration (`service`), the outbox
scan that turns recorded facts into events (`outbox`), signed sending with retries (`sender`)
and the SSRF rule for receiver addresses (`net`). No Flask here; `api.tasks.webhooks` runs it."""
