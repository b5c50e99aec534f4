package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := 0; i < len(b); i += 1000 {
			if _, err := w.Write(b[i:min(i+1000, len(b))]); err != nil {
				return err
			}
		}
		return nil
	}
}

func entries(t *testing.T, dir string) []string {
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	good := make([]byte, 10000)
	for i := range good {
		good[i] = byte(i)
	}
	require.NoError(t, Write(path, writeBytes(good)))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, good, got)
	require.NoError(t, os.Chmod(path, 0o600))

	// A write that fails midway in the caller's function...
	boom := errors.New("boom")
	err = Write(path, func(w io.Writer) error {
		w.Write(make([]byte, 5000))
		return boom
	})
	require.ErrorIs(t, err, boom)
	// ... and one whose disk fails after 4321 bytes leave the good file and nothing else.
	restore := SetWriterHook(func(w io.Writer) io.Writer { return FailAfter(w, 4321, io.ErrShortWrite) })
	err = Write(path, writeBytes(make([]byte, 10000)))
	restore()
	require.ErrorIs(t, err, io.ErrShortWrite)
	assert.Contains(t, err.Error(), "writing "+path)
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, good, got)
	assert.Equal(t, []string{"model.safetensors"}, entries(t, dir))

	// A successful write replaces the file and keeps its permissions.
	require.NoError(t, Write(path, writeBytes([]byte("new"))))
	got, _ = os.ReadFile(path)
	assert.Equal(t, "new", string(got))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.Equal(t, []string{"model.safetensors"}, entries(t, dir))
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	err := Write(filepath.Join(dir, "missing", "x"), writeBytes([]byte("x")))
	assert.ErrorContains(t, err, "creating a temporary file for ")
	err = Write(dir, writeBytes([]byte("x")))
	assert.ErrorContains(t, err, "is not a regular file")
}
