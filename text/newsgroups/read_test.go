package newsgroups

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is one member of a test archive; a name ending in "/" is a folder.
type entry struct {
	name string
	body string
	typ  byte // 0: a file or folder by the name
}

func tarBytes(t testing.TB, entries []entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ}
		switch {
		case e.typ == tar.TypeXGlobalHeader:
			h = &tar.Header{Name: e.name, Typeflag: e.typ, PAXRecords: map[string]string{"comment": "godl"}}
		case e.typ == tar.TypeSymlink:
			h.Linkname = e.body
		case e.typ != 0:
		case strings.HasSuffix(e.name, "/"):
			h.Typeflag = tar.TypeDir
		default:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// tiny is a well-formed archive: two categories, both splits.
func tiny() []entry {
	return []entry{
		{name: "20news-bydate-test/"},
		{name: "20news-bydate-test/a.x/7", body: "test a7"},
		{name: "20news-bydate-test/b.y/8", body: "caf\xe9"},
		{name: "20news-bydate-train/"},
		{name: "20news-bydate-train/b.y/10", body: "train b10"},
		{name: "20news-bydate-train/b.y/9", body: "train b9"},
		{name: "20news-bydate-train/a.x/1", body: "From: x\n\nhello"},
	}
}

func TestReadArchiveTiny(t *testing.T) {
	c, err := ReadArchive(bytes.NewReader(gzipBytes(t, tarBytes(t, tiny()))))
	require.NoError(t, err)
	assert.Equal(t, []string{"a.x", "b.y"}, c.Categories)
	assert.Equal(t, []Document{
		{ID: "1", Label: 0, Text: "From: x\n\nhello"},
		{ID: "10", Label: 1, Text: "train b10"}, // byte order of names, as load_files
		{ID: "9", Label: 1, Text: "train b9"},
	}, c.Train)
	assert.Equal(t, []Document{{ID: "7", Label: 0, Text: "test a7"}, {ID: "8", Label: 1, Text: "café"}}, c.Test)
	assert.Equal(t, []string{"train b10", "train b9"}, Texts(c.Train[1:]))
	assert.Equal(t, []int64{0, 1, 1}, Labels(c.Train))

	// "./" prefixes, a pax global header and other top-level entries are fine.
	es := []entry{{name: "README", body: "x"}, {name: "other/", typ: 0}, {name: "pax", typ: tar.TypeXGlobalHeader}}
	for _, e := range tiny() {
		e.name = "./" + e.name
		es = append(es, e)
	}
	c2, err := ReadArchive(bytes.NewReader(gzipBytes(t, tarBytes(t, es))))
	require.NoError(t, err)
	assert.Equal(t, c, c2)
}

func TestReadArchiveMalformed(t *testing.T) {
	good := tarBytes(t, tiny())
	gz := gzipBytes(t, good)
	with := func(extra ...entry) []byte { return gzipBytes(t, tarBytes(t, append(tiny(), extra...))) }
	without := func(prefix string) []byte {
		var es []entry
		for _, e := range tiny() {
			if !strings.HasPrefix(e.name, prefix) {
				es = append(es, e)
			}
		}
		return gzipBytes(t, tarBytes(t, es))
	}
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"not gzip", []byte("plain text"), "archive is not gzip"},
		{"empty", nil, "archive is not gzip"},
		{"gzip cut in the middle", gz[:len(gz)/2], "archive entry after"},
		{"gzip cut in its trailer", gz[:len(gz)-4], `after its last entry "20news-bydate-train/a.x/1"`},
		{"tar cut in an entry", gzipBytes(t, good[:1030]), `archive entry "20news-bydate-test/a.x/7": unexpected EOF`},
		{"tar cut between entries", gzipBytes(t, good[:1536]), `archive entry after "20news-bydate-test/a.x/7": unexpected EOF (no end-of-archive marker)`},
		{"tar cut in its end marker", gzipBytes(t, good[:len(good)-512]), `unexpected EOF (no end-of-archive marker)`},
		{"missing split", without("20news-bydate-test"), "has no 20news-bydate-test folder"},
		{"empty category", with(entry{name: "20news-bydate-test/c.z/"}, entry{name: "20news-bydate-train/c.z/1", body: "x"}), `"20news-bydate-test/c.z": empty category`},
		{"category in one split", with(entry{name: "20news-bydate-train/c.z/1", body: "x"}), `category "c.z" has no 20news-bydate-test folder`},
		{"symlink", with(entry{name: "20news-bydate-train/a.x/2", body: "/etc/passwd", typ: tar.TypeSymlink}), `"20news-bydate-train/a.x/2": not a regular file or folder`},
		{"hard link", with(entry{name: "20news-bydate-train/a.x/2", body: "", typ: tar.TypeLink}), "not a regular file or folder"},
		{"fifo", with(entry{name: "20news-bydate-train/a.x/2", typ: tar.TypeFifo}), "not a regular file or folder"},
		{"dot-dot", with(entry{name: "20news-bydate-train/../../etc/x", body: "x"}), `"20news-bydate-train/../../etc/x": path is not clean or escapes`},
		{"absolute", with(entry{name: "/20news-bydate-train/a.x/3", body: "x"}), "escapes"},
		{"file in a split", with(entry{name: "20news-bydate-train/README", body: "x"}), "a file outside a category folder"},
		{"too deep", with(entry{name: "20news-bydate-train/a.x/b/1", body: "x"}), "a file outside a category folder"},
		{"folder in a category", with(entry{name: "20news-bydate-train/a.x/b/"}), "a folder inside a category"},
		{"twice", with(entry{name: "20news-bydate-train/a.x/1", body: "again"}), `"20news-bydate-train/a.x/1" appears twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadArchive(bytes.NewReader(c.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "newsgroups: "), err.Error())
		})
	}
}

func writeTree(t *testing.T, root string, entries []entry) {
	for _, e := range entries {
		p := filepath.Join(root, filepath.FromSlash(e.name))
		if strings.HasSuffix(e.name, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(e.body), 0o644))
	}
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, tiny())
	writeTree(t, dir, []entry{{name: "20news-bydate.tar.gz", body: "ignored"}})
	c, err := ReadDir(dir)
	require.NoError(t, err)
	want, err := ReadArchive(bytes.NewReader(gzipBytes(t, tarBytes(t, tiny()))))
	require.NoError(t, err)
	assert.Equal(t, want, c)

	// A symbolic link is refused, even to a file inside the folder.
	outside := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(outside, []byte("x"), 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "20news-bydate-train", "a.x", "99")))
	_, err = ReadDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `folder entry "20news-bydate-train/a.x/99": not a regular file or folder`)

	// An empty category, a missing split, a missing folder.
	dir = t.TempDir()
	writeTree(t, dir, append(tiny(), entry{name: "20news-bydate-train/c.z/"}, entry{name: "20news-bydate-test/c.z/1", body: "x"}))
	_, err = ReadDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"20news-bydate-train/c.z": empty category`)
	dir = t.TempDir()
	writeTree(t, dir, tiny()[3:])
	_, err = ReadDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newsgroups: folder has no 20news-bydate-test folder")
	_, err = Read(filepath.Join(dir, "nothing"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
}
