package screening

import (
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// TestPartyCase checks the case lookup the order page uses: found in any
// spelling of the party's name, in the party's tenant only.
func TestPartyCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		lists := &fakeLists{}
		lists.set(testEntries())
		s := New(d, lists, &nopAudit{}, Config{Recheck: time.Nanosecond})
		a, b := scoped("ten_a"), scoped("ten_b")
		r, err := s.Screen(a, Request{Name: "Vladimir Putin", Type: "person"})
		if err != nil || r.CaseID == "" {
			t.Fatalf("screen: %+v, %v", r, err)
		}
		for _, tc := range []struct {
			name   string
			ctx    string
			party  string
			wantOK bool
		}{
			{"same spelling", "a", "Vladimir Putin", true},
			{"other spelling", "a", "PUTIN, Vladimir", true},
			{"no case", "a", "Emma Schneider", false},
			{"other tenant", "b", "Vladimir Putin", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := a
				if tc.ctx == "b" {
					ctx = b
				}
				c, ok, err := s.PartyCase(ctx, tc.party)
				if err != nil || ok != tc.wantOK || (ok && (c.ID != r.CaseID || c.Status != StatusOpen)) {
					t.Errorf("PartyCase(%q) = %s %s, %v, %v", tc.party, c.ID, c.Status, ok, err)
				}
			})
		}
	})
}
