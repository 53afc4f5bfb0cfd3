"""Where the files are, the data contract, the DuckDB views over them, prepared copies, the scope type."""
