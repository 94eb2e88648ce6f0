package screening

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// fakeLists stands in for package sanctions' service.
type fakeLists struct {
	mu      sync.Mutex
	gen     int64
	entries []sanctions.Entry
}

func (f *fakeLists) Current(context.Context) ([]sanctions.Version, []sanctions.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen == 0 {
		return nil, nil, nil
	}
	v := sanctions.Version{List: "us_ofac_sdn", Version: "2026-11-01", Entries: len(f.entries), SHA256: "abc"}
	return []sanctions.Version{v}, append([]sanctions.Entry(nil), f.entries...), nil
}

func (f *fakeLists) Generation(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen, nil
}

func (f *fakeLists) set(es []sanctions.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = es
	f.gen++
}

type nopAudit struct {
	mu      sync.Mutex
	actions []string
}

func (a *nopAudit) Record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions = append(a.actions, e.Action)
	return nil
}

func scoped(tenant string) context.Context {
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "usr_reviewer", Type: "user"})
	return db.WithScope(ctx, db.Scope{TenantID: tenant})
}

func TestServiceCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		lists := &fakeLists{}
		s := New(d, lists, &nopAudit{}, Config{Recheck: time.Nanosecond})
		a, b := scoped("ten_a"), scoped("ten_b")

		if _, err := s.Screen(a, Request{Name: "Vladimir Putin"}); !errors.Is(err, errNoLists) {
			t.Fatalf("no lists: err = %v", err)
		}
		lists.set(testEntries())

		if _, err := s.Screen(a, Request{Name: " ", Type: "ship", Country: "germany"}); err == nil {
			t.Fatal("invalid request accepted")
		} else if pe, ok := problem.As(err); !ok || len(pe.Fields) != 3 {
			t.Fatalf("validation: %v", err)
		}

		r1, err := s.Screen(a, Request{Name: "Vladimir Putin", Type: "person"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r1.Matches) == 0 || r1.Matches[0].EntryID != "1" || r1.CaseID == "" {
			t.Fatalf("first screening: %+v", r1)
		}
		if len(r1.ListVersions) != 1 || r1.ListVersions[0].Version != "2026-11-01" {
			t.Errorf("list versions: %+v", r1.ListVersions)
		}
		r2, err := s.Screen(a, Request{Name: "PUTIN, Vladimir"})
		if err != nil {
			t.Fatal(err)
		}
		if r2.CaseID != r1.CaseID {
			t.Errorf("second screening of the party opened another case: %s vs %s", r2.CaseID, r1.CaseID)
		}
		if r, err := s.Screen(a, Request{Name: "Emma Schneider"}); err != nil || r.CaseID != "" {
			t.Errorf("innocent name: %+v, %v", r, err)
		}

		// Tenant isolation.
		if cs, err := s.Cases(b, "", 50, ""); err != nil || len(cs) != 0 {
			t.Fatalf("tenant b sees %d cases (%v)", len(cs), err)
		}
		if _, err := s.Case(b, r1.CaseID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("tenant b reads tenant a's case: %v", err)
		}
		if _, err := s.Decide(b, r1.CaseID, Decision{Decision: "clear"}); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("tenant b decides tenant a's case: %v", err)
		}

		open, err := s.Cases(a, StatusOpen, 50, "")
		if err != nil || len(open) != 1 || open[0].ID != r1.CaseID || open[0].Matches[0].EntryHash == "" {
			t.Fatalf("open cases: %+v, %v", open, err)
		}
		if _, err := s.Decide(a, r1.CaseID, Decision{Decision: "maybe"}); err == nil {
			t.Error("bad decision accepted")
		}
		c, err := s.Decide(a, r1.CaseID, Decision{Decision: "clear", Note: "different date of birth"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != StatusCleared || c.Reviewer != "usr_reviewer" || c.DecidedAt == nil {
			t.Errorf("decided case: %+v", c)
		}
		if _, err := s.Decide(a, r1.CaseID, Decision{Decision: "confirm"}); err == nil {
			t.Error("decided twice")
		} else if pe, ok := problem.As(err); !ok || pe.Code != "screening_case_decided" {
			t.Errorf("decided twice: %v", err)
		}

		// The cleared false positive is remembered for this party, in any
		// spelling of its name, and only in this tenant.
		r3, err := s.Screen(a, Request{Name: "Putin Vladimir"})
		if err != nil {
			t.Fatal(err)
		}
		if r3.CaseID != "" || !r3.Matches[0].Cleared {
			t.Errorf("cleared party raised again: %+v", r3)
		}
		if rb, err := s.Screen(b, Request{Name: "Vladimir Putin"}); err != nil || rb.CaseID == "" {
			t.Errorf("tenant b inherits tenant a's clearance: %+v, %v", rb, err)
		}

		// A list update that changes the entry raises it again.
		es := testEntries()
		es[0].BirthDates = []string{"1952-10-07"}
		lists.set(es)
		r4, err := s.Screen(a, Request{Name: "Vladimir Putin"})
		if err != nil {
			t.Fatal(err)
		}
		if r4.CaseID == "" || r4.CaseID == r1.CaseID {
			t.Errorf("changed entry not raised again: %+v", r4)
		}

		// Re-screening: a known party that a new entry now matches.
		if r, err := s.Screen(a, Request{Name: "Boris Nikolaevich Sidorenko"}); err != nil || r.CaseID != "" {
			t.Fatalf("before the list update: %+v, %v", r, err)
		}
		lists.set(append(es, entry("us_ofac_sdn", "99", "person", "SIDORENKO, Boris Nikolaevich")))
		n, err := s.Rescreen(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n < 3 {
			t.Errorf("re-screened %d parties", n)
		}
		open, err = s.Cases(a, StatusOpen, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range open {
			if c.Source == SourceRescreen && c.Matches[0].EntryID == "99" {
				found = true
			}
		}
		if !found {
			t.Errorf("re-screen opened no case for the new entry: %+v", open)
		}
	})
}

func TestOrderParties(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		lists := &fakeLists{}
		s := New(d, lists, &nopAudit{}, Config{Recheck: time.Nanosecond})
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Type: "system"})
		// Before any list: the party is remembered for the re-screen.
		if err := s.screenOrderParty(ctx, screenPartyArgs{TenantID: "ten_a", Name: "Yusuf Abd al-Rahman", SourceRef: "ord_1"}); err != nil {
			t.Fatal(err)
		}
		lists.set(testEntries())
		if _, err := s.Rescreen(ctx); err != nil {
			t.Fatal(err)
		}
		cs, err := s.Cases(scoped("ten_a"), StatusOpen, 50, "")
		if err != nil || len(cs) != 1 || cs[0].SourceRef != "ord_1" || cs[0].Matches[0].EntryID != "4" {
			t.Fatalf("cases: %+v, %v", cs, err)
		}
		if err := s.screenOrderParty(ctx, screenPartyArgs{TenantID: "ten_b", Name: "Saddam Hussein", SourceRef: "ord_2"}); err != nil {
			t.Fatal(err)
		}
		cs, err = s.Cases(scoped("ten_b"), StatusOpen, 50, "")
		if err != nil || len(cs) != 1 || cs[0].Source != SourceOrder {
			t.Fatalf("tenant b cases: %+v, %v", cs, err)
		}
	})
}

func TestConsumeReadsOrders(t *testing.T) {
	t.Parallel()
	data, _ := json.Marshal(map[string]any{"id": "ord_9", "buyer": map[string]any{"name": "Li Wei", "country": "CN"},
		"ship_to": map[string]any{"name": "Li Wei", "country": "CN"}})
	s := New(nil, &fakeLists{}, &nopAudit{}, Config{})
	// Without a queue Consume only reads; it must not fail on any event.
	err := s.Consume(context.Background(), []events.Event{
		{Type: events.OrderCreated, TenantID: "ten_a", Data: json.RawMessage(data)},
		{Type: events.OrderUpdated, TenantID: "ten_a", Data: json.RawMessage(`{}`)},
		{Type: events.OrderCreated, TenantID: "ten_a", Data: json.RawMessage(`not json`)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPartyKey(t *testing.T) {
	t.Parallel()
	if a, b := PartyKey("Mr. Vladimir PUTIN"), PartyKey("putin, vladimir"); a != b || a == "" {
		t.Errorf("%q != %q", a, b)
	}
	if a, b := PartyKey("Acme Trading Co., Ltd."), PartyKey("ACME TRADING LIMITED"); a != b {
		t.Errorf("%q != %q", a, b)
	}
}
