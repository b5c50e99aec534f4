package newsgroups

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seedArchives(t testing.TB) [][]byte {
	good := tarBytes(t, tiny())
	return [][]byte{
		good,
		good[:1030],
		good[:len(good)-512],
		tarBytes(t, append(tiny(), entry{name: "20news-bydate-train/a.x/2", body: "/x", typ: tar.TypeSymlink})),
		tarBytes(t, append(tiny(), entry{name: "20news-bydate-train/../x", body: "x"})),
		tarBytes(t, append(tiny(), entry{name: "pax", typ: tar.TypeXGlobalHeader})),
		tarBytes(t, tiny()[3:]),
		nil,
	}
}

// checkCorpus holds for any corpus ReadArchive returns.
func checkCorpus(t *testing.T, c *Corpus, err error) {
	if err != nil {
		require.True(t, strings.HasPrefix(err.Error(), "newsgroups: "), err.Error())
		return
	}
	require.NotEmpty(t, c.Categories)
	require.NotEmpty(t, c.Train)
	require.NotEmpty(t, c.Test)
	for _, docs := range [][]Document{c.Train, c.Test} {
		seen := make([]bool, len(c.Categories))
		for _, d := range docs {
			require.Less(t, d.Label, len(c.Categories))
			seen[d.Label] = true
		}
		assert.NotContains(t, seen, false, "every category has documents")
	}
	All.Apply(c.Train[0].Text)
}

// FuzzReadArchive reads any bytes as the gzip'd archive: it never panics, and what it
// accepts is a well-formed corpus.
func FuzzReadArchive(f *testing.F) {
	for _, s := range seedArchives(f) {
		gz := gzipBytes(f, s)
		f.Add(gz)
		f.Add(gz[:len(gz)/2])
		f.Add(gz[:len(gz)-3])
	}
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ReadArchive(bytes.NewReader(raw))
		checkCorpus(t, c, err)
	})
}

// FuzzReadArchiveTar reaches the tar layer: the fuzzer's bytes are the tar stream, gzip'd
// by the harness.
func FuzzReadArchiveTar(f *testing.F) {
	for _, s := range seedArchives(f) {
		f.Add(s)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	f.Fuzz(func(t *testing.T, raw []byte) {
		buf.Reset()
		zw.Reset(&buf)
		zw.Write(raw)
		require.NoError(t, zw.Close())
		c, err := ReadArchive(bytes.NewReader(buf.Bytes()))
		checkCorpus(t, c, err)
	})
}

// FuzzRemove runs the removal rules on any text: no panic, and removal only ever shortens.
func FuzzRemove(f *testing.F) {
	for _, s := range []string{"", "h\n\nbody\n\n--\nsig", "\x1c\n\n>q\n|p\nsaid: x", "a\n\n\xa0\n-\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for r := Remove(0); r <= All; r++ {
			out := r.Apply(s)
			assert.LessOrEqual(t, len(out), len(s))
		}
	})
}
