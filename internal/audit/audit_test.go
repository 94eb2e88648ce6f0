package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// newLog returns a Log on d with a fresh key and a checkpoint file.
func newLog(t *testing.T, d *db.DB) *Log {
	t.Helper()
	dir := t.TempDir()
	s, _, err := LoadOrCreateSigner(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l := New(d, s, nil)
	l.CheckpointFile = filepath.Join(dir, CheckpointLogFile)
	return l
}

func asTenant(tenant string) context.Context {
	return WithActor(context.Background(), Actor{ID: "usr_" + tenant, Type: "user",
		Email: tenant + "@example.com", TenantID: tenant, SourceIP: "192.0.2.1"})
}

func recordN(t *testing.T, l *Log, ctx context.Context, n int, action string) {
	t.Helper()
	for i := range n {
		if err := l.Record(ctx, Event{Action: action, Resource: fmt.Sprintf("thing:%d", i),
			Change: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
}

func readChain(t *testing.T, d *db.DB, chain string) []Record {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Q(ctx).QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_events WHERE chain = $1 ORDER BY seq`, chain)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Q(context.Background()).QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// dropGuards does what an attacker with database access does first.
func dropGuards(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Engine() == db.Postgres {
		dbtest.MustExec(t, d, `DROP TRIGGER audit_events_guard ON audit_events`)
		dbtest.MustExec(t, d, `DROP TRIGGER audit_checkpoints_guard ON audit_checkpoints`)
		return
	}
	for _, tr := range []string{"audit_events_no_update", "audit_events_no_delete",
		"audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
		dbtest.MustExec(t, d, `DROP TRIGGER `+tr)
	}
}

// writeChain replaces a chain's stored records with rs, as an attacker
// rewriting the table would.
func writeChain(t *testing.T, d *db.DB, chain string, rs []Record) {
	t.Helper()
	dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1`, chain)
	for _, r := range rs {
		dbtest.MustExec(t, d, `INSERT INTO audit_events (`+recordColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			r.Chain, r.Seq, r.At, r.TenantID, r.Actor, r.ActorType, r.ActorEmail, r.Action, r.Resource,
			r.Outcome, r.RequestID, r.SourceIP, r.ChangeDigest, r.Detail, r.PrevHash, r.Hash)
	}
}

// relink recomputes hashes and links from index i on, as someone who has
// read this package would after editing a record.
func relink(rs []Record, i int) {
	for ; i < len(rs); i++ {
		if i == 0 {
			rs[i].PrevHash = genesis
		} else {
			rs[i].PrevHash = rs[i-1].Hash
		}
		rs[i].Hash = rs[i].computeHash()
	}
}

func setHead(t *testing.T, d *db.DB, chain string, r Record) {
	t.Helper()
	dbtest.MustExec(t, d, `UPDATE audit_heads SET seq = $2, hash = $3 WHERE chain = $1`, chain, r.Seq, r.Hash)
}

func TestRecordRollsBackWithItsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		ctx := asTenant("ten_a")
		boom := errors.New("boom")
		for _, tc := range []struct {
			name     string
			existing int // records committed before the rolled-back one
		}{
			{"new chain", 0},
			{"existing chain", 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				chain := "ten_" + strings.ReplaceAll(tc.name, " ", "_")
				ctx := WithActor(ctx, Actor{ID: "usr_1", Type: "user", TenantID: chain})
				recordN(t, l, ctx, tc.existing, "thing.create")
				err := d.InTx(ctx, func(ctx context.Context) error {
					if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO tenants (id, name, region, plan, created_at)
						VALUES ($1, 'x', 'eu', 'saas', $2)`, chain, time.Now().UTC()); err != nil {
						return err
					}
					if err := l.Record(ctx, Event{Action: "tenant.create", Resource: "tenant:" + chain}); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatalf("InTx: %v", err)
				}
				if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE chain = $1`, chain); n != int64(tc.existing) {
					t.Errorf("%d records, want %d", n, tc.existing)
				}
				if tc.existing == 0 {
					if n := count(t, d, `SELECT COUNT(*) FROM audit_heads WHERE chain = $1`, chain); n != 0 {
						t.Errorf("head row survived the rollback")
					}
				} else if n := count(t, d, `SELECT seq FROM audit_heads WHERE chain = $1`, chain); n != int64(tc.existing) {
					t.Errorf("head at %d, want %d", n, tc.existing)
				}
				// The next record takes the seq the rolled-back one had.
				recordN(t, l, ctx, 1, "thing.create")
				rs := readChain(t, d, chain)
				if got := rs[len(rs)-1].Seq; got != int64(tc.existing+1) {
					t.Errorf("next seq %d, want %d", got, tc.existing+1)
				}
			})
		}
		rep, err := l.Verify(context.Background())
		if err != nil || !rep.OK {
			t.Fatalf("Verify: %+v %v", rep, err)
		}
	})
}

func TestRecordChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		ctx := web.WithRequestID(asTenant("ten_a"), "req_0123456789")
		change := struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		}{"A <b>", "a@example.com"}
		events := []Event{
			{Action: "user.create", Resource: "user:usr_1", Change: change, Detail: "first"},
			{Action: "user.update", Resource: "user:usr_1", Outcome: OutcomeDenied},
			{Action: "tenant.suspend", Resource: "tenant:ten_a", TenantID: PlatformChain},
			{Action: "user.delete", Resource: "user:usr_1", TenantID: "ten_b"},
		}
		for _, e := range events {
			if err := l.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Record(ctx, Event{Resource: "x"}); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("event without action: %v", err)
		}
		if err := l.Record(ctx, Event{Action: "x", Outcome: "Not OK"}); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("bad outcome: %v", err)
		}
		if err := l.Record(context.Background(), Event{Action: "system.boot"}); err != nil {
			t.Fatal(err)
		}

		a := readChain(t, d, "ten_a")
		if len(a) != 2 {
			t.Fatalf("ten_a has %d records", len(a))
		}
		want := map[string]string{"name": "A <b>", "email": "a@example.com"}
		digest, _ := ChangeDigest(want)
		sum := sha256.Sum256([]byte(`{"email":"a@example.com","name":"A <b>"}`))
		if a[0].ChangeDigest != hex.EncodeToString(sum[:]) || digest != a[0].ChangeDigest {
			t.Errorf("change digest %s, want the SHA-256 of the canonical JSON", a[0].ChangeDigest)
		}
		r := a[0]
		if r.Seq != 1 || r.PrevHash != genesis || r.TenantID != "ten_a" || r.Actor != "usr_ten_a" ||
			r.ActorType != "user" || r.ActorEmail != "ten_a@example.com" || r.RequestID != "req_0123456789" ||
			r.SourceIP != "192.0.2.1" || r.Outcome != OutcomeSuccess || r.Detail != "first" {
			t.Errorf("first record %+v", r)
		}
		if a[1].Seq != 2 || a[1].PrevHash != a[0].Hash || a[1].Outcome != OutcomeDenied || a[1].ChangeDigest != "" {
			t.Errorf("second record %+v", a[1])
		}
		p := readChain(t, d, PlatformChain)
		if len(p) != 2 || p[0].TenantID != "" || p[0].Actor != "usr_ten_a" || p[1].Actor != "anonymous" {
			t.Errorf("platform chain %+v", p)
		}
		if b := readChain(t, d, "ten_b"); len(b) != 1 || b[0].TenantID != "ten_b" {
			t.Errorf("ten_b chain %+v", b)
		}
		rep, err := l.Verify(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || rep.Chains != 3 || rep.Records != 5 {
			t.Errorf("Verify: %+v", rep)
		}
	})
}

func TestTamperDetection(t *testing.T) {
	other, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := note.NewSigner(other)
	if err != nil {
		t.Fatal(err)
	}
	const chain = "ten_a"
	cases := []struct {
		name string
		// checkpoints: take a checkpoint after these many records.
		checkpoints []int
		tamper      func(t *testing.T, l *Log, d *db.DB, rs []Record)
		ok          bool
		code        string
		seq         int64
	}{
		{name: "intact", checkpoints: []int{5, 10}, tamper: func(*testing.T, *Log, *db.DB, []Record) {}, ok: true},
		{name: "edited record", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `UPDATE audit_events SET detail = 'nothing to see' WHERE chain = $1 AND seq = 4`, chain)
		}, code: CodeAltered, seq: 4},
		{name: "edited time", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs[6].At = rs[6].At.Add(-time.Hour)
			writeChain(t, d, chain, rs)
		}, code: CodeAltered, seq: 7},
		{name: "deleted record", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1 AND seq = 5`, chain)
		}, code: CodeMissing, seq: 5},
		{name: "deleted first records", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1 AND seq <= 3`, chain)
		}, code: CodeMissing, seq: 1},
		{name: "swapped records", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs[2], rs[3] = rs[3], rs[2]
			rs[2].Seq, rs[3].Seq = 3, 4
			writeChain(t, d, chain, rs)
		}, code: CodeAltered, seq: 3},
		{name: "swapped records rehashed", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs[2], rs[3] = rs[3], rs[2]
			rs[2].Seq, rs[3].Seq = 3, 4
			rs[2].Hash, rs[3].Hash = rs[2].computeHash(), rs[3].computeHash()
			writeChain(t, d, chain, rs)
		}, code: CodeBrokenLink, seq: 3},
		{name: "truncated tail", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1 AND seq >= 8`, chain)
		}, code: CodeTruncated, seq: 8},
		{name: "truncated tail and head moved back", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1 AND seq >= 8`, chain)
			setHead(t, d, chain, rs[6])
		}, code: CodeTruncated, seq: 8},
		{name: "head row deleted", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `DELETE FROM audit_heads WHERE chain = $1`, chain)
		}, code: CodeHeadMismatch, seq: 10},
		{name: "recomputed chain", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs[1].Detail = "rewritten"
			relink(rs, 1)
			writeChain(t, d, chain, rs)
			setHead(t, d, chain, rs[9])
		}, code: CodeCheckpointMismatch, seq: 10},
		{name: "recomputed chain, earlier checkpoint", checkpoints: []int{3, 6, 10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs[4].Outcome = OutcomeFailure
			relink(rs, 4)
			writeChain(t, d, chain, rs)
			setHead(t, d, chain, rs[9])
		}, code: CodeCheckpointMismatch, seq: 6},
		{name: "recomputed chain and checkpoints deleted", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			// The database alone cannot tell: this is the window the
			// off-host checkpoint copy exists for.
			rs[1].Detail = "rewritten"
			relink(rs, 1)
			writeChain(t, d, chain, rs)
			setHead(t, d, chain, rs[9])
			dbtest.MustExec(t, d, `DELETE FROM audit_checkpoints`)
		}, ok: true},
		{name: "recomputed and truncated behind a checkpoint", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			rs = rs[:6]
			relink(rs, 0)
			writeChain(t, d, chain, rs)
			setHead(t, d, chain, rs[5])
		}, code: CodeTruncated, seq: 7},
		{name: "forged checkpoint signature", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			var msg string
			if err := d.Writer().QueryRow(`SELECT note FROM audit_checkpoints`).Scan(&msg); err != nil {
				t.Fatal(err)
			}
			i := strings.LastIndex(msg, " ")
			forged := msg[:i+1] + strings.Repeat("A", len(msg)-i-2) + "\n"
			dbtest.MustExec(t, d, `UPDATE audit_checkpoints SET note = $1`, forged)
		}, code: CodeBadSignature, seq: 10},
		{name: "checkpoint by an untrusted key", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			c := checkpoint{Chain: chain, Seq: 5, Hash: rs[4].Hash, At: time.Now()}
			text, _ := c.text()
			msg, err := note.Sign(&note.Note{Text: text}, foreign)
			if err != nil {
				t.Fatal(err)
			}
			dbtest.MustExec(t, d, `INSERT INTO audit_checkpoints (chain, seq, hash, kind, at, note)
				VALUES ($1, 5, $2, 'checkpoint', $3, $4)`, chain, rs[4].Hash, time.Now().UTC(), string(msg))
		}, code: CodeBadSignature, seq: 5},
		{name: "checkpoint row moved", checkpoints: []int{10}, tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			dbtest.MustExec(t, d, `UPDATE audit_checkpoints SET seq = 9, hash = $1`, rs[8].Hash)
		}, code: CodeBadSignature, seq: 9},
		{name: "unsigned purge anchor", tamper: func(t *testing.T, l *Log, d *db.DB, rs []Record) {
			c := checkpoint{Chain: chain, Seq: 3, Hash: rs[2].Hash, At: time.Now(), PurgeBefore: time.Now()}
			text, _ := c.text()
			msg, _ := note.Sign(&note.Note{Text: text}, foreign)
			dbtest.MustExec(t, d, `INSERT INTO audit_checkpoints (chain, seq, hash, kind, at, note)
				VALUES ($1, 3, $2, 'purge', $3, $4)`, chain, rs[2].Hash, time.Now().UTC(), string(msg))
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = $1 AND seq <= 3`, chain)
		}, code: CodeMissing, seq: 1},
	}
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					d := dbtest.Open(t, e)
					l := newLog(t, d)
					ctx := asTenant(chain)
					done := 0
					for _, n := range tc.checkpoints {
						recordN(t, l, ctx, n-done, "thing.update")
						done = n
						if err := l.Checkpoint(context.Background()); err != nil {
							t.Fatal(err)
						}
					}
					recordN(t, l, ctx, 10-done, "thing.update")
					// An intact neighbour must stay intact.
					recordN(t, l, asTenant("ten_b"), 3, "thing.update")
					dropGuards(t, d)
					tc.tamper(t, l, d, readChain(t, d, chain))

					rep, err := l.Verify(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if rep.OK != tc.ok {
						t.Fatalf("OK = %v, want %v: %+v", rep.OK, tc.ok, rep)
					}
					if tc.ok {
						return
					}
					if rep.Chain != chain || rep.Code != tc.code || rep.Seq != tc.seq {
						t.Errorf("first bad record: chain %s seq %d %s (%s); want chain %s seq %d %s",
							rep.Chain, rep.Seq, rep.Code, rep.Reason, chain, tc.seq, tc.code)
					}
					if len(rep.Broken) != 1 {
						t.Errorf("broken chains %+v, want only %s", rep.Broken, chain)
					}
					one, err := l.VerifyChain(context.Background(), chain)
					if err != nil || one.OK || one.Seq != tc.seq {
						t.Errorf("VerifyChain: %+v %v", one, err)
					}
				})
			}
		})
	}
}

func TestConcurrentRecordsAreGapFree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		const workers, each = 16, 20
		chains := []string{"ten_a", "ten_b", ""}
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := WithActor(context.Background(), Actor{ID: fmt.Sprintf("usr_%d", w), Type: "user",
					TenantID: chains[w%len(chains)]})
				for i := range each {
					// Half the records join a transaction that also writes.
					var err error
					if i%2 == 0 {
						err = l.Record(ctx, Event{Action: "thing.create", Resource: fmt.Sprint(i)})
					} else {
						err = d.InTx(ctx, func(ctx context.Context) error {
							if err := l.Record(ctx, Event{Action: "thing.update", Resource: fmt.Sprint(i)}); err != nil {
								return err
							}
							return l.Record(ctx, Event{Action: "thing.audit", TenantID: PlatformChain})
						})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		// Checkpoints race the writers, as they do in production.
		stop := make(chan struct{})
		ckDone := make(chan error, 1)
		go func() {
			for {
				select {
				case <-stop:
					ckDone <- nil
					return
				default:
				}
				if err := l.Checkpoint(context.Background()); err != nil {
					ckDone <- err
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		wg.Wait()
		close(stop)
		if err := <-ckDone; err != nil {
			t.Fatalf("Checkpoint: %v", err)
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total := int64(0)
		for _, c := range []string{"ten_a", "ten_b", PlatformChain} {
			n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE chain = $1`, c)
			maxSeq := count(t, d, `SELECT MAX(seq) FROM audit_events WHERE chain = $1`, c)
			head := count(t, d, `SELECT seq FROM audit_heads WHERE chain = $1`, c)
			if n != maxSeq || head != n {
				t.Errorf("chain %s: %d records, max seq %d, head %d", c, n, maxSeq, head)
			}
			total += n
		}
		if want := int64(workers*each + workers*each/2); total != want {
			t.Errorf("%d records, want %d", total, want)
		}
		rep, err := l.Verify(context.Background())
		if err != nil || !rep.OK || rep.Records != total {
			t.Fatalf("Verify: %+v %v", rep, err)
		}
	})
}

func TestCheckpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		s, v, err := LoadOrCreateSigner(dir, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		l := New(d, s, nil)
		l.CheckpointFile = filepath.Join(dir, CheckpointLogFile)
		ctx := context.Background()

		if err := New(d, nil, nil).Checkpoint(ctx); !errors.Is(err, ErrNoSigner) {
			t.Errorf("Checkpoint without a key: %v", err)
		}
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatalf("Checkpoint of an empty log: %v", err)
		}
		recordN(t, l, asTenant("ten_a"), 3, "thing.create")
		recordN(t, l, asTenant(""), 2, "thing.create")

		steps := []struct {
			name   string
			record string // chain to add one record to first, "-" for none
			want   map[string]int64
		}{
			{"first checkpoint signs every chain", "-", map[string]int64{"ten_a": 3, PlatformChain: 2}},
			{"nothing new, nothing signed", "-", map[string]int64{}},
			{"only the chain that moved", "ten_a", map[string]int64{"ten_a": 4}},
		}
		var fileNotes int
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if st.record != "-" {
					recordN(t, l, asTenant(st.record), 1, "thing.update")
				}
				before := count(t, d, `SELECT COALESCE(MAX(id), 0) FROM audit_checkpoints`)
				if err := l.Checkpoint(ctx); err != nil {
					t.Fatal(err)
				}
				rows, err := d.Q(ctx).QueryContext(ctx, `SELECT chain, seq, hash, note FROM audit_checkpoints WHERE id > $1`, before)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				got := map[string]int64{}
				for rows.Next() {
					var chain, hash, msg string
					var seq int64
					if err := rows.Scan(&chain, &seq, &hash, &msg); err != nil {
						t.Fatal(err)
					}
					got[chain] = seq
					n, err := note.Open([]byte(msg), note.VerifierList(v))
					if err != nil {
						t.Fatalf("checkpoint does not verify: %v\n%s", err, msg)
					}
					c, err := parseCheckpoint(n.Text)
					if err != nil || c.Chain != chain || c.Seq != seq || c.Hash != hash {
						t.Errorf("note %q says %+v", n.Text, c)
					}
					if h := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE chain = $1 AND seq = $2 AND hash = $3`, chain, seq, hash); h != 1 {
						t.Errorf("checkpoint of %s at %d does not match the record", chain, seq)
					}
				}
				if len(got) != len(st.want) {
					t.Fatalf("signed %v, want %v", got, st.want)
				}
				for c, seq := range st.want {
					if got[c] != seq {
						t.Errorf("signed %v, want %v", got, st.want)
					}
				}
				fileNotes += len(got)
				b, err := os.ReadFile(l.CheckpointFile)
				if err != nil && fileNotes > 0 {
					t.Fatal(err)
				}
				if n := strings.Count(string(b), "\n— "+KeyName+" "); n != fileNotes {
					t.Errorf("checkpoint file holds %d notes, want %d", n, fileNotes)
				}
			})
		}

		t.Run("tampered tail is not signed", func(t *testing.T) {
			recordN(t, l, asTenant("ten_a"), 2, "thing.update")
			recordN(t, l, asTenant("ten_b"), 2, "thing.update")
			dropGuards(t, d)
			dbtest.MustExec(t, d, `UPDATE audit_events SET detail = 'x' WHERE chain = 'ten_a' AND seq = 5`)
			err := l.Checkpoint(ctx)
			if err == nil || !strings.Contains(err.Error(), "ten_a") {
				t.Fatalf("Checkpoint over a tampered tail: %v", err)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_checkpoints WHERE chain = 'ten_a' AND seq > 4`); n != 0 {
				t.Errorf("tampered tail was signed")
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_checkpoints WHERE chain = 'ten_b'`); n != 1 {
				t.Errorf("intact chain not signed")
			}
		})
	})
}

func TestLoadOrCreateSigner(t *testing.T) {
	noEnv := func(string) string { return "" }
	t.Run("generated once, then reused", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		s1, _, err := LoadOrCreateSigner(dir, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(dir, KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
		}
		pub, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		pv, err := note.NewVerifier(strings.TrimSpace(string(pub)))
		if err != nil {
			t.Fatal(err)
		}
		_, v2, err := LoadOrCreateSigner(dir, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: "hello\n"}, s1)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []note.Verifier{v2, pv} {
			if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
				t.Errorf("reloaded key does not verify: %v", err)
			}
		}
	})
	skey, vkey, _ := note.GenerateKey(rand.Reader, "ops-audit")
	for _, tc := range []struct {
		name    string
		env     string
		mode    os.FileMode // of a key file written first; 0 for none
		wantErr string
	}{
		{name: "key from the environment", env: skey},
		{name: "malformed key in the environment", env: "PRIVATE+KEY+nope", wantErr: EnvSigningKey},
		{name: "key file readable by others", mode: 0o644, wantErr: "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.mode != 0 {
				other, _, _ := note.GenerateKey(rand.Reader, KeyName)
				if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(other), tc.mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(filepath.Join(dir, KeyFile), tc.mode)
			}
			s, v, err := LoadOrCreateSigner(dir, func(k string) string {
				if k == EnvSigningKey {
					return tc.env
				}
				return ""
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "PRIVATE") {
					t.Errorf("error repeats the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Name() != "ops-audit" || v.Name() != "ops-audit" {
				t.Errorf("key names %s / %s", s.Name(), v.Name())
			}
			msg, _ := note.Sign(&note.Note{Text: "x\n"}, s)
			ev, _ := note.NewVerifier(vkey)
			if _, err := note.Open(msg, note.VerifierList(ev)); err != nil {
				t.Errorf("environment key does not verify: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
				t.Errorf("a key file was written although the environment supplied one")
			}
		})
	}
}

func TestRunCheckpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			l.RunCheckpoints(ctx, time.Hour, 5)
			close(done)
		}()
		waitFor := func(what string, cond func() bool) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s", what)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// The loop arms its threshold when it starts.
		waitFor("the loop to start", func() bool { return l.threshold.Load() == 5 })
		recordN(t, l, asTenant("ten_a"), 5, "thing.create")
		waitFor("a checkpoint after 5 records", func() bool {
			return count(t, d, `SELECT COUNT(*) FROM audit_checkpoints WHERE chain = 'ten_a' AND seq = 5`) == 1
		})
		recordN(t, l, asTenant("ten_a"), 2, "thing.create")
		time.Sleep(50 * time.Millisecond)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_checkpoints WHERE seq = 7`); n != 0 {
			t.Errorf("checkpointed before the threshold or the interval")
		}
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("RunCheckpoints did not stop")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_checkpoints WHERE chain = 'ten_a' AND seq = 7`); n != 1 {
			t.Errorf("no final checkpoint on shutdown")
		}
	})
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		ctx := context.Background()
		realNow := time.Now()
		clock := realNow.Add(-400 * 24 * time.Hour)
		l.now = func() time.Time { clock = clock.Add(time.Minute); return clock }

		recordN(t, l, asTenant("ten_a"), 5, "old.thing")
		recordN(t, l, asTenant("ten_b"), 2, "old.thing")
		recordN(t, l, asTenant("ten_c"), 3, "old.thing")
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		clock = realNow.Add(-10 * 24 * time.Hour)
		recordN(t, l, asTenant("ten_a"), 3, "new.thing")
		recordN(t, l, asTenant("ten_c"), 1, "new.thing")
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		l.now = time.Now

		for _, tc := range []struct {
			name   string
			before time.Time
		}{
			{"yesterday", realNow.Add(-24 * time.Hour)},
			{"179 days ago", realNow.Add(-179 * 24 * time.Hour)},
			{"one minute short of 180 days", realNow.Add(-MinRetention + time.Minute)},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				if _, err := l.Purge(ctx, tc.before); !errors.Is(err, ErrRetention) {
					t.Fatalf("Purge(%s) = %v, want ErrRetention", tc.before, err)
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events`); n != 14 {
			t.Fatalf("a refused purge removed records: %d left", n)
		}
		if _, err := New(d, nil, nil).Purge(ctx, realNow.Add(-200*24*time.Hour)); !errors.Is(err, ErrNoSigner) {
			t.Errorf("Purge without a key: %v", err)
		}

		removed, err := l.Purge(ctx, realNow.Add(-200*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if removed != 10 {
			t.Errorf("removed %d records, want 10", removed)
		}
		for chain, want := range map[string][]int64{"ten_a": {6, 7, 8}, "ten_b": nil, "ten_c": {4}} {
			var got []int64
			for _, r := range readChain(t, d, chain) {
				got = append(got, r.Seq)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("chain %s keeps %v, want %v", chain, got, want)
			}
		}
		p := readChain(t, d, PlatformChain)
		if len(p) != 1 || p[0].Action != "audit.purge" || !strings.Contains(p[0].Detail, "10 records") {
			t.Errorf("purge not recorded: %+v", p)
		}
		rep, err := l.Verify(ctx)
		if err != nil || !rep.OK {
			t.Fatalf("Verify after purge: %+v %v", rep, err)
		}
		// Chains carry on from where the purge left them.
		recordN(t, l, asTenant("ten_b"), 1, "new.thing")
		if b := readChain(t, d, "ten_b"); len(b) != 1 || b[0].Seq != 3 {
			t.Errorf("ten_b after purge: %+v", b)
		}
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		if rep, err := l.Verify(ctx); err != nil || !rep.OK {
			t.Fatalf("Verify after purge and more records: %+v %v", rep, err)
		}
		if n, err := l.Purge(ctx, realNow.Add(-200*24*time.Hour)); err != nil || n != 0 {
			t.Errorf("second purge: %d %v", n, err)
		}

		t.Run("deleting old records without a purge is caught", func(t *testing.T) {
			d := dbtest.Open(t, d.Engine())
			l := newLog(t, d)
			clock := realNow.Add(-300 * 24 * time.Hour)
			l.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
			recordN(t, l, asTenant("ten_a"), 4, "old.thing")
			l.now = time.Now
			recordN(t, l, asTenant("ten_a"), 2, "new.thing")
			// Old enough that the trigger lets it through.
			dbtest.MustExec(t, d, `DELETE FROM audit_events WHERE chain = 'ten_a' AND seq <= 4`)
			rep, err := l.Verify(ctx)
			if err != nil || rep.OK || rep.Code != CodeMissing || rep.Seq != 1 {
				t.Fatalf("Verify: %+v %v", rep, err)
			}
			if _, err := l.Purge(ctx, realNow.Add(-200*24*time.Hour)); err != nil {
				t.Fatalf("purge with nothing old left: %v", err)
			}
		})

		t.Run("a broken chain is not purged", func(t *testing.T) {
			d := dbtest.Open(t, d.Engine())
			l := newLog(t, d)
			clock := realNow.Add(-300 * 24 * time.Hour)
			l.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
			recordN(t, l, asTenant("ten_a"), 4, "old.thing")
			l.now = time.Now
			dropGuards(t, d)
			dbtest.MustExec(t, d, `UPDATE audit_events SET detail = 'x' WHERE chain = 'ten_a' AND seq = 2`)
			if _, err := l.Purge(ctx, realNow.Add(-200*24*time.Hour)); !errors.Is(err, ErrBroken) {
				t.Fatalf("Purge over a broken chain: %v", err)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_events`); n != 4 {
				t.Errorf("%d records left, want 4", n)
			}
		})
	})
}

func TestTriggersGuardRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		recordN(t, l, asTenant("ten_a"), 2, "thing.create")
		if err := l.Checkpoint(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE audit_events SET detail = 'x'`,
			`DELETE FROM audit_events`,
			`UPDATE audit_checkpoints SET note = 'x'`,
			`DELETE FROM audit_checkpoints`,
		} {
			if _, err := d.Writer().Exec(q); err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
	})
}

func TestChangeDigestIsCanonical(t *testing.T) {
	type pair struct {
		B int    `json:"b"`
		A string `json:"a"`
	}
	for _, tc := range []struct {
		name string
		a, b any
		same bool
	}{
		{"struct and map", pair{1, "<x>"}, map[string]any{"a": "<x>", "b": 1}, true},
		{"raw JSON with spaces", pair{1, "<x>"}, json.RawMessage(`{ "b": 1.0e0, "a": "<x>" }`), false},
		{"raw JSON, same text", pair{1, "<x>"}, json.RawMessage(` { "b": 1, "a": "\u003cx>" }`), true},
		{"different values", pair{1, "x"}, pair{2, "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			da, err := ChangeDigest(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			dbb, err := ChangeDigest(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if (da == dbb) != tc.same {
				t.Errorf("digests %s and %s: same = %v, want %v", da, dbb, da == dbb, tc.same)
			}
		})
	}
	if d, _ := ChangeDigest(nil); d != "" {
		t.Errorf("nil change digest %q", d)
	}
}

// TestLanes spreads one tenant's concurrent writers over several chains
// on PostgreSQL: every lane is a gap-free chain of its own, the tenant's
// verification walks them all, and an edit in any lane is found.
func TestLanes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		l.SpreadLanes(4)
		ctx := WithActor(context.Background(), Actor{ID: "usr_1", Type: "user", TenantID: "ten_lanes"})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					if err := d.InTx(ctx, func(ctx context.Context) error {
						// Two records in one transaction stay in one lane.
						if err := l.Record(ctx, Event{Action: "thing.create", Resource: "thing:1"}); err != nil {
							return err
						}
						return l.Record(ctx, Event{Action: "thing.update", Resource: "thing:1"})
					}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		chains := map[string]int64{}
		rows, err := d.Q(ctx).QueryContext(ctx, `SELECT chain, COUNT(*), MAX(seq) FROM audit_events WHERE tenant_id = 'ten_lanes' GROUP BY chain`)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for rows.Next() {
			var c string
			var n, max int64
			if err := rows.Scan(&c, &n, &max); err != nil {
				t.Fatal(err)
			}
			if n != max || n%2 != 0 {
				t.Errorf("chain %s: %d records up to seq %d", c, n, max)
			}
			if c != "ten_lanes" && !strings.HasPrefix(c, "ten_lanes"+laneSep) {
				t.Errorf("chain %q is not a lane of the tenant", c)
			}
			chains[c] = n
			total += n
		}
		rows.Close()
		if total != 160 {
			t.Fatalf("%d records, want 160", total)
		}
		wantLanes := 1
		if d.Engine() == db.Postgres {
			wantLanes = 2 // at least: eight writers over four lanes
		}
		if len(chains) < wantLanes || len(chains) > 4 {
			t.Errorf("%d chains: %v", len(chains), chains)
		}
		rep, err := l.VerifyChain(ctx, "ten_lanes")
		if err != nil || !rep.OK || rep.Records != 160 || rep.Chains != len(chains) {
			t.Fatalf("VerifyChain: %+v %v", rep, err)
		}
		// Tamper with the last lane found: the tenant's verification sees it.
		var victim string
		for c := range chains {
			victim = max(victim, c)
		}
		dropGuards(t, d)
		dbtest.MustExec(t, d, `UPDATE audit_events SET resource = 'thing:2' WHERE chain = $1 AND seq = 1`, victim)
		if rep, err := l.VerifyChain(ctx, "ten_lanes"); err != nil || rep.OK || rep.Chain != victim {
			t.Fatalf("tampered lane %s not found: %+v %v", victim, rep, err)
		}
	})
}

// TestRecordCaptured records events captured in different requests (other
// actors, other tenants) in one transaction: each keeps its own actor and
// request, each chain advances once by all of its records, in order, and
// the trail verifies — also across more records than one INSERT carries.
func TestRecordCaptured(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := newLog(t, d)
		recordN(t, l, asTenant("ten_a"), 2, "before")
		var ps []Captured
		for i := range recordsPerInsert + 30 {
			tenant := []string{"ten_a", "ten_b"}[i%2]
			rctx := web.WithRequestID(asTenant(fmt.Sprintf("%s_%d", tenant, i%3)), fmt.Sprintf("req_%d", i))
			p, err := Capture(rctx, Event{Action: "batched", TenantID: tenant, Resource: fmt.Sprintf("thing:%d", i),
				Change: map[string]any{"i": i}})
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error { return l.RecordCaptured(ctx, ps) }); err != nil {
			t.Fatal(err)
		}
		a := readChain(t, d, "ten_a")
		if len(a) != 2+(recordsPerInsert+30)/2 {
			t.Fatalf("chain ten_a holds %d records", len(a))
		}
		for i, r := range a[2:] {
			n := 2 * i
			if r.Resource != fmt.Sprintf("thing:%d", n) || r.RequestID != fmt.Sprintf("req_%d", n) ||
				r.Actor != fmt.Sprintf("usr_ten_a_%d", n%3) || r.Seq != int64(i+3) || r.PrevHash != a[i+1].Hash {
				t.Fatalf("record %d of ten_a: %+v", i+2, r)
			}
		}
		rep, err := l.Verify(ctx)
		if err != nil || !rep.OK || rep.Records != int64(len(ps)+2) {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		// Rolled back with its transaction: nothing kept, heads unmoved.
		boom := errors.New("boom")
		if err := d.InTx(ctx, func(ctx context.Context) error {
			if err := l.RecordCaptured(ctx, ps[:3]); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if rep, err := l.Verify(ctx); err != nil || !rep.OK || rep.Records != int64(len(ps)+2) {
			t.Fatalf("after rollback: %+v %v", rep, err)
		}
	})
}

// TestChangeDigestJSON shows that digesting a change already encoded
// (without HTML escaping, in another key order, with spaces) gives the
// digest of the value itself.
func TestChangeDigestJSON(t *testing.T) {
	v := map[string]any{"b": []any{1.5, "x<y & z", nil}, "a": map[string]any{"z": true, "k": "é\u2028"}, "n": 10}
	want, err := ChangeDigest(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		`{"n":10,"a":{"k":"é\u2028","z":true},"b":[1.5,"x<y & z",null]}`,
		"{ \"b\" : [1.5, \"x\\u003cy \\u0026 z\", null], \"a\": {\"z\": true, \"k\": \"\\u00e9\u2028\"}, \"n\": 10 }",
	} {
		got, err := ChangeDigestJSON([]byte(raw))
		if err != nil || got != want {
			t.Errorf("ChangeDigestJSON(%s) = %s, %v; want %s", raw, got, err, want)
		}
	}
	if _, err := ChangeDigestJSON([]byte(`{"a":`)); err == nil {
		t.Error("malformed JSON digested")
	}
}

// TestRecordCapturedTwice records the same captured events in two
// transactions (a caller retrying after its first transaction failed): the
// second time they land on their tenant's chain (a lane of it on
// PostgreSQL) exactly as the first, never on a lane of a lane.
func TestRecordCapturedTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := newLog(t, d)
		l.SpreadLanes(Lanes)
		p, err := Capture(asTenant("ten_twice"), Event{Action: "twice", Resource: "thing:1"})
		if err != nil {
			t.Fatal(err)
		}
		ps := []Captured{p}
		for range 2 {
			if err := d.InTx(ctx, func(ctx context.Context) error { return l.RecordCaptured(ctx, ps) }); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := d.Q(ctx).QueryContext(ctx, `SELECT DISTINCT chain FROM audit_events WHERE tenant_id = 'ten_twice'`)
		if err != nil {
			t.Fatal(err)
		}
		chains, err := db.Collect(rows, db.ScanString)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chains {
			if c != "ten_twice" && !strings.HasPrefix(c, "ten_twice"+laneSep) || strings.Count(c, laneSep) > 1 {
				t.Errorf("record on chain %q", c)
			}
		}
		if rep, err := l.Verify(ctx); err != nil || !rep.OK || rep.Records != 2 {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}
