"""Writes the scikit-learn fixtures of package text (testdata/sklearn.json) and the English
stop-word list the package embeds (stopwords_english.txt).

Run from the repository root with scikit-learn 1.2:

    ../shared/tools/pytorch text/testdata/gen_fixtures.py

It reads a sample of real posts from ../shared/data/20news-bydate (decoded as UTF-8 where
valid, Latin-1 otherwise, as package text/newsgroups does) and stores their text beside the
expected outputs, so the Go tests need neither Python nor the corpus.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    HashingVectorizer,
)
from sklearn.utils import murmurhash3_32

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "..", "shared", "data", "20news-bydate")

HAND = [
    "",
    "a",
    "Hello, World! It's a test.",
    "foo_bar baz-qux 42 x1 1x __ _ a_",
    "tabs\tand\nnewlines\r\nand   spaces",
    "Café crème brûlée naïve façade",
    "ΣΊΣΥΦΟΣ ΟΔΟΣ. ΑΣ Σ ΣΑ",  # Greek capitals, final sigma
    "İSTANBUL İi DİYARBAKIR",  # dotted capital I
    "东京 北京市 中文",  # CJK
    "Ⅻ ①② x² 10³ ½ ٣٤٥",  # numbers of category Nl and No, Arabic-Indic digits
    "नमस्ते दुनिया",  # Devanagari with combining marks (Mn, Mc)
    "e\u0301cole cafe\u0301",  # decomposed accents
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ",
    "emoji 😀😀 ok👍👍 done",
    "O'Neil's e-mail: a.b@c.d (http://x.y/z?q=1)",
    "The quick brown fox jumps over the lazy dog and then some",
    "ﬁne ﬂow ǅemal ß ẞ",  # ligatures, titlecase, sharp s
    "x\u00a0y\u2003z\x1cw\x1dv",  # unusual white space
    "don't stop-words: the, and, of; yet THE",
    "αβγ ΑΒΓ ÀÉÎÕÜ àéîõü",
]

STRIP = ["", "unicode", "ascii"]


def decode(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def sample_posts():
    """Every 500th training post in sorted order, plus posts with CRs and non-UTF-8 bytes."""
    split = os.path.join(CORPUS, "20news-bydate-train")
    paths = []
    for cat in sorted(os.listdir(split)):
        for name in sorted(os.listdir(os.path.join(split, cat))):
            paths.append(os.path.join("20news-bydate-train", cat, name))
    chosen = paths[::500]
    for extra in ["comp.graphics/38753", "misc.forsale/75882", "comp.sys.mac.hardware/51894"]:
        chosen.append(os.path.join("20news-bydate-train", extra))
    latin = 0
    for p in paths:
        b = open(os.path.join(CORPUS, p), "rb").read()
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            if p not in chosen:
                chosen.append(p)
                latin += 1
                if latin == 5:
                    break
    return [(p, decode(open(os.path.join(CORPUS, p), "rb").read())) for p in chosen]


def analyzers():
    """(name, analyzer) pairs; the Go test builds the same tokenizers by name."""
    out = [
        ("default", CountVectorizer().build_analyzer()),
        ("keepcase", CountVectorizer(lowercase=False).build_analyzer()),
        ("stop", CountVectorizer(stop_words="english").build_analyzer()),
        ("ngram13", CountVectorizer(ngram_range=(1, 3)).build_analyzer()),
        ("ngram22", CountVectorizer(ngram_range=(2, 2)).build_analyzer()),
        ("char24", CountVectorizer(analyzer="char", ngram_range=(2, 4)).build_analyzer()),
        ("char11", CountVectorizer(analyzer="char", ngram_range=(1, 1)).build_analyzer()),
        ("pattern", CountVectorizer(token_pattern=r"[a-z]+(\d+)").build_analyzer()),
    ]
    for s in STRIP[1:]:
        out.append(("accents_" + s, CountVectorizer(strip_accents=s).build_analyzer()))
    return out


def main():
    with open(os.path.join(os.path.dirname(HERE), "stopwords_english.txt"), "w") as f:
        f.write("\n".join(sorted(ENGLISH_STOP_WORDS)) + "\n")

    texts = [("hand/%d" % i, s) for i, s in enumerate(HAND)]
    if os.path.isdir(CORPUS):
        texts += sample_posts()
    else:
        sys.exit("corpus not found at " + CORPUS)

    # Every analyzer on the hand-written texts and a few posts; the n-gram analyzers, whose
    # output grows fast, only there.
    heavy = {"ngram13", "ngram22", "char24", "char11"}
    cases = []
    for k, (name, text) in enumerate(texts):
        case = {"name": name, "text": text, "analyzers": {}}
        for aname, an in analyzers():
            if aname in heavy and k >= len(HAND) + 3:
                continue
            case["analyzers"][aname] = an(text)
        cases.append(case)

    # Term counts over the whole sample: what a vocabulary is built from.
    docs = [t for _, t in texts]
    cv = CountVectorizer()
    X = cv.fit_transform(docs)
    sums = np.asarray(X.sum(axis=0)).ravel()
    counts = {tok: int(sums[i]) for tok, i in cv.vocabulary_.items()}

    # Hashing: bucket counts per document for a bag of 1- and 2-grams.
    hv = HashingVectorizer(n_features=1 << 10, alternate_sign=False, norm=None, ngram_range=(1, 2))
    H = hv.transform(docs)
    hashed = []
    for r in range(H.shape[0]):
        row = H.getrow(r)
        hashed.append({str(int(c)): int(v) for c, v in zip(row.indices, row.data)})

    words = sorted(set(w for c in cases[: len(HAND) + 3] for w in c["analyzers"]["ngram13"]))[:400]
    words += ["", "a", "abc", "abcd", "abcde", "é", "東京", "\x00\xff"]
    murmur = {w: int(murmurhash3_32(w, seed=0, positive=False)) for w in words}

    out = {
        "sklearn": sklearn.__version__,
        "stop_words": sorted(ENGLISH_STOP_WORDS),
        "cases": cases,
        "counts": counts,
        "hash_buckets": 1 << 10,
        "hashed": hashed,
        "murmur": murmur,
    }
    with open(os.path.join(HERE, "sklearn.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
