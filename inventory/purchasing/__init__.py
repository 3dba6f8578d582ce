"""HQ buying (采购): suppliers and what they sell, purchase proposals from the stock plan, purchase
orders HQ approves, and receipts against them that go on hand at HQ through the ledger."""
