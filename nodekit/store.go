package nodekit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/eddy-workbench/eddy/nodekit/durable"
)

// Store is durable storage that outlives a node's process, for nodes that
// must recover their state after being killed and restarted. A Node only
// holds one (WithStore, Node.Store); what to keep is the node's choice.
type Store interface {
	// Load returns the value saved under key, or an error wrapping
	// ErrNotFound if there is none.
	Load(key string) ([]byte, error)
	// Save stores value under key, replacing any earlier value; when it
	// returns without error the value survives a crash of the process.
	Save(key string, value []byte) error
}

// ErrNotFound is wrapped by Store.Load's error for a key never saved.
var ErrNotFound = errors.New("not found")

// DirStore is a Store over a directory private to one node: one file per
// key, replaced atomically (written aside, synced, renamed) on every Save.
type DirStore struct {
	dir string
}

// OpenDir returns a DirStore over dir, creating it if needed.
func OpenDir(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nodekit: opening store: %w", err)
	}
	return &DirStore{dir: dir}, nil
}

// path maps a key to a file name that is safe whatever the key holds.
func (s *DirStore) path(key string) string {
	return filepath.Join(s.dir, "k-"+base64.RawURLEncoding.EncodeToString([]byte(key)))
}

// Load returns the value saved under key.
func (s *DirStore) Load(key string) ([]byte, error) {
	b, err := os.ReadFile(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("nodekit: key %q: %w", key, ErrNotFound)
	}
	return b, err
}

// Save stores value under key durably: the file is replaced atomically
// (durable.WriteFile), so after a kill it holds the old value or the new.
func (s *DirStore) Save(key string, value []byte) error {
	if err := durable.WriteFile(s.path(key), value); err != nil {
		return fmt.Errorf("nodekit: saving key %q: %w", key, err)
	}
	return nil
}
