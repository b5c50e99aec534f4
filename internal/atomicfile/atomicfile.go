// Package atomicfile writes files so that a reader, or a crash, never sees one half written:
// the data goes to a temporary file in the same folder, is flushed to the disk, and replaces
// the destination with one rename. An interrupted write leaves the old file as it was.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
)

// hook wraps the writer the data goes through; tests set it to make writes fail midway.
var hook atomic.Pointer[func(io.Writer) io.Writer]

// SetWriterHook makes every later Write pass its data through h(w) instead of w, and returns a
// function that removes the hook. It is for tests that simulate a failing disk.
func SetWriterHook(h func(io.Writer) io.Writer) (restore func()) {
	old := hook.Swap(&h)
	return func() { hook.Store(old) }
}

// Write creates or replaces the file at path with what write writes: into a temporary file
// beside it (so the rename stays on one file system), buffered, then flushed, synced to the
// disk, closed and renamed over path, after which the folder is synced too. The new file keeps
// the permissions of the one it replaces (0644 for a new one). On any error, from write or
// from the file system, the temporary file is removed and path is left untouched; the error
// names the step that failed.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s exists and is not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	if h := hook.Load(); h != nil && *h != nil {
		w = (*h)(bw)
	}
	if err := write(w); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming over %s: %w", path, err)
	}
	// The rename is durable once the folder's entry is: sync it (best effort; some systems
	// cannot sync a folder).
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// FailAfter returns a writer that passes the first n bytes to w and then fails with err: a
// disk that fills up, or a process interrupted, midway.
func FailAfter(w io.Writer, n int64, err error) io.Writer {
	return &failing{w: w, left: n, err: err}
}

type failing struct {
	w    io.Writer
	left int64
	err  error
}

// Write passes p on until the budget is spent, then fails.
func (f *failing) Write(p []byte) (int, error) {
	if int64(len(p)) <= f.left {
		f.left -= int64(len(p))
		return f.w.Write(p)
	}
	n, _ := f.w.Write(p[:f.left])
	f.left = 0
	return n, f.err
}
