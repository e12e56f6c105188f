// Package serve is eddy's web view of a store: a list of the runs, coloured
// by verdict, each linking to its index.html, and the files of the store —
// never anything outside it.
package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eddy-workbench/eddy/internal/report"
)

// Handler serves one store directory.
type Handler struct {
	root  string // the store, with symlinks resolved
	store *os.Root
	files http.Handler
}

// New returns a handler for the store at dir, which must exist.
func New(dir string) (*Handler, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", dir, err)
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", dir, err)
	}
	return &Handler{root: real, store: root, files: http.FileServerFS(root.FS())}, nil
}

// Close releases the store.
func (h *Handler) Close() error { return h.store.Close() }

// plainTypes are the run files served as plain text, whatever they hold
// (node logs are arbitrary node output).
var plainTypes = map[string]bool{".log": true, ".edn": true, ".txt": true, ".jsonl": true}

// ServeHTTP serves the run list at / and files of the store elsewhere.
// A path with a .. segment, a backslash or a NUL, or one whose symlinks
// lead outside the store, is refused with 403.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !allowed(p) {
		http.Error(w, "forbidden: outside the store", http.StatusForbidden)
		return
	}
	if p == "/" {
		h.list(w, r)
		return
	}
	rel := strings.TrimPrefix(path.Clean(p), "/")
	if err := h.inside(rel); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "forbidden: outside the store", http.StatusForbidden)
		return
	}
	if plainTypes[path.Ext(rel)] {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
	}
	h.files.ServeHTTP(w, r)
}

// allowed rejects a (decoded) path with a .. segment, a backslash or a
// NUL, also when they were percent-encoded twice.
func allowed(p string) bool {
	if strings.ContainsAny(p, "\\\x00") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return false
		}
		if s, err := url.PathUnescape(seg); err == nil && (s == ".." || strings.ContainsAny(s, "/\\\x00")) {
			return false
		}
	}
	return true
}

// inside checks that rel, with every symlink followed, stays in the store.
func (h *Handler) inside(rel string) error {
	if rel == "" || rel == "." {
		return nil
	}
	if filepath.IsAbs(rel) || !filepath.IsLocal(filepath.FromSlash(rel)) {
		return fs.ErrPermission
	}
	real, err := filepath.EvalSymlinks(filepath.Join(h.root, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	back, err := filepath.Rel(h.root, real)
	if err != nil || back == ".." || strings.HasPrefix(back, ".."+string(filepath.Separator)) || filepath.IsAbs(back) {
		return fs.ErrPermission
	}
	return nil
}

// Run is one run of the store, as the list shows it.
type Run struct {
	Workload, Name string
	Verdict        string // "true", "false" or "unknown"
	Link           string
}

// Runs lists the store's runs, newest first: every directory
// <workload>/<timestamp>/ (links such as latest are skipped) holding a
// results file.
func (h *Handler) Runs() ([]Run, error) {
	wls, err := os.ReadDir(h.root)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, wl := range wls {
		if !wl.IsDir() || strings.HasPrefix(wl.Name(), ".") {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(h.root, wl.Name()))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			dir := filepath.Join(h.root, wl.Name(), e.Name())
			verdict, ok := readVerdict(dir)
			if !ok {
				continue
			}
			link := "/" + wl.Name() + "/" + e.Name() + "/"
			runs = append(runs, Run{Workload: wl.Name(), Name: e.Name(), Verdict: verdict, Link: link})
		}
	}
	slices.SortFunc(runs, func(a, b Run) int {
		if c := strings.Compare(b.Name, a.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Workload, b.Workload)
	})
	return runs, nil
}

// verdictAtEnd finds :valid? at the end of results.json, where eddy writes it.
var verdictAtEnd = regexp.MustCompile(`"valid\?":\s*(true|false|"unknown")\s*}\s*$`)

// readVerdict reads a run's verdict from the last bytes of its results.json
// (results files can be large); ok is false when the directory has none.
func readVerdict(dir string) (string, bool) {
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		return "", false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "unknown", true
	}
	const tail = 512
	off := max(0, fi.Size()-tail)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return "unknown", true
	}
	m := verdictAtEnd.FindSubmatch(buf)
	if m == nil {
		return "unknown", true
	}
	return strings.Trim(string(m[1]), `"`), true
}

var listTmpl = template.Must(template.New("list").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>eddy store</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
td, th { padding: 0.3em 1em; text-align: left; }
tr.run td { border-bottom: 1px solid #fff; }
a { color: #000; }
</style>
</head>
<body>
<h1>eddy store</h1>
<p>{{len .Runs}} run(s). Colours: <span style="background: {{index .Colours "true"}}">valid</span>, <span style="background: {{index .Colours "unknown"}}">unknown</span>, <span style="background: {{index .Colours "false"}}">invalid</span>.</p>
<table id="runs">
<tr><th>workload</th><th>run</th><th>valid?</th></tr>
{{- range .Runs}}
<tr class="run" data-valid="{{.Verdict}}" style="background: {{index $.Colours .Verdict}}"><td>{{.Workload}}</td><td><a href="{{.Link}}">{{.Name}}</a></td><td>{{.Verdict}}</td></tr>
{{- end}}
</table>
</body>
</html>
`))

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	runs, err := h.Runs()
	if err != nil {
		http.Error(w, "reading the store: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := listTmpl.Execute(&b, struct {
		Runs    []Run
		Colours map[string]string
	}{runs, report.VerdictColours}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// Serve serves the store at dir on addr until ctx is cancelled, then shuts
// down gracefully (requests in flight get a few seconds). ready, if not
// nil, is called with the address listened on once it is listening.
func Serve(ctx context.Context, addr, dir string, ready func(net.Addr)) error {
	h, err := New(dir)
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
