package durable

import (
	"encoding/json"
	"fmt"

	kd "github.com/eddy-workbench/eddy/nodekit/durable"
)

// File is a Store in a file of the node's directory, which outlives the
// node's process (eddy's --nemesis kill): every update is appended to a
// log (nodekit/durable.Log) and synced before Save returns, and Load
// replays the log. A kill in the middle of a Save loses only that update,
// which was not yet saved: its record is cut off when the file is opened
// again.
type File[H, R any] struct {
	mem Memory[H, R]
	log *kd.Log
}

// OpenFile opens (creating it if need be) the store at path and replays
// what it holds.
func OpenFile[H, R any](path string) (*File[H, R], error) {
	log, records, err := kd.OpenLog(path)
	if err != nil {
		return nil, err
	}
	f := &File[H, R]{log: log}
	for i, raw := range records {
		var u Update[H, R]
		if err := json.Unmarshal(raw, &u); err != nil {
			log.Close()
			return nil, fmt.Errorf("durable: %s: update %d: %w", path, i, err)
		}
		if err := f.mem.Save(u); err != nil {
			log.Close()
			return nil, err
		}
	}
	return f, nil
}

// Save makes u durable, then applies it.
func (f *File[H, R]) Save(u Update[H, R]) error {
	if u.Empty() {
		return nil
	}
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	if err := f.log.Append(b); err != nil {
		return err
	}
	return f.mem.Save(u)
}

// Load returns what the store holds.
func (f *File[H, R]) Load() (State[H, R], error) { return f.mem.Load() }

// Close closes the file.
func (f *File[H, R]) Close() error { return f.log.Close() }
