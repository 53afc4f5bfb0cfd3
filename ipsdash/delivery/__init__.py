"""Taking deliveries in: reading files, checking them against the contract, versions and rollback, the log."""
