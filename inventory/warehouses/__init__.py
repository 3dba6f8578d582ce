"""Stock balances, the movement ledger and transfers. `ledger` is the only writer of stock."""
