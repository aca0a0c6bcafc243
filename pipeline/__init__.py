"""News-curation pipeline."""
