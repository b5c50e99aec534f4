"""Writes testdata/remove.json: scikit-learn's own removal of headers, footers and quotes
(the functions fetch_20newsgroups(remove=...) applies, in its order) on the real posts of
../shared/data/20news-bydate and on hand-written edge cases.

Run from the repository root with scikit-learn 1.2:

    ../shared/tools/pytorch text/newsgroups/testdata/gen_remove.py

Posts are decoded as package newsgroups decodes them (UTF-8 where valid, Latin-1 otherwise)
and listed as load_files lists them (categories sorted, then file names sorted). For every
split and mode the fixture holds the sha256 of all the outputs joined by NUL, so the whole
corpus is checked; for every 10th post it holds the sha256 of its own output, so a mismatch
names the post; the edge cases are stored in full.
"""
import hashlib
import json
import os

import sklearn
from sklearn.datasets._twenty_newsgroups import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CORPUS = os.path.join(ROOT, "..", "shared", "data", "20news-bydate")


def remove(text, mode):
    """fetch_20newsgroups' order: headers, then footers, then quotes."""
    if "headers" in mode:
        text = strip_newsgroup_header(text)
    if "footers" in mode:
        text = strip_newsgroup_footer(text)
    if "quotes" in mode:
        text = strip_newsgroup_quoting(text)
    return text


MODES = {
    "none": (),
    "headers": ("headers",),
    "footers": ("footers",),
    "quotes": ("quotes",),
    "headers+footers": ("headers", "footers"),
    "all": ("headers", "footers", "quotes"),
}

EDGE = [
    "",
    "no blank line at all",
    "Subject: x\n\nbody only",
    "Subject: x\n\nbody\n\n",
    "Subject: x\n\n\n\nbody after blank lines\n\n-- \nsig",
    "h\n\nline one\n----\nsig\n  \n\t\n",
    "h\n\n  \x1c  \n",
    "h\n\na\xa0\nb\n\xa0--\xa0\nc",
    "h\n\n> quoted\n|piped\n  > not at start\nIn article <x> y writes:\nQuoted from z\nhe said: hi\nkeep\n",
    "h\n\nline\r\n\r\nsig\r\n",
    "\n\nstarts blank\n\nx",
    "one\n--\n",
    "-----\nonly dashes\n-----",
]


def decode(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def main():
    out = {"sklearn": sklearn.__version__, "splits": {}, "posts": {}, "edge": []}
    for split in ("train", "test"):
        folder = os.path.join(CORPUS, "20news-bydate-" + split)
        texts, keys = [], []
        for cat in sorted(os.listdir(folder)):
            for name in sorted(os.listdir(os.path.join(folder, cat))):
                with open(os.path.join(folder, cat, name), "rb") as f:
                    texts.append(decode(f.read()))
                keys.append("%s/%s/%s" % (split, cat, name))
        info = {"count": len(texts)}
        for m, parts in MODES.items():
            done = [remove(t, parts) for t in texts]
            info[m] = sha("\0".join(done))
            info["empty_" + m] = sum(1 for d in done if d == "")
            for i in range(0, len(texts), 10):
                out["posts"].setdefault(keys[i], {})[m] = sha(done[i])[:16]
        out["splits"][split] = info
    for text in EDGE:
        out["edge"].append({"text": text, **{m: remove(text, p) for m, p in MODES.items()}})
    with open(os.path.join(HERE, "remove.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
