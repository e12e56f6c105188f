// Package durable gives a node state that survives its process being killed
// and restarted: the node's private directory, and two ways to keep data in
// it — an append-only log of records (Log, each append synced to disk before
// it returns) and whole files replaced atomically (WriteFile).
//
// Durable state across kills is an eddy extension: Maelstrom has no process
// faults. eddy gives each node a directory of its own that lives as long as
// the run, through its restarts: a binary finds it in the environment
// variable EDDY_NODE_DIR, an in-process node (runner.Config.Node) through
// its context; Dir looks in both. A node that keeps nothing there restarts
// empty, as a real process that kept everything in memory would.
package durable

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// EnvDir is the environment variable that names a node binary's directory.
const EnvDir = "EDDY_NODE_DIR"

type dirKey struct{}

// WithDir returns a context that carries dir as the node's directory, as
// the runner gives it to an in-process node.
func WithDir(ctx context.Context, dir string) context.Context {
	return context.WithValue(ctx, dirKey{}, dir)
}

// Dir returns the node's private directory: the one ctx carries (an
// in-process node), else $EDDY_NODE_DIR (a binary), else "" (not run by
// eddy, or by an eddy without process faults).
func Dir(ctx context.Context) string {
	if ctx != nil {
		if d, ok := ctx.Value(dirKey{}).(string); ok && d != "" {
			return d
		}
	}
	return os.Getenv(EnvDir)
}

// BootFile is the file in a node's directory where NextBoot counts the
// node's starts.
const BootFile = "boot"

// NextBoot counts a start of the node whose directory is dir: it returns 1
// the first time, then 2, 3, … (the count is kept in dir/BootFile, written
// atomically), and whether this is a restart (the count is above 1). A
// node tells its peers its boot, so that they notice it restarted and
// forgot what it kept only in memory. With no directory ("") it returns 0
// and false: lives are not counted.
func NextBoot(dir string) (boot int64, restarted bool, err error) {
	if dir == "" {
		return 0, false, nil
	}
	path := filepath.Join(dir, BootFile)
	b, err := ReadFile(path)
	if err != nil {
		return 0, false, err
	}
	var last int64
	if len(b) > 0 {
		if last, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil || last < 0 {
			return 0, false, fmt.Errorf("durable: %s holds %q, not a count of starts", path, b)
		}
	}
	boot = last + 1
	if err := WriteFile(path, []byte(strconv.FormatInt(boot, 10)+"\n")); err != nil {
		return 0, false, err
	}
	return boot, boot > 1, nil
}

// MaxRecord is the largest record a Log accepts (16 MiB).
const MaxRecord = 16 << 20

// frameHeader is the length and CRC-32 (Castagnoli) of a record, each 4
// bytes, little-endian.
const frameHeader = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Log is an append-only file of records. Append writes records and syncs
// the file before it returns, so a record appended survives a kill of the
// process that appended it. Open reads back every whole record; a record
// cut short by a kill in the middle of an append (or otherwise damaged) ends
// the log there and is cut off, so the next append follows the last good
// record. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenLog opens (creating it and its directory if need be) the log at path
// and returns it with the records it holds, oldest first.
func OpenLog(path string) (*Log, [][]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("durable: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("durable: %w", err)
	}
	records, good, err := readRecords(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("durable: reading %s: %w", path, err)
	}
	// Cut off a torn tail, so that appends follow the last good record.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("durable: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("durable: %w", err)
	}
	return &Log{f: f, size: good}, records, nil
}

// readRecords reads whole, intact records from the start of f and returns
// them and the offset just past the last one.
func readRecords(f *os.File) ([][]byte, int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	r := bufio.NewReader(f)
	var records [][]byte
	var good int64
	var hdr [frameHeader]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return records, good, nil
			}
			return nil, 0, err
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		if n > MaxRecord {
			return records, good, nil // damaged length: the log ends here
		}
		rec := make([]byte, n)
		if _, err := io.ReadFull(r, rec); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return records, good, nil
			}
			return nil, 0, err
		}
		if crc32.Checksum(rec, castagnoli) != sum {
			return records, good, nil
		}
		records = append(records, rec)
		good += frameHeader + int64(n)
	}
}

// Append writes records at the end of the log, in one write, and syncs the
// file: when it returns without error they survive a kill.
func (l *Log) Append(records ...[]byte) error {
	var buf []byte
	for _, rec := range records {
		if len(rec) > MaxRecord {
			return fmt.Errorf("durable: a %d-byte record is over the %d-byte limit", len(rec), MaxRecord)
		}
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(rec)))
		buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(rec, castagnoli))
		buf = append(buf, rec...)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("durable: log is closed")
	}
	if _, err := l.f.Write(buf); err != nil {
		// Leave no partial record for the next append to follow.
		_ = l.f.Truncate(l.size)
		_, _ = l.f.Seek(l.size, io.SeekStart)
		return fmt.Errorf("durable: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	l.size += int64(len(buf))
	return nil
}

// Size is the log's length in bytes.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Close closes the log's file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// WriteFile replaces the file at path with data atomically and durably: it
// writes a temporary file beside it, syncs it, renames it over path and
// syncs the directory. After a kill, path holds either the old contents or
// the new, whole.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("durable: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	return nil
}

// ReadFile returns the contents of a file written by WriteFile; a file that
// was never written is (nil, nil).
func ReadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	return b, nil
}
