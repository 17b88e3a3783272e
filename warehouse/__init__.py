"""The DuckDB warehouse: schema, snapshots, rollups and the demo data generator."""
