"""Dealer monthly credit quotas (配件额度): one account per dealer and month, and its ledger."""
