// Package report writes a run's artefacts into its store directory, laid
// out as Maelstrom's: store/<workload>/<timestamp>/ with results.edn,
// results.json, history.edn and history.txt, and the symlinks store/latest,
// store/current and store/<workload>/latest.
package report

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/internal/history"
)

// TimestampLayout is how Jepsen names a run's directory (clj-time's
// basic-date-time), e.g. 20261122T143012.123+0000.
const TimestampLayout = "20060102T150405.000-0700"

// Timestamp formats t, in its own location, as a run directory name.
func Timestamp(t time.Time) string { return t.Format(TimestampLayout) }

// NewRunDir creates root/<workload>/<timestamp>/, the timestamp being t in
// the local time zone, and returns its path. It fails if that directory
// already exists.
func NewRunDir(root, workload string, t time.Time) (string, error) {
	parent := filepath.Join(root, workload)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(parent, Timestamp(t.Local()))
	dir := base
	// Runs started within the same millisecond (in parallel, or on a
	// synctest bubble's clock, which starts every bubble at the same
	// instant) get -2, -3, … after the timestamp.
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 10000 {
			return "", err
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// Link points root/current, root/latest and root/<workload>/latest at dir
// with relative symlinks, replacing each atomically (a temporary link
// renamed over the old one).
func Link(root, workload, dir string) error {
	target, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, link := range []string{
		filepath.Join(root, "current"),
		filepath.Join(root, "latest"),
		filepath.Join(root, workload, "latest"),
	} {
		if err := replaceSymlink(link, target); err != nil {
			return err
		}
	}
	return nil
}

func replaceSymlink(link, target string) error {
	abs, err := filepath.Abs(link)
	if err != nil {
		return err
	}
	parent := filepath.Dir(abs)
	rel, err := filepath.Rel(parent, target)
	if err != nil {
		return err
	}
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(parent, "."+filepath.Base(abs)+".tmp-"+hex.EncodeToString(suffix[:]))
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: replacing %s: %w", link, err)
	}
	return nil
}

// WriteResults writes results.edn (pretty-printed as Jepsen does) and
// results.json (the same data, keywords as plain strings, indented).
func WriteResults(dir string, results *edn.Map) error {
	raw, err := edn.MarshalJSON(results)
	if err != nil {
		return err
	}
	var js bytes.Buffer
	if err := json.Indent(&js, raw, "", "  "); err != nil {
		return fmt.Errorf("report: results.json: %w", err)
	}
	js.WriteByte('\n')
	text := append(edn.Pretty(results), '\n')
	if err := WriteFile(filepath.Join(dir, "results.edn"), func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	}); err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "results.json"), func(w io.Writer) error {
		_, err := w.Write(js.Bytes())
		return err
	})
}

// WriteHistory writes history.edn (one op per line) and history.txt (the
// tab-separated human form).
func WriteHistory(dir string, ops []history.Op) error {
	if err := WriteFile(filepath.Join(dir, "history.edn"), func(w io.Writer) error {
		return history.WriteEDN(w, ops)
	}); err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, "history.txt"), func(w io.Writer) error {
		return history.WriteText(w, ops)
	})
}

// WriteFile creates the file at path and has fill write it; an error
// names the file.
func WriteFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return f.Close()
}
