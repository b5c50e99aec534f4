"""Linear baselines for examples/newsgroups: what classical models reach on the same split.

Reads the extracted 20news-bydate folder (as scikit-learn's fetch_20newsgroups does: latin-1
files, one folder per category), optionally removes headers, footers and quotes with
scikit-learn's own functions (remove=('headers', 'footers', 'quotes')), and prints the test
accuracy of TF-IDF features (sublinear tf, scikit-learn's tokenizer) with LinearSVC,
RidgeClassifier and ComplementNB, over unigrams and over unigrams and bigrams:

    ../shared/tools/pytorch --threads 1 bench/sklearn_newsgroups.py ../shared/data/20news-bydate

The final line is a JSON object with every figure.
"""

import json
import sys
import time

from sklearn.datasets import load_files
from sklearn.datasets._twenty_newsgroups import strip_newsgroup_footer, strip_newsgroup_header, strip_newsgroup_quoting
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1].rstrip("/")
    train = load_files(root + "/20news-bydate-train", encoding="latin1")
    test = load_files(root + "/20news-bydate-test", encoding="latin1")
    results = []
    for remove in (False, True):
        def prep(docs):
            if not remove:
                return docs
            return [strip_newsgroup_quoting(strip_newsgroup_footer(strip_newsgroup_header(d))) for d in docs]

        xtr, xte = prep(train.data), prep(test.data)
        for ngrams in ((1, 1), (1, 2)):
            vec = TfidfVectorizer(sublinear_tf=True, ngram_range=ngrams)
            a, b = vec.fit_transform(xtr), vec.transform(xte)
            for name, model in (("LinearSVC", LinearSVC(C=0.5)), ("RidgeClassifier", RidgeClassifier(solver="sparse_cg")),
                                ("ComplementNB", ComplementNB(alpha=0.1 if ngrams == (1, 2) else 0.3))):
                start = time.perf_counter()
                model.fit(a, train.target)
                acc = float((model.predict(b) == test.target).mean())
                r = dict(remove=remove, ngrams=list(ngrams), features=a.shape[1], model=name, accuracy=acc,
                         seconds=time.perf_counter() - start)
                results.append(r)
                print(f"{'removed' if remove else 'raw':8s} {'1-2' if ngrams == (1, 2) else '1':3s}-grams {a.shape[1]:7d} features  "
                      f"{name:16s} {100 * acc:6.2f}%  ({r['seconds']:.1f}s)", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
