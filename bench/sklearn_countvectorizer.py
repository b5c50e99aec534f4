"""Times scikit-learn's CountVectorizer on the 20 Newsgroups training split, the work that
BenchmarkNewsgroups in text/bench_test.go times in godl, and prints lines in the format of
Go's benchmarks (with MB/s, docs/s and the process's CPU seconds per operation).

    ../shared/tools/pytorch bench/sklearn_countvectorizer.py [--count N] [--data DIR]

The posts are read from ../shared/data/20news-bydate (or --data) in load_files' order and
decoded as package text/newsgroups decodes them (UTF-8 where valid, Latin-1 otherwise).

  tokenize       the analyzer alone (lower-case, token pattern) on every post
  fit-transform  CountVectorizer().fit_transform: vocabulary and document-term matrix
  encode         transform with the fitted vocabulary
"""
import argparse
import os
import time

from sklearn.feature_extraction.text import CountVectorizer

HERE = os.path.dirname(os.path.abspath(__file__))


def load(folder):
    texts = []
    split = os.path.join(folder, "20news-bydate-train")
    for cat in sorted(os.listdir(split)):
        for name in sorted(os.listdir(os.path.join(split, cat))):
            with open(os.path.join(split, cat, name), "rb") as f:
                b = f.read()
            try:
                texts.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(b.decode("latin-1"))
    return texts


def bench(name, fn, texts, size, count):
    for _ in range(count):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(
            "BenchmarkSklearn/%s \t1\t%d ns/op\t%.2f MB/s\t%.4f cpu-s/op\t%.0f docs/s"
            % (name, wall * 1e9, size / wall / 1e6, cpu, len(texts) / wall),
            flush=True,
        )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "20news-bydate"))
    a = p.parse_args()
    texts = load(a.data)
    size = sum(len(t.encode("utf-8")) for t in texts)
    print("# %d posts, %d bytes" % (len(texts), size))
    analyzer = CountVectorizer().build_analyzer()
    fitted = CountVectorizer().fit(texts)
    bench("tokenize", lambda: [analyzer(t) for t in texts], texts, size, a.count)
    bench("fit-transform", lambda: CountVectorizer().fit_transform(texts), texts, size, a.count)
    bench("encode", lambda: fitted.transform(texts), texts, size, a.count)


if __name__ == "__main__":
    main()
