"""The thin Dagster layer: assets, checks, resources, schedule and sensor over `pipeline.steps`."""
