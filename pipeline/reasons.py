"""The catalogue of reject reasons: every `rejected.reason` a run can write, with its stage, what
happened and what a user can do. The `rejected` suite holds the table to it (a reason missing
here is a contract breach: it blocks the batch), so a new reject path starts with a line here.

Quarantine rows (stage `validation`) carry the label of the expectation that failed them
(`articles.expect_...(column)`) as their reason: the suites are their catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    stage: str
    meaning: str
    action: str  # what a user can do about it


INGEST, EXTRACT, CLEAN, VALIDATION = "ingest", "extract", "clean", "validation"

REASONS: dict[str, Reason] = {
    # ingest: the raw file or record cannot be read as a document
    "empty": Reason(INGEST, "the file or record holds no bytes or no records",
                    "check the scraper's output; nothing to keep"),
    "binary": Reason(INGEST, "the bytes are not text (an image, a PDF, an archive...)",
                     "convert it to HTML or text before dropping it in the raw folder"),
    "undecodable": Reason(INGEST, "the bytes decode in no known text encoding",
                          "re-scrape with the page's declared charset"),
    "gzip_corrupt": Reason(INGEST, "the gzip stream is damaged", "re-download the file"),
    "gzip_truncated": Reason(INGEST, "the gzip stream ends early (a cut download)",
                             "re-download the file"),
    "too_large": Reason(INGEST, "a file, member or document is above the size limits",
                        "split the file, or raise max_file_bytes / max_document_bytes"),
    "unreadable": Reason(INGEST, "the operating system refused to read the file",
                         "check its permissions and that it still exists; it is read again "
                         "next run"),
    "ingest_error": Reason(INGEST, "the reader failed on this file (a bug or a hostile file)",
                           "report it with the file"),
    "unsupported_format": Reason(INGEST, "a file or record type the pipeline does not read",
                                 "convert it to .txt, .html, .jsonl or .warc"),
    "too_many_records": Reason(INGEST, "a batch file holds more records than the limit",
                               "split the batch file"),
    "json_malformed": Reason(INGEST, "a JSONL line is not a JSON object",
                             "fix the scraper's writer; the other lines are read"),
    "no_body": Reason(INGEST, "a JSONL record has no text or HTML field",
                      "give each record a text or html field"),
    "warc_truncated": Reason(INGEST, "a WARC record ends early", "re-download the file"),
    "warc_corrupt": Reason(INGEST, "the WARC file cannot be parsed", "re-download the file"),
    "no_documents": Reason(INGEST, "a WARC file holds no response or resource record with a page",
                           "check that the crawl stored the responses"),
    "nested_compression": Reason(INGEST, "the file's inflated content is compressed again "
                                         "(gzip inside gzip): not inflated a second time",
                                 "inflate it once yourself and drop the result in the raw "
                                 "folder, named for its format (.warc.gz, .jsonl...)"),
    "unlistable_folder": Reason(INGEST, "a folder under the raw folder cannot be listed "
                                        "(permissions, a path too long, an I/O error): its "
                                        "files were not read",
                                "fix its permissions or shorten its path; it is listed again "
                                "next run"),
    "path_too_long": Reason(INGEST, "the path of a file or folder under the raw folder is "
                                    "longer than the system can open (PATH_MAX): not read",
                            "shorten the folder names"),
    "special_file": Reason(INGEST, "a FIFO, socket or device under the raw folder: never "
                                   "opened (reading it could block the run or never end)",
                           "remove it; only regular files are documents"),
    "symlink_outside": Reason(INGEST, "a symbolic link leading outside the raw folder and "
                                      "the allowed roots: not followed",
                              "copy the files into the raw folder, or add the target's folder "
                              "to raw_allowed_roots (CURATE_RAW_ALLOWED_ROOTS)"),
    "symlink_loop": Reason(INGEST, "a symbolic link to a folder listed already under another "
                                   "name, or to one of its own parents: its files are read "
                                   "once, under the other name",
                           "remove the link if it is not meant"),
    "hard_link": Reason(INGEST, "a file with more than one hard link: its other names may be "
                                "any file of the machine (a link to /etc/passwd reads as a "
                                "scrape), so it is not read",
                        "copy the file instead of hard-linking it, or set "
                        "raw_allow_hard_links (CURATE_RAW_ALLOW_HARD_LINKS=1) for a raw folder "
                        "filled with cp -al or rsync --link-dest"),
    # extract: an HTML page gives no article
    "extract_error": Reason(EXTRACT, "the HTML parser or trafilatura failed on the page",
                            "report it with the page"),
    "extract_timeout": Reason(EXTRACT, "extraction took longer than extract_timeout_s",
                              "raise extract_timeout_s, or drop the page"),
    "no_article": Reason(EXTRACT, "neither trafilatura nor the text engine found an article in "
                                  "the page", "check that the page is an article, not a listing"),
    # clean: what is left after the boilerplate engine is not an article
    "no_content": Reason(CLEAN, "every line of the document was boilerplate",
                         "check the removed lines (`curate clean --explain`)"),
    "too_short": Reason(CLEAN, "too few words or characters are left after cleaning",
                        "check the removed lines (`curate clean --explain`); a stub or a teaser "
                        "is not an article"),
}


def codes() -> list[str]:
    """Every catalogued reason, sorted (the `rejected` suite's allowed set, with the quarantine
    expectations' labels)."""
    return sorted(REASONS)


def meaning(reason: str) -> str:
    """What a reason means, for reports; quarantine reasons name their expectation."""
    r = REASONS.get(reason)
    if r is not None:
        return f"{r.meaning} ({r.action})"
    if reason.startswith("articles.expect_"):
        return "quarantined: the article failed this expectation of the articles suite"
    return "unknown reason"
