package sanctions_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(ctx context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		a := e.Action
		if e.Outcome != "" {
			a += ":" + e.Outcome
		}
		out = append(out, a)
	}
	return out
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func newService(t *testing.T, d *db.DB, cfg sanctions.Config) (*sanctions.Service, *recorder, *clock) {
	rec := &recorder{}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg.Now = c.now
	return sanctions.New(d, rec, cfg), rec, c
}

var fixtures = []string{
	"ofac_sdn/sdn.csv", "ofac_sdn_2024/sdn.csv", "ofac_cons/cons_prim.csv", "csl/consolidated.csv", "csl/consolidated.csv.gz",
	"un/UN_consolidated.xml", "eu/eu_fsf_entities.jsonl", "eu/eu_fsf.xml", "eu/eu_fsf.csv",
	"uk/uk_sanctions_list_entities.jsonl", "uk/UK-Sanctions-List.xml", "uk/UK-Sanctions-List.csv",
	"product/fcc_covered.json", "product/uflpa.json",
}

// TestImportEveryFormat stores every fixture on every engine and reads it
// back through Current exactly as the parser produced it.
func TestImportEveryFormat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, rec, _ := newService(t, d, sanctions.Config{})
		ctx := context.Background()
		want := map[string][]sanctions.Entry{}
		for _, f := range fixtures {
			res, err := s.ImportFile(ctx, filepath.Join("testdata", f), sanctions.ImportOptions{})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			_, es, err := sanctions.Load(filepath.Join("testdata", f), "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Version.ID == "" || res.Version.ImportedAt.IsZero() || res.Version.Entries != len(es) {
				t.Fatalf("%s: result %+v", f, res)
			}
			n := 0
			for _, c := range res.Counts {
				n += c
			}
			if n != len(es) {
				t.Errorf("%s: counts %v for %d entries", f, res.Counts, len(es))
			}
			want[res.Version.List] = es
			vs, got, err := s.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var mine []sanctions.Entry
			for _, e := range got {
				if e.List == res.Version.List {
					mine = append(mine, e)
				}
			}
			sortEntries(es)
			sortEntries(mine)
			a, _ := json.Marshal(es)
			b, _ := json.Marshal(mine)
			if string(a) != string(b) {
				t.Fatalf("%s: stored entries differ from parsed ones", f)
			}
			total := 0
			for _, v := range vs {
				total += v.Entries
			}
			if total != len(got) {
				t.Fatalf("%s: versions count %d entries, Current returned %d", f, total, len(got))
			}
		}
		vs, _, err := s.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var lists []string
		for _, v := range vs {
			lists = append(lists, v.List)
		}
		if !slices.Equal(lists, sanctions.Lists) {
			t.Errorf("lists in force %v, want %v", lists, sanctions.Lists)
		}
		if n := strings.Count(strings.Join(rec.actions(), ","), "sanctions.import"); n != len(fixtures) {
			t.Errorf("%d import audit records, want %d: %v", n, len(fixtures), rec.actions())
		}
	})
}

func sortEntries(es []sanctions.Entry) {
	slices.SortFunc(es, func(a, b sanctions.Entry) int { return strings.Compare(a.ID, b.ID) })
}

// TestReplaceAndFail covers the life of one list: a first version, the
// same file again, a newer version replacing it atomically, a broken file
// that changes nothing but raises the alarm, and the good import that
// cures it.
func TestReplaceAndFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, rec, c := newService(t, d, sanctions.Config{})
		ctx := context.Background()
		var hooked []string
		s.OnListUpdated(func(ctx context.Context, list string, v sanctions.Version) {
			hooked = append(hooked, list+" "+v.Version)
		})
		dir := t.TempDir()
		un, err := os.ReadFile("testdata/un/UN_consolidated.xml")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "consolidated.xml")
		write := func(b []byte) {
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		generation := func() int64 {
			g, err := s.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		changed := s.Changed()

		write(un)
		first, err := s.ImportFile(ctx, path, sanctions.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		g1 := generation()
		select {
		case <-changed:
		default:
			t.Error("Changed not signalled")
		}
		if g1 == 0 || len(hooked) != 1 {
			t.Fatalf("generation %d, hooks %v", g1, hooked)
		}

		// The same file: nothing replaced, no hook, same generation.
		again, err := s.ImportFile(ctx, path, sanctions.ImportOptions{})
		if err != nil || !again.Unchanged || again.Version.ID != first.Version.ID || generation() != g1 || len(hooked) != 1 {
			t.Fatalf("re-import: %+v %v, generation %d, hooks %v", again, err, generation(), hooked)
		}

		// A newer file: one entity fewer, a new generation date.
		newer := strings.Replace(string(un), `dateGenerated="2026-02-27T00:00:09.554Z"`, `dateGenerated="2026-02-28T00:00:09.554Z"`, 1)
		i := strings.LastIndex(newer, "    <ENTITY>")
		j := strings.LastIndex(newer, "</ENTITY>\n") + len("</ENTITY>\n")
		newer = newer[:i] + newer[j:]
		write([]byte(newer))
		second, err := s.ImportFile(ctx, path, sanctions.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if second.Unchanged || second.Version.Entries != first.Version.Entries-1 || second.Version.Version != "2026-02-28T00:00:09.554Z" {
			t.Fatalf("second import %+v", second)
		}
		g2 := generation()
		if g2 <= g1 || len(hooked) != 2 {
			t.Fatalf("generation %d after %d, hooks %v", g2, g1, hooked)
		}
		vs, es, err := s.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].ID != second.Version.ID || len(es) != second.Version.Entries {
			t.Fatalf("in force %+v with %d entries", vs, len(es))
		}

		// A broken file: refused with its line, recorded, alarmed; the
		// second version stays in force.
		write([]byte(newer[:len(newer)/2]))
		_, err = s.ImportFile(ctx, path, sanctions.ImportOptions{})
		if pe, ok := problem.As(err); !ok || pe.Code != "sanctions_list_malformed" || !strings.Contains(pe.Err.Error(), "line ") {
			t.Fatalf("broken import: %v", err)
		}
		if generation() != g2 || len(hooked) != 2 {
			t.Errorf("a failed import changed the generation or ran hooks")
		}
		vs, es, _ = s.Current(ctx)
		if len(vs) != 1 || vs[0].ID != second.Version.ID || len(es) != second.Version.Entries {
			t.Fatalf("after failure, in force %+v with %d entries", vs, len(es))
		}
		st := status(t, s, sanctions.ListUN)
		if st.Fresh || !slices.Contains(st.StaleReasons, sanctions.StaleLastFailed) || !strings.Contains(st.LastError, "un_xml: line") ||
			len(st.Alerts) != 1 || st.Alerts[0].Kind != sanctions.AlertImportFailed {
			t.Fatalf("status after failure %+v", st)
		}
		if !slices.Contains(rec.actions(), "sanctions.import:failure") || !slices.Contains(rec.actions(), "sanctions.alert") {
			t.Errorf("audit %v", rec.actions())
		}

		h, err := s.History(ctx, sanctions.ListUN, web.Page{Limit: 2})
		if err != nil || len(h.Items) != 2 || h.NextCursor == "" || h.Items[0].Status != "failed" || h.Items[0].Error == "" ||
			h.Items[1].Status != "in_force" || h.Items[1].ID != second.Version.ID {
			t.Fatalf("history %+v %v", h, err)
		}
		if h, err = s.History(ctx, sanctions.ListUN, web.Page{Limit: 2, After: h.Items[1].ID}); err != nil || len(h.Items) != 1 ||
			h.Items[0].Status != "superseded" || h.Items[0].ID != first.Version.ID || h.Items[0].Entries != first.Version.Entries {
			t.Fatalf("history page 2 %+v %v", h, err)
		}
		if _, err := s.History(ctx, "nope", web.Page{}); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("unknown list: %v", err)
		}

		// The same good file again cures the failure without a new version.
		c.set(c.now().Add(time.Hour))
		write([]byte(newer))
		third, err := s.ImportFile(ctx, path, sanctions.ImportOptions{})
		if err != nil || !third.Unchanged {
			t.Fatalf("third import %+v %v", third, err)
		}
		st = status(t, s, sanctions.ListUN)
		if st.LastError != "" || len(st.Alerts) != 0 {
			t.Fatalf("status after cure %+v", st)
		}
	})
}

func status(t *testing.T, s *sanctions.Service, list string) sanctions.ListStatus {
	t.Helper()
	sts, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.List == list {
			return st
		}
	}
	t.Fatalf("no status for %s", list)
	return sanctions.ListStatus{}
}

// TestFreshness ages a list past its allowed age and back.
func TestFreshness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, c := newService(t, d, sanctions.Config{MaxAge: map[string]time.Duration{sanctions.ListEU: 30 * 24 * time.Hour}})
		ctx := context.Background()
		published := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, f := range []string{"un/UN_consolidated.xml", "eu/eu_fsf.xml"} {
			if _, err := s.ImportFile(ctx, "testdata/"+f, sanctions.ImportOptions{Published: published}); err != nil {
				t.Fatal(err)
			}
		}
		// Lists never imported are stale but raise no alarm.
		if st := status(t, s, sanctions.ListUK); st.Fresh || !slices.Equal(st.StaleReasons, []string{sanctions.StaleNeverImported}) || len(st.Alerts) != 0 {
			t.Errorf("uk %+v", st)
		}
		c.set(published.Add(8 * 24 * time.Hour))
		sts, err := s.CheckFreshness(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			switch st.List {
			case sanctions.ListUN:
				if st.Fresh || !slices.Equal(st.StaleReasons, []string{sanctions.StaleTooOld}) || len(st.Alerts) != 1 || st.Alerts[0].Kind != sanctions.AlertStale {
					t.Errorf("un after 8 days %+v", st)
				}
			case sanctions.ListEU: // allowed 30 days
				if !st.Fresh || len(st.Alerts) != 0 || st.MaxAgeHours != 720 {
					t.Errorf("eu after 8 days %+v", st)
				}
			}
		}
		// A second check raises nothing new.
		if _, err := s.CheckFreshness(ctx); err != nil {
			t.Fatal(err)
		}
		alerts, err := s.OpenAlerts(ctx)
		if err != nil || len(alerts) != 1 {
			t.Fatalf("open alerts %+v %v", alerts, err)
		}
		// A newer version ends the alarm.
		if _, err := s.ImportFile(ctx, "testdata/un/UN_consolidated.xml", sanctions.ImportOptions{Published: c.now()}); err != nil {
			t.Fatal(err)
		}
		if st := status(t, s, sanctions.ListUN); !st.Fresh || len(st.Alerts) != 0 {
			t.Errorf("un after refresh %+v", st)
		}
	})
}

// TestUnknownFileIsNotRecorded: a file whose list cannot be told is
// refused without blaming any list.
func TestUnknownFileIsNotRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, _ := newService(t, d, sanctions.Config{})
		p := filepath.Join(t.TempDir(), "x.txt")
		os.WriteFile(p, []byte("hello"), 0o600)
		if _, err := s.ImportFile(context.Background(), p, sanctions.ImportOptions{}); !errors.Is(err, sanctions.ErrUnknownFormat) {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.ImportFile(context.Background(), filepath.Join(t.TempDir(), "missing.csv"), sanctions.ImportOptions{}); err == nil {
			t.Fatal("missing file imported")
		}
		alerts, _ := s.OpenAlerts(context.Background())
		if len(alerts) != 0 {
			t.Errorf("alerts %+v", alerts)
		}
	})
}

// TestConcurrentImports: imports running at once (several nodes, several
// job workers) serialise instead of failing.
func TestConcurrentImports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _, _ := newService(t, d, sanctions.Config{})
		files := []string{"un/UN_consolidated.xml", "eu/eu_fsf.xml", "uk/UK-Sanctions-List.csv", "csl/consolidated.csv", "ofac_cons/cons_prim.csv"}
		errs := make(chan error, len(files))
		for _, f := range files {
			go func() {
				_, err := s.ImportFile(context.Background(), "testdata/"+f, sanctions.ImportOptions{})
				errs <- err
			}()
		}
		for range files {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		vs, _, err := s.Current(context.Background())
		if err != nil || len(vs) != len(files) {
			t.Fatalf("%d versions in force, %v", len(vs), err)
		}
		if g, _ := s.Generation(context.Background()); g != int64(len(files)) {
			t.Errorf("generation %d", g)
		}
	})
}
