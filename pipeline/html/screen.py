"""The screen every HTML page passes before libxml2 parses it: tags with too many attributes are cut.

libxml2 checks each attribute of a start tag against every earlier one: a tag with n attributes
costs O(n^2) inside one C call, which no signal interrupts (30,000 attributes: 2 s; the 1,000,000 an
8 MB page can hold: hours). `screen_html` finds the tags the parser will see and keeps the first
MAX_TAG_ATTRIBUTES attributes of a tag that has more; the page is then parsed on. Real pages stay
far below (2,090 dev pages: 151 at most), so they pass unchanged.

Finding the tags the parser sees means reading the page as libxml2 2.14 does (its HTML5
tokenizer; probed with lxml 6.0 and checked by tests/test_door.py, a differential test against
the parser itself). Text that only looks like markup is no tag: minified JavaScript such as
`for(;p<a.length;)` inside <script> made the former scan, which looked for tags everywhere, refuse
1.6 % of the dev pages. Conversely, skipping what the parser does read as markup would let a hostile
tag through, so the rules are the parser's, to the character:

- `<` not followed by an ASCII letter, `!`, `/` or `?` is text.
- A comment `<!--` ends at the first `-->` or `--!>` (`<!-->` and `<!--->` are empty comments),
  else at the end of the page.
- `<!...>` (DOCTYPE, `<![CDATA[`...), `<?...>` and `</` + a non-letter end at the first `>`, quoted
  or not; `</>` is nothing.
- A tag `<name` or `</name`: the name runs to whitespace, `/` or `>`; an attribute name to
  whitespace, `/`, `=` or `>` (quotes and `<` are part of it); a value is quoted (a `>` inside is
  kept) or runs to whitespace or `>`; a quoted value right after another starts a new attribute;
  a tag with no `>` before the end of the page is dropped (cheaply: libxml2 never builds it).
- The content of script, style, textarea, title, xmp, iframe, noembed and noframes is text up to
  `</name` followed by whitespace, `/` or `>` (ASCII case-insensitive), wherever the element
  stands (in <select>, <svg>, after </html>); <plaintext> to the end of the page. Not after a
  self-closing start tag (`<script/>`, `<script a />`: libxml2 makes an empty element and reads
  on as markup), and <noscript> holds markup. In <script>, HTML5's escapes: after `<!--`, a
  `<script` opens a stretch where `</script` only closes that stretch, and `-->` ends both
  (`<script><!--<script></script></script>` is one element).

These are libxml2 2.14's rules (lxml 6.x wheels; uv.lock pins lxml 6.1.3, libxml2 2.14.6). Before
the project takes another libxml2, run tests/test_door.py: its differential test compares the
screen with the parser, and a test there names the version checked.

Linear time on any input: the scan is one regular expression whose every repetition is
possessive or atomic (nothing backtracks), run in C over the page; Python steps in only at a tag
past the limit, a tag cut off by the end of the page, and the raw-text element after such a tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

# Real tags hold at most ~150 attributes. Parsing 8 MB of tags of this many attributes takes about
# as long as 8 MB of ordinary tags (0.5 s; at 1,000 attributes a tag: 2 s).
MAX_TAG_ATTRIBUTES = 256

_WS = "\\t\\n\\f\\r "  # HTML whitespace (not \v, not U+00A0: those are part of names)
_NAME = f"[A-Za-z][^{_WS}/>]*+"
# An attribute: its name, then maybe "=" and a value, quoted (to the closing quote, or the end of
# the page) or not (to whitespace or ">").
_VALUE = f"""(?:"[^"]*+"?|'[^']*+'?|[^{_WS}>]*+)"""
_ATTR = f"[^{_WS}/>][^{_WS}/=>]*+(?:[{_WS}]*+=[{_WS}]*+{_VALUE})?+"
# A tag's attributes: each maybe after whitespace, or a "/" that does not close the tag (read as
# a separator).
_ITEM = f"[{_WS}]*+(?:{_ATTR}|/(?!>))"
_RAW_NAMES = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")


def _raw_text(name: str) -> str:
    """The content of a raw-text element: text up to its end tag `</name` + whitespace, "/" or
    ">" (not included), or to the end of the page."""
    if name != "script":
        return f"(?:[^<]++|<(?!/{name}[{_WS}/>]))*+"
    # <script> has the HTML5 escapes: after "<!--", a "<script" opens a nested stretch where
    # "</script" only closes that stretch; "-->" ends both. ("<script><!--<script></script>
    # </script>" is one element.)
    end = f"</script[{_WS}/>]"
    dashes = "-(?!-++>)"  # a "-" that does not start "-->", "--->"...
    double = f"(?:[^<-]++|{dashes}|<(?!/script[{_WS}/>]))*+"  # inside <!--<script ...
    escaped = f"(?:[^<-]++|{dashes}|<(?!/script[{_WS}/>]|script[{_WS}/>]))"
    return (
        f"(?:[^<]++|<(?!{end[1:]}|!--)"  # script data
        f"|<!(?=--)"  # "<!--": escaped, its "--" read as the first dashes of "-->"
        f"(?:{escaped}|<script[{_WS}/>]{double}{end})*+"
        f"(?:--++>|<script[{_WS}/>]{double}(?:--++>)?)?"  # back to script data, or the end
        ")*+"
    )


_FLAGS = re.ASCII | re.IGNORECASE  # tag names compare in ASCII only ("ſcript" is no script)


@lru_cache(maxsize=4)
def _fast_scan(limit: int) -> re.Pattern[str]:
    """The page read from the start, as far as it holds no tag of more than `limit` attributes
    (each attribute needs a round of the bounded repeat: past it, the scan stops there)."""
    tail = f"(?:{_ITEM}){{0,{limit}}}+[{_WS}]*+"
    return re.compile(
        "(?:[^<]++|<(?:"
        # end tags (never raw), "</>" (nothing), "</" + a non-letter (a bogus comment)
        f"/(?:{_NAME}{tail}/?>|>|(?![A-Za-z])[^>]*+>?)"
        # comments; doctype, CDATA and other bogus comments
        "|!(?:--(?>>|->|(?:[^-]++|-(?!-!?>))*+(?:--!?>)?)|[^>]*+>?)"
        "|\\?[^>]*+>?"  # processing instruction: a bogus comment
        # a raw-text element: its start tag, then its content up to its end tag (which the next
        # round reads as a tag); self-closing, it has no content. One alternative a name: no
        # back-reference (a group captured inside a possessive repeat trips Python 3.11's re).
        f"|(?=[sStTxXiInN])(?=(?:{'|'.join(_RAW_NAMES)})[{_WS}/>])(?:"
        + "|".join(f"{name}{tail}(?:/>|>{_raw_text(name)})" for name in _RAW_NAMES)
        + ")"
        f"|(?=[pP])plaintext(?=[{_WS}/>]){tail}(?:/>|>[\\s\\S]*+)"
        f"|{_NAME}{tail}/?>"  # any other start tag
        "|(?![A-Za-z!/?])"  # a "<" that opens nothing: text
        "))*+",
        _FLAGS,
    )


# The whole tag where the fast scan stopped: no limit, and the end of the page may end it.
_TAG = re.compile(f"<(/?)({_NAME})(?:{_ITEM})*+[{_WS}]*+(/?>)?", _FLAGS)
_ATTR_RE = re.compile(_ATTR, _FLAGS)
_RAW_TEXT = {name: re.compile(_raw_text(name), _FLAGS) for name in _RAW_NAMES}
_fast_scan(MAX_TAG_ATTRIBUTES)  # compiled at import, not in the first page's time limit


@dataclass(frozen=True)
class Screened:
    """The page as it may be parsed, and what was changed (None: nothing, the page as given)."""

    html: str
    note: str | None = None


def screen_html(html: str, limit: int = MAX_TAG_ATTRIBUTES) -> Screened:
    """`html` with every tag of more than `limit` attributes cut to its first `limit` (its name,
    whether it closes itself, and the rest of the page are kept), and such a tag left open at the
    end of the page dropped (as libxml2 drops it). Linear time."""
    run = _fast_scan(limit)
    n = len(html)
    pos = run.match(html).end()
    if pos == n:
        return Screened(html)  # most pages: one pass in C
    out: list[str] = []
    done = 0  # html[:done] is in `out`
    cut: list[int] = []
    while pos < n:
        tag = _TAG.match(html, pos)
        if tag is None:  # the fast scan stops only at "<" + a letter or "</" + a letter
            raise RuntimeError(f"html_screen: scan stopped outside a tag at {pos}")
        closer = tag.group(3)
        items = _ATTR_RE.finditer(html, tag.end(2), tag.end() - len(closer or ""))
        kept = list(islice(items, limit + 1))
        if len(kept) > limit:
            cut.append(limit + 1 + sum(1 for _ in items))
            # The tag as written up to its last attribute kept (what separates two attributes
            # decides how the next one reads: "a =b" is a value, "a/=b" an attribute "=b"),
            # then its end: " />" (right after an unquoted value, a "/" would be part of the
            # value); none for a tag open at the end of the page (libxml2 drops it).
            end = {"/>": " />", ">": ">", None: ""}[closer]
            out.append(f"{html[done:kept[limit - 1].end() if limit else tag.end(2)]}{end}")
            done = tag.end()
        pos = tag.end()
        name = tag.group(2).lower() if tag.group(2).isascii() else ""
        if closer == ">" and not tag.group(1):
            if name in _RAW_TEXT:
                pos = _RAW_TEXT[name].match(html, pos).end()
            elif name == "plaintext":
                pos = n
        pos = run.match(html, pos).end()
    if not cut:
        return Screened(html)
    out.append(html[done:])
    most = max(cut)
    what = f"a tag with {most} attributes" if len(cut) == 1 else \
        f"{len(cut)} tags with up to {most} attributes"
    return Screened("".join(out), f"{what} cut to the first {limit} before parsing "
                                  "(libxml2 is quadratic in a tag's attributes)")
