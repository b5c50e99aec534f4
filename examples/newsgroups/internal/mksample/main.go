// Command mksample writes the small stratified sample of the 20 Newsgroups corpus that
// examples/newsgroups embeds, from the official archive:
//
//	go run ./examples/newsgroups/internal/mksample -in /path/to/20news-bydate.tar.gz
//
// It keeps the archive's layout (20news-bydate-train and 20news-bydate-test, one folder per
// category, one file per post, the original bytes), so that newsgroups.ReadArchive reads the
// sample as it reads the whole corpus. From every category of each split it takes evenly
// spaced posts (every k-th in file-name order) among those of at most -maxbytes bytes: -train
// posts of the training split and -test of the test split. The output is the same for the
// same archive and flags: entries are sorted and carry a fixed time.
package main

import (
	"archive/tar"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

func main() {
	in := flag.String("in", "", "the official 20news-bydate.tar.gz")
	out := flag.String("out", "examples/newsgroups/sample.tar.gz", "the sample archive to write")
	nTrain := flag.Int("train", 60, "training posts per category")
	nTest := flag.Int("test", 25, "test posts per category")
	maxBytes := flag.Int("maxbytes", 6000, "leave out posts longer than this many bytes")
	flag.Parse()
	if *in == "" {
		log.Fatal("mksample: -in names the official 20news-bydate.tar.gz")
	}
	if err := run(*in, *out, *nTrain, *nTest, *maxBytes); err != nil {
		log.Fatal(err)
	}
}

type post struct {
	name string // split/category/id
	body []byte
}

func run(in, out string, nTrain, nTest, maxBytes int) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("mksample: %s: %w", in, err)
	}
	byFolder := map[string][]post{} // split/category -> posts of at most maxBytes
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("mksample: %s: %w", in, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		parts := strings.Split(name, "/")
		if len(parts) != 3 || h.Size > int64(maxBytes) {
			continue
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return fmt.Errorf("mksample: %s: %w", name, err)
		}
		folder := parts[0] + "/" + parts[1]
		byFolder[folder] = append(byFolder[folder], post{name, body})
	}
	folders := make([]string, 0, len(byFolder))
	for k := range byFolder {
		folders = append(folders, k)
	}
	sort.Strings(folders)

	o, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(o, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	stamp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var nPosts, nBytes int
	for _, folder := range folders {
		posts := byFolder[folder]
		sort.Slice(posts, func(i, j int) bool { return posts[i].name < posts[j].name })
		n := nTrain
		if strings.HasSuffix(strings.Split(folder, "/")[0], "-test") {
			n = nTest
		}
		n = min(n, len(posts))
		for i := range n {
			p := posts[i*len(posts)/n]
			h := &tar.Header{Name: p.name, Mode: 0o644, Size: int64(len(p.body)), ModTime: stamp, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if _, err := tw.Write(p.body); err != nil {
				return err
			}
			nPosts++
			nBytes += len(p.body)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := o.Close(); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d posts, %d bytes, %d bytes compressed\n", out, nPosts, nBytes, st.Size())
	return nil
}
