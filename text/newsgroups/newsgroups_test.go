package newsgroups

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedData returns the shared data folder: $GODL_SHARED_DATA, or ../shared/data beside
// the repository root (the folder with go.mod). It skips the test when the folder or the
// file it needs is missing.
func sharedData(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("GODL_SHARED_DATA")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				t.Skipf("data file %s not found: no go.mod above %s", name, wd)
			}
		}
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("data file %s not found (set GODL_SHARED_DATA to the folder that holds it)", p)
	}
	return p
}

var (
	corpusOnce              sync.Once
	fromFolder, fromArchive *Corpus
	folderErr, archiveErr   error
)

// shared reads the shared copy from the folder and from the archive, once for all tests.
func shared(t *testing.T) (folder, archive *Corpus) {
	t.Helper()
	dir := sharedData(t, "20news-bydate")
	tgz := sharedData(t, "20news-bydate.tar.gz")
	corpusOnce.Do(func() {
		fromFolder, folderErr = Read(dir)
		fromArchive, archiveErr = Read(tgz)
	})
	require.NoError(t, folderErr)
	require.NoError(t, archiveErr)
	return fromFolder, fromArchive
}

var wantCounts = map[string][2]int{
	"alt.atheism":              {480, 319},
	"comp.graphics":            {584, 389},
	"comp.os.ms-windows.misc":  {591, 394},
	"comp.sys.ibm.pc.hardware": {590, 392},
	"comp.sys.mac.hardware":    {578, 385},
	"comp.windows.x":           {593, 395},
	"misc.forsale":             {585, 390},
	"rec.autos":                {594, 396},
	"rec.motorcycles":          {598, 398},
	"rec.sport.baseball":       {597, 397},
	"rec.sport.hockey":         {600, 399},
	"sci.crypt":                {595, 396},
	"sci.electronics":          {591, 393},
	"sci.med":                  {594, 396},
	"sci.space":                {593, 394},
	"soc.religion.christian":   {599, 398},
	"talk.politics.guns":       {546, 364},
	"talk.politics.mideast":    {564, 376},
	"talk.politics.misc":       {465, 310},
	"talk.religion.misc":       {377, 251},
}

func TestSharedCopyCounts(t *testing.T) {
	c, _ := shared(t)
	require.Len(t, c.Categories, 20)
	assert.Len(t, c.Train, 11314)
	assert.Len(t, c.Test, 7532)
	assert.True(t, strings.HasPrefix(c.Categories[0], "alt.atheism"))
	assert.Equal(t, "talk.religion.misc", c.Categories[19])
	for split, docs := range [][]Document{c.Train, c.Test} {
		got := make([]int, 20)
		for _, d := range docs {
			got[d.Label]++
		}
		for label, name := range c.Categories {
			assert.Equal(t, wantCounts[name][split], got[label], "%s split %d", name, split)
		}
	}
	bytes := 0
	for _, docs := range [][]Document{c.Train, c.Test} {
		for _, d := range docs {
			bytes += len(d.Text)
		}
	}
	// 35,855,003 bytes on disk; the 73 Latin-1 posts grow when re-encoded as UTF-8.
	assert.Greater(t, bytes, 35855003)
	assert.Less(t, bytes, 35855003+10000)
}

func TestArchiveAndFolderAgree(t *testing.T) {
	folder, archive := shared(t)
	assert.Equal(t, folder.Categories, archive.Categories)
	require.Equal(t, len(folder.Train), len(archive.Train))
	require.Equal(t, len(folder.Test), len(archive.Test))
	assert.True(t, equalDocs(folder.Train, archive.Train), "train documents differ")
	assert.True(t, equalDocs(folder.Test, archive.Test), "test documents differ")
}

func equalDocs(a, b []Document) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The posts the shared README names: CR bytes kept, Latin-1 decoded.
func TestSharedCopyOddities(t *testing.T) {
	c, _ := shared(t)
	find := func(docs []Document, cat, id string) Document {
		for _, d := range docs {
			if c.Categories[d.Label] == cat && d.ID == id {
				return d
			}
		}
		require.Failf(t, "missing", "%s/%s", cat, id)
		return Document{}
	}
	assert.Contains(t, find(c.Train, "comp.graphics", "38753").Text, "\r\n")
	assert.Contains(t, find(c.Test, "talk.politics.misc", "179035").Text, "\r")
	latin := 0
	for _, d := range c.Train {
		if strings.ContainsAny(d.Text, "\u0080\u0090\u00a0\u00e9\u00ff") {
			latin++
		}
	}
	assert.Positive(t, latin)
	// Ids repeat across categories: the first id of the first category appears elsewhere.
	seen := map[string]int{}
	for _, d := range c.Train {
		seen[d.ID]++
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups++
		}
	}
	assert.Positive(t, dups)
}

// removeFixture is testdata/remove.json, written by testdata/gen_remove.py with
// scikit-learn's own removal functions.
type removeFixture struct {
	Splits map[string]map[string]any    `json:"splits"`
	Posts  map[string]map[string]string `json:"posts"`
	Edge   []map[string]string          `json:"edge"`
}

var modes = map[string]Remove{
	"none": 0, "headers": Headers, "footers": Footers, "quotes": Quotes,
	"headers+footers": Headers | Footers, "all": All,
}

func loadRemoveFixture(t *testing.T) *removeFixture {
	b, err := os.ReadFile("testdata/remove.json")
	require.NoError(t, err)
	var f removeFixture
	require.NoError(t, json.Unmarshal(b, &f))
	return &f
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestRemoveEdgeCasesMatchSklearn(t *testing.T) {
	f := loadRemoveFixture(t)
	require.NotEmpty(t, f.Edge)
	for _, e := range f.Edge {
		for m, r := range modes {
			assert.Equal(t, e[m], r.Apply(e["text"]), "%s of %q", m, e["text"])
		}
	}
}

// Every post of the shared copy, each removal mode, against scikit-learn's output.
func TestRemoveRealPostsMatchSklearn(t *testing.T) {
	f := loadRemoveFixture(t)
	c, _ := shared(t)
	for split, docs := range map[string][]Document{"train": c.Train, "test": c.Test} {
		want := f.Splits[split]
		require.EqualValues(t, want["count"], len(docs))
		for m, r := range modes {
			out := make([]string, len(docs))
			empty := 0
			for i, d := range docs {
				out[i] = r.Apply(d.Text)
				if out[i] == "" {
					empty++
				}
				key := split + "/" + c.Categories[d.Label] + "/" + d.ID
				if p, ok := f.Posts[key]; ok {
					assert.Equal(t, p[m], sha(out[i])[:16], "%s of %s", m, key)
				}
			}
			assert.Equal(t, want[m], sha(strings.Join(out, "\x00")), "%s over the %s split", m, split)
			assert.EqualValues(t, want["empty_"+m], empty, "empty posts after %s, %s split", m, split)
		}
	}
	assert.Greater(t, len(f.Posts), 1800)
}
