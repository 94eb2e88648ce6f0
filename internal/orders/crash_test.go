package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// TestCrashDuringBulkIngest runs the real binary, sends a bulk body and
// kills the server with SIGKILL at random points, then restarts it and
// checks the store: never a duplicate, and once a response has
// acknowledged the body, every accepted order is there — also after a
// crash right after the answer. Finally the same body is re-sent whole and
// must come out exactly once.
func TestCrashDuringBulkIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// SILKGATE_TEST_BINARY names an already built binary (CI builds it
	// once); otherwise the test builds its own.
	bin := os.Getenv("SILKGATE_TEST_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "silkgate")
		build := exec.Command("go", "build", "-o", bin, "github.com/silkgate/silkgate/cmd/silkgate")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	const n = 20_000
	g := ordergen.New(2026)
	g.Invalid = 0.02
	var body bytes.Buffer
	if err := g.WriteNDJSON(&body, 0, n); err != nil {
		t.Fatal(err)
	}
	valid := 0
	for i := range n {
		if g.Valid(i) {
			valid++
		}
	}
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			t.Logf("kill points from seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 1))
			dsn, dir := dbtest.DSN(t, e)
			srv := &server{t: t, bin: bin, dir: dir, dsn: dsn}
			tenant := srv.cliJSON("tenant", "create", "--name", "Crash Test GmbH", "--json")["id"].(string)
			srv.cli("tenant", "limits", "--tenant", tenant, "--rps", "0", "--burst", "0")
			key := srv.cliJSON("apikey", "create", "--tenant", tenant, "--role", "operator", "--json")["key"].(string)

			// Kill points: once early, before anything may have committed;
			// twice when a random share of the orders is in the store,
			// so mid-way between batch commits; once right after an
			// answer, which must survive.
			acknowledged := false
			for round := range 4 {
				srv.start()
				done := make(chan result, 1)
				go func() { done <- srv.bulk(key, body.Bytes()) }()
				var r result
				switch round {
				case 0:
					select {
					case r = <-done:
					case <-time.After(time.Duration(50+rng.IntN(400)) * time.Millisecond):
					}
				case 1, 2:
					target := 1 + rng.IntN(valid-1)
					r = srv.waitFor(done, target)
				case 3:
					r = <-done
				}
				srv.kill()
				select {
				case r2 := <-done:
					if r.status == 0 {
						r = r2
					}
				default:
				}
				if r.status == 200 {
					if r.res.Accepted != valid || r.res.Rejected != n-valid {
						t.Fatalf("round %d: accepted %d rejected %d, want %d and %d", round, r.res.Accepted, r.res.Rejected, valid, n-valid)
					}
					acknowledged = true
				}
				rows, distinct := srv.count()
				t.Logf("round %d: answer %d, %d rows stored", round, r.status, rows)
				if rows != distinct {
					t.Fatalf("round %d: %d rows for %d distinct orders: duplicated", round, rows, distinct)
				}
				if rows > valid {
					t.Fatalf("round %d: %d rows for %d valid orders", round, rows, valid)
				}
				if acknowledged && rows != valid {
					t.Fatalf("round %d: %d rows after an answer acknowledged %d", round, rows, valid)
				}
			}
			srv.start()
			r := srv.bulk(key, body.Bytes())
			srv.kill()
			if r.status != 200 || r.res.Accepted != valid || r.res.Rejected != n-valid {
				t.Fatalf("final re-send: %d %+v", r.status, r.res)
			}
			if rows, distinct := srv.count(); rows != valid || distinct != valid {
				t.Errorf("after re-send: %d rows, %d distinct, want %d", rows, distinct, valid)
			}
		})
	}
}

type result struct {
	status int
	res    orders.BulkResult
}

// server runs the silkgate binary on one data folder and store.
type server struct {
	t        *testing.T
	bin      string
	dir, dsn string
	addr     string
	cmd      *exec.Cmd
	log      *lockedBuffer
}

func (s *server) args(a ...string) []string {
	out := []string{"--data", s.dir}
	if s.dsn != "" {
		out = append(out, "--db", s.dsn)
	}
	return append(out, a...)
}

func (s *server) cli(a ...string) []byte {
	s.t.Helper()
	cmd := exec.Command(s.bin, s.args(a...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("silkgate %v: %v\n%s", a, err, stderr.String())
	}
	return out
}

func (s *server) cliJSON(a ...string) map[string]any {
	s.t.Helper()
	var v map[string]any
	if err := json.Unmarshal(s.cli(a...), &v); err != nil {
		s.t.Fatal(err)
	}
	return v
}

func (s *server) start() {
	s.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	ln.Close()
	s.log = &lockedBuffer{}
	s.cmd = exec.Command(s.bin, s.args("serve", "--addr", s.addr, "--log-level", "warn")...)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(s.kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	s.t.Fatalf("server did not become ready:\n%s", s.log.String())
}

// kill ends the server with SIGKILL: no shutdown code runs.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *server) bulk(key string, body []byte) result {
	req, err := http.NewRequest("POST", "http://"+s.addr+"/api/v1/orders/bulk", bytes.NewReader(body))
	if err != nil {
		return result{}
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}
	}
	r := result{status: resp.StatusCode}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, &r.res); err != nil {
			return result{}
		}
	}
	return r
}

// waitFor returns when the request is answered or, reading the store
// alongside the server, when at least target orders have been committed.
func (s *server) waitFor(done <-chan result, target int) result {
	s.t.Helper()
	d, err := db.Open(context.Background(), s.dir, s.dsn)
	if err != nil {
		s.t.Fatal(err)
	}
	defer d.Close()
	for {
		select {
		case r := <-done:
			return r
		case <-time.After(20 * time.Millisecond):
		}
		var rows int
		if err := d.Ping(context.Background()); err == nil {
			_ = d.Q(context.Background()).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM orders`).Scan(&rows)
		}
		if rows >= target {
			return result{}
		}
	}
}

// count opens the store directly (the server is down) and counts orders.
func (s *server) count() (rows, distinct int) {
	s.t.Helper()
	d, err := db.Open(context.Background(), s.dir, s.dsn)
	if err != nil {
		s.t.Fatal(err)
	}
	defer d.Close()
	if err := d.Writer().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT channel || '/' || external_id) FROM orders`).
		Scan(&rows, &distinct); err != nil {
		s.t.Fatal(fmt.Errorf("count: %w\n%s", err, s.log.String()))
	}
	return rows, distinct
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.b.String())
}
