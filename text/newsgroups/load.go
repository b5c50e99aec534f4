package newsgroups

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ArchiveURL is where scikit-learn downloads the official 20news-bydate.tar.gz from.
const ArchiveURL = "https://ndownloader.figshare.com/files/5975967"

// ArchiveName is the name of the archive in the cache folder.
const ArchiveName = "20news-bydate.tar.gz"

// Options says where Load finds the corpus and what it removes from the posts. The zero
// value reads the archive from the user's cache folder, downloading it there the first
// time, and keeps the posts whole.
type Options struct {
	// Path is the archive file or the folder it was extracted to. When empty, Load uses
	// ArchiveName in CacheDir.
	Path string
	// CacheDir is the folder of the cached archive; empty means os.UserCacheDir()/godl.
	CacheDir string
	// Remove selects the parts of each post to remove.
	Remove Remove
	// NoDownload makes Load fail instead of downloading a missing archive.
	NoDownload bool
	// URL overrides ArchiveURL, for a mirror or a test server.
	URL string
	// Client is the HTTP client for the download; nil means http.DefaultClient.
	Client *http.Client
	// Progress receives the download's progress bar; nil means os.Stderr, io.Discard hides it.
	Progress io.Writer
}

// CachePath returns where Load looks for the archive when Options.Path is empty: ArchiveName
// in o.CacheDir, or in os.UserCacheDir()/godl.
func CachePath(o Options) (string, error) {
	dir := o.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("newsgroups: no cache folder (set Options.CacheDir or Options.Path): %w", err)
		}
		dir = filepath.Join(base, "godl")
	}
	return filepath.Join(dir, ArchiveName), nil
}

// Load returns the corpus with the parts o.Remove selects removed from every post. With
// o.Path it reads that archive or folder (see Read). Otherwise it reads the archive at
// CachePath(o), and if there is none it downloads it first (see Download), unless
// o.NoDownload is set. When the archive is missing and cannot be downloaded, the error says
// where to put it.
func Load(ctx context.Context, o Options) (*Corpus, error) {
	var c *Corpus
	var err error
	if o.Path != "" {
		c, err = Read(o.Path)
	} else {
		c, err = loadCached(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	if o.Remove != 0 {
		for _, docs := range [][]Document{c.Train, c.Test} {
			for i := range docs {
				docs[i].Text = o.Remove.Apply(docs[i].Text)
			}
		}
	}
	return c, nil
}

func loadCached(ctx context.Context, o Options) (*Corpus, error) {
	dst, err := CachePath(o)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dst); err == nil {
		c, err := Read(dst)
		if err != nil {
			return nil, fmt.Errorf("%w; delete %s to download it again", err, dst)
		}
		return c, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("newsgroups: %w", err)
	}
	if o.NoDownload {
		return nil, fmt.Errorf("newsgroups: %s not found and downloading is off: put the official %s there, or pass its path or folder in Options.Path", dst, ArchiveName)
	}
	return Download(ctx, dst, o)
}

// Download fetches the archive from o.URL (ArchiveURL by default) to dst, with a progress
// bar on o.Progress, and returns the corpus it holds (nothing removed). It writes to a
// temporary file beside dst and renames it to dst only once the whole archive has arrived
// and reads as a well-formed corpus, so an interrupted or corrupt download never leaves a
// file at dst. A failed download returns an error that says where to put the archive by
// hand.
func Download(ctx context.Context, dst string, o Options) (*Corpus, error) {
	url := o.URL
	if url == "" {
		url = ArchiveURL
	}
	c, err := download(ctx, url, dst, o)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: downloading %s: %w; to work offline, put the official %s at %s or pass its path in Options.Path", url, err, ArchiveName, dst)
	}
	return c, nil
}

func download(ctx context.Context, url, dst string, o Options) (c *Corpus, err error) {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server answered %s", resp.Status)
	}
	tmp, err := os.CreateTemp(dir, ArchiveName+".*.part")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := o.Progress
	if w == nil {
		w = os.Stderr
	}
	bar := progressbar.NewOptions64(resp.ContentLength,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(ArchiveName),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	n, err := io.Copy(io.MultiWriter(tmp, bar), resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, fmt.Errorf("got %d bytes of %d", n, resp.ContentLength)
	}
	bar.Finish()
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if c, err = ReadArchive(tmp); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return nil, err
	}
	return c, nil
}
