package newsgroups

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// ReadArchive reads the corpus from a stream in the layout of the official
// 20news-bydate.tar.gz (a gzip'd tar whose top-level folders are 20news-bydate-train and
// 20news-bydate-test, each with one folder per category and one file per post), without
// extracting anything to disk. The bytes are not checked against a checksum: the structure
// is. It returns an error naming the entry if the stream is not a complete gzip'd tar, if an
// entry is not a regular file or folder, if a path is not clean or escapes the archive
// ("..", an absolute path), if a file is not at split/category/id, if a split is missing,
// or if a category is empty or missing from one split. Top-level entries other than the two
// splits are skipped.
func ReadArchive(r io.Reader) (*Corpus, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: archive is not gzip: %w", err)
	}
	b := newBuilder("archive")
	zt := &zeroTail{r: gz}
	tr := tar.NewReader(zt)
	last := "the start of the archive"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("newsgroups: archive entry after %q: %w", last, err)
		}
		last = h.Name
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag == tar.TypeDir {
			name = strings.TrimSuffix(name, "/")
		}
		if name == "." || name == "" {
			if h.Typeflag == tar.TypeDir {
				continue
			}
		}
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("newsgroups: archive entry %q: path is not clean or escapes the archive", h.Name)
		}
		parts := strings.Split(name, "/")
		switch h.Typeflag {
		case tar.TypeDir:
			err = b.dir(h.Name, parts)
		case tar.TypeReg:
			if h.Size > maxDocSize {
				return nil, fmt.Errorf("newsgroups: archive entry %q: %d bytes, more than a post can be", h.Name, h.Size)
			}
			if !isSplit(parts[0]) {
				continue // skipped; tar.Reader skips the data
			}
			data, rerr := io.ReadAll(tr)
			if rerr != nil {
				return nil, fmt.Errorf("newsgroups: archive entry %q: %w", h.Name, rerr)
			}
			err = b.file(h.Name, parts, data)
		default:
			return nil, fmt.Errorf("newsgroups: archive entry %q: not a regular file or folder (tar type %q)", h.Name, h.Typeflag)
		}
		if err != nil {
			return nil, err
		}
	}
	// Go's tar reader takes a stream that stops at an entry boundary for a complete
	// archive; a complete one ends with two zero blocks.
	if zt.zeros < 1024 {
		return nil, fmt.Errorf("newsgroups: archive entry after %q: %w (no end-of-archive marker)", last, io.ErrUnexpectedEOF)
	}
	// Read the gzip stream to its end, so that its checksum and length are checked and an
	// archive cut after its last entry is caught too.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, fmt.Errorf("newsgroups: archive after its last entry %q: %w", last, err)
	}
	return b.corpus()
}

// ReadDir reads the corpus from a folder that holds the extracted archive: the folders
// 20news-bydate-train and 20news-bydate-test. Other entries at the top are ignored. It
// returns an error naming the entry for the same faults as ReadArchive; a symbolic link is
// not a regular file, so nothing outside the folder is read.
func ReadDir(dir string) (*Corpus, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: %w", err)
	}
	defer root.Close()
	return readFS(root.FS())
}

func readFS(fsys fs.FS) (*Corpus, error) {
	b := newBuilder("folder")
	for _, split := range []string{TrainFolder, TestFolder} {
		err := fs.WalkDir(fsys, split, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && name == split {
					return fs.SkipDir // reported as a missing split below
				}
				return fmt.Errorf("newsgroups: folder entry %q: %w", name, err)
			}
			parts := strings.Split(name, "/")
			switch {
			case d.IsDir():
				return b.dir(name, parts)
			case d.Type().IsRegular():
				info, err := d.Info()
				if err != nil {
					return fmt.Errorf("newsgroups: folder entry %q: %w", name, err)
				}
				if info.Size() > maxDocSize {
					return fmt.Errorf("newsgroups: folder entry %q: %d bytes, more than a post can be", name, info.Size())
				}
				if len(parts) != 3 {
					return b.file(name, parts, nil) // reports the misplaced file
				}
				data, err := fs.ReadFile(fsys, name)
				if err != nil {
					return fmt.Errorf("newsgroups: folder entry %q: %w", name, err)
				}
				return b.file(name, parts, data)
			default:
				return fmt.Errorf("newsgroups: folder entry %q: not a regular file or folder (%s)", name, d.Type())
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return b.corpus()
}

// Read reads the corpus from path: the archive file (see ReadArchive) or the folder it was
// extracted to (see ReadDir).
func Read(path string) (*Corpus, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: %w", err)
	}
	if info.IsDir() {
		return ReadDir(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: %w", err)
	}
	defer f.Close()
	c, err := ReadArchive(f)
	if err != nil {
		return nil, fmt.Errorf("%w (reading %s)", err, path)
	}
	return c, nil
}

// zeroTail counts the zero bytes at the end of what has been read through it.
type zeroTail struct {
	r     io.Reader
	zeros int
}

func (z *zeroTail) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	for _, c := range p[:n] {
		if c == 0 {
			z.zeros++
		} else {
			z.zeros = 0
		}
	}
	return n, err
}
