"""The store's errors (what a caller may catch and print) and the crash-test failpoints."""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger(__name__)


FAILPOINTS = ("after_first_table", "before_manifest", "before_rename", "after_rename",
              "after_latest_file")


def _failpoint(name: str) -> None:
    """Crash-safety tests set CURATE_FAILPOINT to die by SIGKILL at a named point of publish."""
    if os.environ.get("CURATE_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class StoreBusy(RuntimeError):
    """Another run holds the store's lock."""


class StoreConflict(StoreBusy):
    """Another run published a version after this run read the store: publishing this batch
    would drop that version's work. Run again (it then builds on the new version)."""


class Refused(RuntimeError):
    """The run stopped before doing harm; the message names the file or folder and what to do.
    Nothing was published or deleted."""


class VersionCorrupt(Refused):
    """A version's file differs from its manifest (size or sha256), is missing, or cannot be
    parsed: building on it would launder the damage into a new version with fresh checksums.
    `damage`: what is wrong, without the advice."""

    def __init__(self, damage: str) -> None:
        super().__init__(f"{damage}. {_WHAT_TO_DO}")
        self.damage = damage


class UnsafeStore(Refused):
    """A store folder is a symbolic link or on another file system, or the curated and raw
    folders contain one another: the run would write or delete outside the curated folder."""


class RebuildRefused(Refused):
    """A full rebuild would drop more of the published articles than `Settings.rebuild_max_loss`
    allows, or the raw folder is empty (unmounted?): pass --allow-shrink when that is meant."""


_WHAT_TO_DO = ("Nothing was published. Restore the version's files from a backup, or rebuild "
               "from the raw folder with `curate run --full-rebuild` (it does not build on "
               "the damaged version).")
