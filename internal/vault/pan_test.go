package vault_test

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/vault"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// searchFiles fails t for every file under dir holding one of needles.
func searchFiles(t *testing.T, dir string, needles []string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds %q", filepath.Base(path), n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoCardDataAtRest writes and charges cards through the API, then
// searches every file of the data folder (the SQLite database, its WAL,
// keys, checkpoints) and the captured log for the card numbers and the
// security codes, and every value of every table for a CVC.
func TestNoCardDataAtRest(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Type: "system"})
	a, err := app.Open(ctx, app.Config{DataDir: dir}, app.Options{Argon2: apptest.FastArgon2,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	env := &apptest.Env{T: t, App: a, Server: srv, Ctx: ctx}
	closed := false
	t.Cleanup(func() {
		srv.Close()
		if !closed {
			a.Close()
		}
	})
	tid := env.Tenant("PAN Search")
	key := env.Key(tid, identity.Finance, true)

	cards := []struct{ number, cvc string }{
		{"4242424242424242", "731"},
		{"5555 5555 5555 4444", "842"},
		{"378282246310005", "9153"},
		{"6200-0000-0000-0005", "264"},
		{"4000000000003220", "375"},
	}
	var needles []string
	for i, c := range cards {
		var got vault.Card
		if r := call(t, env, "POST", "/api/v1/vault/cards", key, "", card(c.number, c.cvc), &got); r.StatusCode != http.StatusCreated {
			t.Fatalf("vault %d: %d %s", i, r.StatusCode, apptest.Body(r))
		}
		digits := strings.NewReplacer(" ", "", "-", "").Replace(c.number)
		needles = append(needles, digits, c.number, `"cvc":"`+c.cvc+`"`, "cvc="+c.cvc)
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+got.Token+"/charges", key, "pan-"+got.Token,
			map[string]any{"amount": map[string]any{"amount": "9.99", "currency": "USD"}}, nil); r.StatusCode != http.StatusCreated {
			t.Fatalf("charge %d: %d %s", i, r.StatusCode, apptest.Body(r))
		}
		// A refused request too: its body held a number.
		call(t, env, "POST", "/api/v1/vault/cards", key, "", map[string]any{"number": c.number, "exp_month": 13, "exp_year": 2030, "cvc": c.cvc}, nil)
	}
	// Whatever a module logs passes the scrubber.
	a.Log.Error("card 4242424242424242 failed", "pan", "5555555555554444", "n", int64(378282246310005))

	// Every value of every table: no column holds a CVC as its value.
	cvcs := map[string]bool{}
	for _, c := range cards {
		cvcs[c.cvc] = true
	}
	rows, err := a.DB.Q(ctx).QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, table := range tables {
		rs, err := a.DB.Q(ctx).QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if cvcs[string(v)] || bytes.Contains(v, []byte(`"cvc"`)) {
					t.Errorf("%s.%s holds a security code: %q", table, cols[i], v)
				}
			}
		}
		rs.Close()
	}

	if n := searchFiles(t, dir, needles); n < 3 {
		t.Fatalf("searched only %d files", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "silkgate.db-wal")); err != nil {
		t.Logf("no WAL to search: %v", err)
	}
	out := logs.String()
	for _, n := range needles {
		if strings.Contains(out, n) {
			t.Errorf("the log holds %q", n)
		}
	}
	if !strings.Contains(out, "424242******4242") {
		t.Error("the scrubber did not mask the logged number (is it wired into the app's logger?)")
	}
	// And once more after the WAL is checkpointed into the database.
	srv.Close()
	a.Close()
	closed = true
	searchFiles(t, dir, needles)
}
