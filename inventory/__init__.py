"""The domain: network, catalog, stock, requisitions, quotas, returns, tickets. Free of Flask."""
