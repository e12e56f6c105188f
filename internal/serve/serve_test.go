package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/internal/serve"
)

const secret = "the secret outside the store"

// fakeStore lays out a store with two runs and the links a run leaves,
// plus a file outside the store and symlinks that try to reach it.
func fakeStore(t *testing.T) (store string) {
	t.Helper()
	top := t.TempDir()
	store = filepath.Join(top, "store")
	runs := []struct{ wl, name, valid string }{
		{"echo", "20261201T100000.000+0000", "true"},
		{"broadcast", "20261201T110000.000+0000", "false"},
		{"kafka", "20261201T120000.000+0000", `"unknown"`},
	}
	for _, r := range runs {
		dir := filepath.Join(store, r.wl, r.name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		write(t, filepath.Join(dir, "results.json"), fmt.Sprintf("{\n  \"workload\": {},\n  \"valid?\": %s\n}\n", r.valid))
		write(t, filepath.Join(dir, "index.html"), "<html><body>run "+r.name+"</body></html>")
		write(t, filepath.Join(dir, "history.edn"), "{:index 0}\n")
	}
	write(t, filepath.Join(top, "secret.txt"), secret)
	write(t, filepath.Join(store, "echo", runs[0].name, "node-logs.log"), "<html><script>alert(1)</script>")
	require.NoError(t, os.Symlink("echo/"+runs[0].name, filepath.Join(store, "latest")))
	require.NoError(t, os.Symlink(runs[0].name, filepath.Join(store, "echo", "latest")))
	require.NoError(t, os.Symlink("../secret.txt", filepath.Join(store, "leak.txt")))
	require.NoError(t, os.Symlink(top, filepath.Join(store, "echo", runs[0].name, "up")))
	return store
}

func write(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

func handler(t *testing.T, store string) *serve.Handler {
	t.Helper()
	h, err := serve.New(store)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

// rawGet sends the request line exactly as given, bypassing any client-side
// cleaning of the path, and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestRefusesPathsOutsideTheStore(t *testing.T) {
	t.Parallel()
	store := fakeStore(t)
	srv := httptest.NewServer(handler(t, store))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	tests := []struct {
		target string
		status int
	}{
		{"/../secret.txt", http.StatusForbidden},
		{"/echo/../../secret.txt", http.StatusForbidden},
		{"/%2e%2e/secret.txt", http.StatusForbidden},
		{"/%2E%2E/secret.txt", http.StatusForbidden},
		{"/echo/%2e%2e/%2e%2e/secret.txt", http.StatusForbidden},
		{"/..%2fsecret.txt", http.StatusForbidden},
		{"/%252e%252e/secret.txt", http.StatusForbidden},
		{"/..\\secret.txt", http.StatusForbidden},
		{"/leak.txt", http.StatusForbidden},                                    // a symlink out of the store
		{"/echo/20261201T100000.000+0000/up/secret.txt", http.StatusForbidden}, // an absolute symlink out
		{"/latest/../../secret.txt", http.StatusForbidden},
		{"//" + filepath.Join(filepath.Dir(store), "secret.txt"), http.StatusNotFound}, // an absolute path is read inside the store
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, body := rawGet(t, addr, tt.target)
			assert.Equal(t, tt.status, status)
			assert.NotContains(t, body, secret)
		})
	}
}

func TestServesTheStore(t *testing.T) {
	t.Parallel()
	store := fakeStore(t)
	srv := httptest.NewServer(handler(t, store))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	tests := []struct {
		target, want, contentType string
	}{
		{"/", `data-valid="false"`, "text/html; charset=utf-8"},
		{"/echo/20261201T100000.000+0000/", "run 20261201T100000.000+0000", "text/html; charset=utf-8"},
		{"/latest/index.html", "run 20261201T100000.000+0000", "text/html; charset=utf-8"}, // a link inside the store
		{"/echo/latest/history.edn", "{:index 0}", "text/plain; charset=utf-8"},
		{"/echo/20261201T100000.000+0000/node-logs.log", "<script>", "text/plain; charset=utf-8"}, // node output is never HTML
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp, err := http.Get("http://" + addr + tt.target)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Contains(t, string(body), tt.want)
			assert.Equal(t, tt.contentType, resp.Header.Get("Content-Type"))
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
		})
	}
}

func TestRunList(t *testing.T) {
	t.Parallel()
	h := handler(t, fakeStore(t))
	runs, err := h.Runs()
	require.NoError(t, err)
	var got []string
	for _, r := range runs {
		got = append(got, r.Workload+" "+r.Verdict+" "+r.Link)
	}
	// Newest first; the latest links are not runs of their own.
	assert.Equal(t, []string{
		"kafka unknown /kafka/20261201T120000.000+0000/",
		"broadcast false /broadcast/20261201T110000.000+0000/",
		"echo true /echo/20261201T100000.000+0000/",
	}, got)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.String()
	for colour, verdict := range map[string]string{"#6DB6FE": "true", "#FFAA26": "unknown", "#FEB5DA": "false"} {
		assert.Contains(t, page, fmt.Sprintf(`data-valid="%s" style="background: %s"`, verdict, colour))
	}
}

func TestServeShutsDownWhenCancelled(t *testing.T) {
	t.Parallel()
	store := fakeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- serve.Serve(ctx, "127.0.0.1:0", store, func(a net.Addr) { addrs <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve ended at once: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve never listened")
	}
	assert.True(t, strings.HasPrefix(addr.String(), "127.0.0.1:"))
	status, body := rawGet(t, addr.String(), "/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "eddy store")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	_, err := net.DialTimeout("tcp", addr.String(), time.Second)
	assert.Error(t, err, "still listening after shutdown")
}

func TestServeRefusesAMissingStore(t *testing.T) {
	t.Parallel()
	err := serve.Serve(context.Background(), "127.0.0.1:0", filepath.Join(t.TempDir(), "nope"), nil)
	require.ErrorContains(t, err, "nope")
}
