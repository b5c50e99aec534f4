package newsgroups

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve serves body at /20news; cut > 0 announces the full length but closes the
// connection after cut bytes.
func serve(t *testing.T, body []byte, cut int) (url string, hits *atomic.Int32) {
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/20news" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if cut > 0 {
			w.Write(body[:cut])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/20news", hits
}

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestDownloadTiny(t *testing.T) {
	body := gzipBytes(t, tarBytes(t, tiny()))
	url, hits := serve(t, body, 0)
	cache := filepath.Join(t.TempDir(), "cache")
	var bar bytes.Buffer
	o := Options{CacheDir: cache, URL: url, Progress: &bar, Remove: Headers}
	c, err := Load(context.Background(), o)
	require.NoError(t, err)
	assert.Equal(t, "hello", c.Train[0].Text, "headers removed")
	assert.Equal(t, []string{ArchiveName}, files(t, cache))
	got, err := os.ReadFile(filepath.Join(cache, ArchiveName))
	require.NoError(t, err)
	assert.Equal(t, body, got)
	assert.Contains(t, bar.String(), ArchiveName, "the progress bar was drawn")
	assert.EqualValues(t, 1, hits.Load())

	// The second time, the cached copy is read without a request.
	c2, err := Load(context.Background(), o)
	require.NoError(t, err)
	assert.Equal(t, c, c2)
	assert.EqualValues(t, 1, hits.Load())

	p, err := CachePath(o)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, ArchiveName), p)
}

// The shared copy, served over HTTP, downloads and reads like the file itself.
func TestDownloadSharedArchive(t *testing.T) {
	tgz := sharedData(t, "20news-bydate.tar.gz")
	body, err := os.ReadFile(tgz)
	require.NoError(t, err)
	url, _ := serve(t, body, 0)
	cache := t.TempDir()
	c, err := Load(context.Background(), Options{CacheDir: cache, URL: url, Progress: io.Discard})
	require.NoError(t, err)
	assert.Len(t, c.Train, 11314)
	assert.Len(t, c.Test, 7532)
	assert.Equal(t, []string{ArchiveName}, files(t, cache))
}

func TestDownloadInterrupted(t *testing.T) {
	body := gzipBytes(t, tarBytes(t, tiny()))
	url, _ := serve(t, body, len(body)/2)
	cache := filepath.Join(t.TempDir(), "cache")
	_, err := Load(context.Background(), Options{CacheDir: cache, URL: url, Progress: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newsgroups: downloading "+url)
	assert.Contains(t, err.Error(), filepath.Join(cache, ArchiveName), "the error says where to put the file")
	assert.Empty(t, files(t, cache), "no partial file is left")
}

func TestDownloadCorrupt(t *testing.T) {
	url, _ := serve(t, gzipBytes(t, []byte("not a tar")), 0)
	cache := t.TempDir()
	_, err := Load(context.Background(), Options{CacheDir: cache, URL: url, Progress: io.Discard})
	require.Error(t, err)
	assert.Empty(t, files(t, cache))

	url, _ = serve(t, nil, 0)
	_, err = Load(context.Background(), Options{CacheDir: cache, URL: url + "/missing", Progress: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404")
	assert.Empty(t, files(t, cache))
}

func TestDownloadOffline(t *testing.T) {
	// An address on this machine where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	cache := filepath.Join(t.TempDir(), "cache")
	_, err = Load(context.Background(), Options{CacheDir: cache, URL: "http://" + addr + "/20news", Progress: io.Discard})
	require.Error(t, err)
	want := filepath.Join(cache, ArchiveName)
	assert.Contains(t, err.Error(), "to work offline, put the official 20news-bydate.tar.gz at "+want)
	assert.Empty(t, files(t, cache))

	_, err = Load(context.Background(), Options{CacheDir: cache, NoDownload: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), want+" not found and downloading is off")

	// A cancelled context stops the download.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Load(ctx, Options{CacheDir: cache, URL: "http://" + addr + "/20news", Progress: io.Discard})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLoadCachedCorrupt(t *testing.T) {
	cache := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cache, ArchiveName), []byte("junk"), 0o644))
	_, err := Load(context.Background(), Options{CacheDir: cache, NoDownload: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "archive is not gzip")
	assert.True(t, strings.Contains(err.Error(), "delete "+filepath.Join(cache, ArchiveName)))
}

func TestLoadPath(t *testing.T) {
	tgz := filepath.Join(t.TempDir(), "x.tar.gz")
	require.NoError(t, os.WriteFile(tgz, gzipBytes(t, tarBytes(t, tiny())), 0o644))
	c, err := Load(context.Background(), Options{Path: tgz, Remove: All})
	require.NoError(t, err)
	assert.Equal(t, "hello", c.Train[0].Text)
	dir := t.TempDir()
	writeTree(t, dir, tiny())
	c2, err := Load(context.Background(), Options{Path: dir, Remove: All})
	require.NoError(t, err)
	assert.Equal(t, c, c2)
}
