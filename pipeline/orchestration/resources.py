"""Paths and settings as a Dagster resource, so tests and deployments point them elsewhere."""

from __future__ import annotations

import dagster as dg

from pipeline.settings import Settings


class CurationConfig(dg.ConfigurableResource):
    """Where raw scrapes are read and curated versions are written, and the run's limits."""

    raw_dir: str
    curated_dir: str
    workers: int = 0  # 0: one worker process per core
    extract_timeout_s: float = 20.0
    max_file_bytes: int = Settings().max_file_bytes
    max_document_bytes: int = Settings().max_document_bytes
    expectations_dir: str = ""  # empty: the repo's expectations/ folder
    full_rebuild: bool = False  # False: only documents the latest version has not seen

    def settings(self) -> Settings:
        kw = {} if self.workers <= 0 else {"workers": self.workers}
        return Settings(raw_dir=self.raw_dir, curated_dir=self.curated_dir,
                        extract_timeout_s=self.extract_timeout_s,
                        max_file_bytes=self.max_file_bytes,
                        max_document_bytes=self.max_document_bytes,
                        expectations_dir=self.expectations_dir or None,
                        full_rebuild=self.full_rebuild, **kw)

    @classmethod
    def from_settings(cls, s: Settings) -> CurationConfig:
        return cls(raw_dir=str(s.raw_dir), curated_dir=str(s.curated_dir), workers=s.workers,
                   extract_timeout_s=s.extract_timeout_s, max_file_bytes=s.max_file_bytes,
                   max_document_bytes=s.max_document_bytes,
                   expectations_dir=str(s.expectations_dir or ""), full_rebuild=s.full_rebuild)
