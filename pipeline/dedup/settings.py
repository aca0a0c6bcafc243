"""Tuning knobs of near-duplicate detection, with the defaults measured by bench/eval_dedup.py.

Two groups matter for a stored index: the *signature* parameters (tokeniser, shingle size,
permutations, seed, banding) decide what is stored, so an index made with other values cannot be
compared with new signatures; the *cluster* parameters (thresholds) only decide which stored pairs
are accepted, so a change there re-clusters the stored index without recomputing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEME_VERSION = 1  # bump when tokenisation, shingle hashing or banding code changes


@dataclass(frozen=True)
class DedupSettings:
    """Settings of `deduplicate`.

    shingle_size: words per shingle. 5 keeps two articles that share stock phrases apart while a
        few edited words still leave most shingles intact.
    num_perm, bands, rows: MinHash slots and LSH banding of the whole body. 16 bands x 8 rows
        (128 slots) makes a pair with Jaccard 0.8 a candidate with p > 0.99 and one with 0.6
        with p ~ 0.24 (most such pairs share their lead and are found through the lead bands
        below). 9 x 13 missed more copies in bench/eval_dedup.py (recall 0.990 vs 0.997) and
        32 x 4 adds candidates between articles that share template phrases.
    lead_shingles, lead_num_perm, lead_bands, lead_rows: a second, small MinHash over the first
        `lead_shingles` shingles of the body, banded 8 x 4. A copy cut short by a paywall has a
        whole-body Jaccard of only 0.3-0.6 with its original (too low for any banding that keeps
        unrelated pairs out) but the same lead, so this is how truncated copies become candidates.
    anchors, anchor_rows: containment bands (0: none), `anchors` bands of `anchor_rows` slots of
        the whole-body signature. A slot of a document inside a larger one equals the larger's
        when the larger's minimum falls in the smaller, with probability r = the size ratio, so
        a 2-slot band joins them with p ~ r^2 whatever their Jaccard: 16 x 2 makes a copy at a
        third of its original a candidate with p ~ 0.85 (32 x 2, the default since session 18
        (below): 0.98). On since session 14, measured with
        every other setting as it is:
        - bench/eval_dedup_pages.py, seeds 1-3 (hosts of "other_template" copies whose
          template holds no second article): recall 0.952 -> 0.969 (re-formatted copies 0.961
          -> 0.981, other_template 0.931 -> 0.958, bare articles 0.961 -> 0.978), precision
          0.9992 -> 0.9976 (2 -> 6 false pairs: three join nfl.com video pages whose clean
          text is mostly the site's comment guidelines), F1 0.975 -> 0.983;
        - bench/eval_dedup.py: recall 0.9964 -> 0.9982, precision 1.0;
        - bench/eval_templates.py: no false merge at 256, 1,000 or 1,900 templates, as without;
        - the cost, at scale, where the cleaning leaves templates in the text:
          bench/eval_dedup_corpus.py (100k real-page scrapes, each template ~50 times) makes
          6x the candidate pairs (110k -> 670k, largest bucket 54 -> 133) and drops 195
          articles as another's duplicate against 167 (14 against 3 apart from pairs that
          share over half their article's words: documents whose kept text is mostly one
          template's 700 words, contained in a larger one), while finding the last 10 of its
          6,592 copies; bench_dedup.py 13,389 docs/s (13,691 without).
        (eval_dedup_pages.py then left out short posts; with every page and the blog-post
        fix of the same session: P 0.9903, R 0.9695.)
        Tried with them: a ceiling on the size ratio of a containment pair that does not begin
        alike (0.8: 185 dropped, 12 apart; the nfl.com pairs stay; recall -0.001). An index
        made without them is completed from its stored signatures (`index.with_anchors`).
        Tried in session 16: 32 x 2 (a copy at a quarter of its original a candidate with
        p ~ 0.87, not 0.64): eval_dedup_pages.py seeds 1-3 recall 0.9804 -> 0.9820
        (other_template 0.961 -> 0.967), precision unchanged, eval_templates.py 0 / 0 / 0 false
        merges as before; but the band join's time grows with its columns (cluster 1.3-1.5 s
        -> 2.2 s) and bench_dedup.py fell to 9,847-10,419 docs/s against 10,674-11,545 on the
        same corpus, at the issue's 10,000 floor: not kept. Session 17, with the tokeniser
        30 % cheaper: 32 x 2 cost 1.048x the wall of the session start (the old tokeniser with
        16 x 2), and other_template at 0.967 is still under the issue's 0.97: not kept.
        32 x 2 since session 18 (a copy at a quarter of its original a candidate with p ~ 0.87):
        eval_dedup_pages.py seeds 1-3 recall 0.9816 -> 0.9832 (other_template 0.958 -> 0.964,
        re-formatted 0.983 -> 0.986), precision 0.9976 unchanged; eval_templates.py 0 / 0 / 0
        false merges at 256 / 1,000 / 1,900 templates, as with 16; eval_dedup.py unchanged
        (P 1.0, R 0.9982); bench_dedup.py 13,431 docs/s (100k; cluster 1.56 s). An index made
        with 16 x 2 is banded again from its signatures (`index.with_anchors`).
    jaccard_threshold: accept a candidate pair as "near" when the estimated Jaccard of the
        whole-body shingle sets reaches this ...
    containment_threshold: ... or as "containment" when the estimated share of the smaller
        document's shingles found in the larger reaches this, unless the pair begins alike
        (below). 0.7 / 0.85: the pairs that do not begin alike are where pages of one template
        meet, their clean texts still holding most of it (Jaccard 0.5-0.65, containment
        0.7-0.8). On bench_pipeline.py's real-page corpus (100k documents, 6,592 copies;
        bench/eval_dedup_corpus.py), articles dropped as another article's duplicate at 0.5 /
        0.7, 0.6 / 0.8, 0.7 / 0.85, 0.8 / 0.9: 289, 258, 209, 184 (at 0.5 / 0.7 and 0.7 /
        0.85, 72 and 45 apart from pairs that share most of their article's words: the corpus
        draws paragraphs from a pool, some of 1,000+ words); copies found 6,582, 6,582, 6,582,
        6,575.
        bench/eval_dedup_pages.py (seeds 1-6, dedup on the same clean texts): precision 0.994
        -> 0.997, recall 0.922 -> 0.921; bench/eval_dedup.py recall 0.9974 -> 0.9964.
    lead_jaccard_threshold, lead_containment_threshold: the thresholds for a pair that begins
        alike (half its lead bands equal), 0.5 / 0.7, those of every pair before: a re-scrape,
        an edit or a copy cut short begins like its original, and a copy cut at 30 % has an
        estimated containment with a standard deviation of ~0.1 (128 slots): at 0.8, 3 of 323
        truncated copies of bench/eval_dedup.py were missed, at 0.7 none.
    min_containment_shingles: ... and the smaller document has at least this many shingles
        (containment of a few shingles says nothing).
    min_containment_ratio: ... and the smaller has at least this share of the larger's shingles
        (below it the MinHash estimate of containment is too noisy to trust) ...
    lead_min_containment_ratio: ... or this share, 0.1, when the two begin alike: their equal
        lead bands (the first 24 shingles) are evidence the estimate does not have to carry
        alone, and a copy cut short of a long page is under a fifth of it.
        bench/eval_dedup_pages.py seeds 1-6 (dedup on the same clean texts): recall 0.921 ->
        0.929 (truncated copies 0.932 -> 0.953), precision 0.9967 -> 0.9960 (three more false
        pairs, each with an other_template copy that kept its host page's text);
        bench/eval_dedup_corpus.py: 209 -> 212 articles dropped as another's duplicate. At
        0.05 / 0: recall 0.931 / 0.934, precision 0.9955 / 0.9947.
        Session 29, with `strict_containment_threshold` (below): 0.05 found 6 more copies over
        eval_dedup_pages.py seeds 1-6 for one more false pair, and one more false merge in
        bench/eval_templates.py (8 -> 9, a document whose kept text is a paragraph another
        shares): not kept.
    strict_containment_threshold: a pair whose smaller side is below the larger's minimum in
        (nearly) no slot (`verify.order_containment` >= this) takes that estimate as its
        containment where it is the larger of the two: the Jaccard-based one rests on the few
        equal slots of a small copy of a long page, and missed a copy cut at a fifth of its
        original (estimated 0.6, truly 1.0: 15 equal slots of 128 read, 28 expected; below
        it in no slot). Above 1: off. Session 29, bench/recluster_dedup.py over
        eval_dedup_pages.py seeds 1-6 (the same stored signatures re-joined): recall 0.9798
        -> 0.9800 (truncated 0.961 -> 0.963), false pairs 9, unchanged; eval_templates.py 8
        false merges and eval_dedup.py P 1.0 / R 0.9982, unchanged. 0.9: 21 false pairs
        (other_template copies that kept their host page's prose, contained at ~0.76 in the
        host); 0.98 and 1.0: as 0.95. The order estimate in place of the Jaccard one: 14.
        Coupled with the size-ratio guards: two unrelated sets at a size ratio r are below in no
        slot with p = (1 / (1 + r))^128: 2e-6 at 0.1, 0.002 at 0.05, 0.08 at 0.02.
    strict_containment_min_equal: ... and only where the equal slots are at least this share of
        the slots a set inside the other has (num_perm * small / large): shingle counts include
        repeats, and a text that repeats a few of the larger's sentences (a teaser printed 40
        times: 15 distinct shingles counted as 596) is below it in almost no slot, yet equal in
        one or two of the ~120 expected (the session's review). The copy that motivated the
        estimate read 15 of 28; at 0.3, a copy truly inside falls under it with p ~ 0.01 where
        8 equal slots are expected.
    seed: seed of token hashing and of the MinHash permutations.
    batch_size: documents tokenised and signed at once (bounds peak memory).
    """

    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 16
    rows: int = 8
    lead_shingles: int = 24
    lead_num_perm: int = 32
    lead_bands: int = 8
    lead_rows: int = 4
    anchors: int = 32
    anchor_rows: int = 2
    jaccard_threshold: float = 0.7
    containment_threshold: float = 0.85
    lead_jaccard_threshold: float = 0.5
    lead_containment_threshold: float = 0.7
    min_containment_shingles: int = 10
    min_containment_ratio: float = 0.2
    lead_min_containment_ratio: float = 0.1
    strict_containment_threshold: float = 0.95
    strict_containment_min_equal: float = 0.3
    seed: int = 1_729
    batch_size: int = 10_000

    def __post_init__(self) -> None:
        if self.shingle_size < 1:
            raise ValueError("shingle_size must be >= 1")
        if self.bands * self.rows > self.num_perm or self.bands < 1 or self.rows < 1:
            raise ValueError("bands * rows must be <= num_perm")
        if (self.lead_bands * self.lead_rows > self.lead_num_perm or self.lead_shingles < 1
                or self.lead_bands < 1):  # (verification reads them: `verify.same_lead`)
            raise ValueError("lead_bands * lead_rows must be in [1, lead_num_perm]")
        if self.anchors < 0 or self.anchor_rows < 1 or self.anchors * self.anchor_rows > self.num_perm:
            raise ValueError("anchors * anchor_rows must be <= num_perm")
        if not all(0.0 < t <= 1.0 for t in (
                self.jaccard_threshold, self.containment_threshold,
                self.lead_jaccard_threshold, self.lead_containment_threshold)):
            raise ValueError("thresholds must be in (0, 1]")
        if not self.strict_containment_threshold > 0.0:  # (NaN too)
            raise ValueError("strict_containment_threshold must be > 0 (above 1: off)")
        if not 0.0 <= self.strict_containment_min_equal <= 1.0:
            raise ValueError("strict_containment_min_equal must be in [0, 1]")
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")

    @property
    def n_band_columns(self) -> int:
        """Band hashes stored per document: whole-body bands, lead bands, containment bands."""
        return self.bands + self.lead_bands + self.anchors

    def signature_scheme(self, token_fingerprint: str, minhash_version: str) -> str:
        """Everything that decides stored signatures and band hashes, as one comparable string."""
        return (
            f"dedup-v{SCHEME_VERSION};tok={token_fingerprint};k={self.shingle_size};"
            f"{minhash_version};perm={self.num_perm};bands={self.bands}x{self.rows};"
            f"lead={self.lead_shingles}:{self.lead_num_perm}:{self.lead_bands}x{self.lead_rows};"
            f"seed={self.seed}"
            # (absent without anchors: the scheme of an index made before they existed)
            + (f";anchors={self.anchors}x{self.anchor_rows}" if self.anchors else "")
        )

    def cluster_params(self) -> str:
        """Everything that decides which stored pairs are linked (re-clustering needs no texts)."""
        return (
            f"j={self.jaccard_threshold};c={self.containment_threshold};"
            f"lj={self.lead_jaccard_threshold};lc={self.lead_containment_threshold};"
            "alike=half-lead-bands;"  # (the rule of `verify.same_lead`: change it, change this)
            f"cmin={self.min_containment_shingles};cratio={self.min_containment_ratio};"
            f"lcratio={self.lead_min_containment_ratio}"
            f";strict={self.strict_containment_threshold}:{self.strict_containment_min_equal}"
        )
