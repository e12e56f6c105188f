// Package testbin builds the module's programs (nodes, test nodes, the eddy
// command) for tests, once per test process.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Builder builds programs into one temporary directory and remembers them.
type Builder struct {
	dir   string
	mu    sync.Mutex
	built map[string]string
	root  string
}

// New makes a builder whose outputs go to dir.
func New(dir string) *Builder { return &Builder{dir: dir, built: map[string]string{}} }

// Build compiles the package at pkg, a directory relative to the module root
// such as "nodes/echo" or "runner/testdata/nodes/misbehave", and returns the
// binary's path.
func (b *Builder) Build(pkg string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.built[pkg]; ok {
		return p, nil
	}
	if b.root == "" {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("finding the module root: %w", err)
		}
		b.root = filepath.Dir(strings.TrimSpace(string(out)))
	}
	bin := filepath.Join(b.dir, strings.ReplaceAll(pkg, "/", "_"))
	cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
	cmd.Dir = b.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./%s: %v\n%s", pkg, err, out)
	}
	b.built[pkg] = bin
	return bin, nil
}

// MustBuild is Build for a test: it fails the test on error.
func (b *Builder) MustBuild(t testing.TB, pkg string) string {
	t.Helper()
	bin, err := b.Build(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Main calls run (which runs a package's tests) with a builder whose
// directory is removed afterwards, and exits with run's status. Use it from
// TestMain.
func Main(run func(*Builder) int) {
	dir, err := os.MkdirTemp("", "eddy-testbin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(New(dir))
	os.RemoveAll(dir)
	os.Exit(code)
}
