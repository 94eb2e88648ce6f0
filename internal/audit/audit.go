package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// PlatformChain is the chain of actions that belong to no tenant: platform
// staff, the system itself, sign-ins that never reached a tenant.
const PlatformChain = "_platform"

// Outcomes in common use. Record accepts any short lower-case word; these
// keep the common ones spelt alike across domains.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// genesis is the prev_hash of the first record of every chain.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Limits on what one record may carry. They keep a record small enough to
// list and hash cheaply; the full change belongs to the domain's own tables.
const (
	maxWord   = 64
	maxText   = 512
	maxDetail = 2000
)

// Event is what a domain asks to be recorded. The actor, time, request id
// and source address come from ctx, never from the caller, so a domain
// cannot misattribute its own writes.
type Event struct {
	// Action is a dotted verb, domain first: "identity.sign_in",
	// "settlement.payout.approve".
	Action string
	// Resource names the object acted on: "user:usr_…", "order:ord_…".
	Resource string
	// Outcome is "success" when empty.
	Outcome string
	// TenantID defaults to the actor's tenant; platform actions with no
	// tenant go to the platform chain.
	TenantID string
	// Change is the change itself (the new value, or a before/after pair).
	// Only its digest is kept: the log must not become a second copy of
	// personal data that outlives its erasure, yet whoever holds the change
	// can prove it is the one recorded.
	Change any
	// ChangeDigest, when set, is ChangeDigest(Change) computed by the
	// caller beforehand: hashing is CPU work best done before the write
	// transaction starts, which on SQLite holds the only writer.
	ChangeDigest string
	// Detail is a short free-text note for humans.
	Detail string
}

// Record is one stored audit record.
type Record struct {
	Chain        string    `json:"chain"`
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	TenantID     string    `json:"tenant_id"`
	Actor        string    `json:"actor"`
	ActorType    string    `json:"actor_type"`
	ActorEmail   string    `json:"actor_email,omitempty"`
	Action       string    `json:"action"`
	Resource     string    `json:"resource"`
	Outcome      string    `json:"outcome"`
	RequestID    string    `json:"request_id"`
	SourceIP     string    `json:"source_ip"`
	ChangeDigest string    `json:"change_digest"`
	Detail       string    `json:"detail,omitempty"`
	Hash         string    `json:"hash"`
	PrevHash     string    `json:"prev_hash"`
}

// Log is the audit trail. It is safe for concurrent use.
type Log struct {
	// CheckpointFile, when set, receives a copy of every checkpoint and
	// purge anchor, appended as signed notes. Set it before first use.
	// It exists to be shipped off the host: a copy the database's owner
	// cannot rewrite is what makes a recomputed chain detectable even if
	// the checkpoint rows are deleted too.
	CheckpointFile string
	// Trusted lists further keys whose signatures Verify accepts, such as
	// keys retired by a rotation. Set it before first use.
	Trusted []note.Verifier

	db     *db.DB
	signer note.Signer
	own    note.Verifier
	log    *slog.Logger
	now    func() time.Time

	// pending counts records since the last checkpoint; kick wakes the
	// checkpoint loop when it passes the threshold.
	pending   atomic.Int64
	threshold atomic.Int64
	kick      chan struct{}
	// ckpt serialises checkpoints and purges in this process so that two
	// never sign the same head twice or race a file append.
	ckpt sync.Mutex
	file sync.Mutex

	// lanes is how many chains a tenant's records are spread over (see
	// laneOf); seed hashes a transaction to its lane.
	lanes uint64
	seed  maphash.Seed
	// inserts holds the multi-row INSERT statements by row count.
	inserts sync.Map
}

// Lanes is how many parallel chains carry one tenant's records on
// PostgreSQL. Each append locks its chain's head until commit; with one
// chain per tenant, a tenant's writes would commit one at a time however
// many connections serve them. SQLite has a single writer and gains
// nothing, so it keeps one chain.
const Lanes = 8

// SpreadLanes spreads each tenant's records over n chains (at most 64)
// on PostgreSQL; SQLite keeps one. Call it before first use.
func (l *Log) SpreadLanes(n int) {
	if l.db.Engine() == db.Postgres && n > 1 {
		l.lanes = uint64(min(n, 64))
	}
}

// laneSep joins a tenant's chain name and a lane number: lane 0 is the
// tenant's id itself, lane k the id, "~" and k.
const laneSep = "~"

// New returns the audit log stored in d. signer signs checkpoints and purge
// anchors; it may be nil where nothing will be signed (Record and List work,
// Checkpoint and Purge refuse). When signer also verifies, as the key
// LoadOrCreateSigner returns does, Verify trusts its signatures.
func New(d *db.DB, signer note.Signer, logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{db: d, signer: signer, log: logger, now: time.Now, kick: make(chan struct{}, 1), lanes: 1,
		seed: maphash.MakeSeed()}
	if v, ok := signer.(note.Verifier); ok {
		l.own = v
	}
	return l
}

// ErrInvalidEvent is returned by Record for an event it cannot store.
var ErrInvalidEvent = errors.New("audit: invalid event")

// Record appends e to its tenant's chain inside the transaction carried by
// ctx (or a transaction of its own), so the record commits or rolls back
// with the change it describes. Callers must therefore call Record before
// their transaction commits, with the same ctx.
//
// On PostgreSQL the chain head is locked until the transaction ends, so a
// long transaction that records early delays other writers of the same
// tenant: record last.
func (l *Log) Record(ctx context.Context, e Event) error {
	p, err := Capture(ctx, e)
	if err != nil {
		return err
	}
	return l.RecordCaptured(ctx, []Captured{p})
}

// Captured is an event bound to the request that caused it — its actor,
// request id and source address — ready to be recorded later, in a
// transaction shared with other requests' records (a batched writer's).
type Captured struct {
	r Record
}

// Capture binds e to the actor and request in ctx. Like Record it marks
// the request as audited.
func Capture(ctx context.Context, e Event) (Captured, error) {
	a := ActorFrom(ctx)
	tenant := e.TenantID
	if tenant == "" {
		tenant = a.TenantID
	}
	chain := tenant
	if chain == "" {
		chain = PlatformChain
	}
	if tenant == PlatformChain {
		tenant = ""
	}
	outcome := e.Outcome
	if outcome == "" {
		outcome = OutcomeSuccess
	}
	if err := checkEvent(e, outcome, tenant); err != nil {
		return Captured{}, err
	}
	// Tells the request pipeline this write has its record, so it does not
	// add a generic one (see web.Router.AfterWrite). If the transaction
	// rolls back, the request fails and the mark is moot.
	web.MarkAudited(ctx)
	digest := e.ChangeDigest
	if digest == "" {
		var err error
		if digest, err = ChangeDigest(e.Change); err != nil {
			return Captured{}, fmt.Errorf("audit: %s: %w", e.Action, err)
		}
	}
	r := Record{
		Chain:        chain,
		TenantID:     tenant,
		Actor:        clean(a.ID, maxText),
		ActorType:    clean(a.Type, maxWord),
		ActorEmail:   clean(a.Email, maxText),
		Action:       e.Action,
		Resource:     clean(e.Resource, maxText),
		Outcome:      outcome,
		RequestID:    clean(web.RequestID(ctx), maxText),
		SourceIP:     clean(a.SourceIP, maxWord),
		ChangeDigest: digest,
		Detail:       clean(e.Detail, maxDetail),
	}
	if r.Actor == "" {
		r.Actor, r.ActorType = "anonymous", "anonymous"
	}
	return Captured{r: r}, nil
}

// Batcher is what Log offers beyond Record: records captured in their own
// requests, written together in one transaction.
type Batcher interface {
	RecordCaptured(ctx context.Context, ps []Captured) error
}

// RecordAll records es, all by the actor in ctx, in ctx's transaction:
// in one batch when rec is a Batcher (the Log), else one by one.
func RecordAll(ctx context.Context, rec interface {
	Record(ctx context.Context, e Event) error
}, es []Event) error {
	b, ok := rec.(Batcher)
	if !ok {
		for _, e := range es {
			if err := rec.Record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	ps := make([]Captured, len(es))
	for i, e := range es {
		var err error
		if ps[i], err = Capture(ctx, e); err != nil {
			return err
		}
	}
	return b.RecordCaptured(ctx, ps)
}

// recordsPerInsert bounds one multi-row INSERT of audit records (16
// parameters each).
const recordsPerInsert = 100

// RecordCaptured appends the captured events, in order, inside the
// transaction carried by ctx (or one of its own). Each chain's head is
// locked and advanced once however many records it receives; chains are
// locked in name order, so two batches never wait on each other in a
// cycle.
func (l *Log) RecordCaptured(ctx context.Context, ps []Captured) error {
	if len(ps) == 0 {
		return nil
	}
	// Linking fills in each record's chain, sequence and hashes: it works
	// on copies, so that what the caller holds can be recorded again (in
	// another transaction, after this one failed).
	rs := make([]Record, len(ps))
	for i := range ps {
		rs[i] = ps[i].r
	}
	err := l.db.InTx(ctx, func(ctx context.Context) error {
		byChain := make(map[string][]*Record)
		for i := range rs {
			r := &rs[i]
			byChain[r.Chain] = append(byChain[r.Chain], r)
		}
		chains := make([]string, 0, len(byChain))
		for c := range byChain {
			chains = append(chains, c)
		}
		slices.Sort(chains)
		for _, c := range chains {
			if err := l.appendChain(ctx, l.laneOf(ctx, c), byChain[c]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n := l.pending.Add(int64(len(ps))); n >= l.threshold.Load() && l.threshold.Load() > 0 {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// appendChain links rs onto chain under its head lock and stores them.
func (l *Log) appendChain(ctx context.Context, chain string, rs []*Record) error {
	q := l.db.Q(ctx)
	// The head is created on a chain's first record only: creating it on
	// every append would make each writer wait twice for the one before it
	// (the insert's conflict check, then the lock).
	var (
		head int64
		prev string
	)
	err := q.QueryRowContext(ctx, l.lockHead(), chain).Scan(&head, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := q.ExecContext(ctx, `INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2)
			ON CONFLICT (chain) DO NOTHING`, chain, genesis); err != nil {
			return fmt.Errorf("audit: create head of %s: %w", chain, err)
		}
		err = q.QueryRowContext(ctx, l.lockHead(), chain).Scan(&head, &prev)
	}
	if err != nil {
		return fmt.Errorf("audit: lock head of %s: %w", chain, err)
	}
	// The time is taken under the head lock so that it never runs backwards
	// along a chain written by one node.
	at := stamp(l.now())
	for _, r := range rs {
		head++
		r.Chain, r.Seq, r.At, r.PrevHash = chain, head, at, prev
		r.Hash = r.computeHash()
		prev = r.Hash
	}
	for rest := rs; len(rest) > 0; {
		n := min(len(rest), recordsPerInsert)
		args := make([]any, 0, n*16)
		for _, r := range rest[:n] {
			args = append(args, r.Chain, r.Seq, r.At, r.TenantID, r.Actor, r.ActorType, r.ActorEmail, r.Action,
				r.Resource, r.Outcome, r.RequestID, r.SourceIP, r.ChangeDigest, r.Detail, r.PrevHash, r.Hash)
		}
		if _, err := q.ExecContext(ctx, l.insertSQL(n), args...); err != nil {
			return fmt.Errorf("audit: append to %s: %w", chain, err)
		}
		rest = rest[n:]
	}
	if _, err := q.ExecContext(ctx, `UPDATE audit_heads SET seq = $2, hash = $3 WHERE chain = $1`,
		chain, head, prev); err != nil {
		return fmt.Errorf("audit: advance head of %s: %w", chain, err)
	}
	return nil
}

// insertSQL is the INSERT of n records, kept once built: the single-row
// one is by far the most used.
func (l *Log) insertSQL(n int) string {
	if s, ok := l.inserts.Load(n); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_events (chain, seq, at, tenant_id, actor, actor_type, actor_email, action,
		resource, outcome, request_id, source_ip, change_digest, detail, prev_hash, hash) VALUES `)
	l.db.ValuesList(&b, n, 16, 1)
	s := b.String()
	l.inserts.Store(n, s)
	return s
}

// laneOf picks the lane of chain that the transaction in ctx appends to.
// A transaction always hashes to the same lane, so it never holds two
// lanes of one chain and two transactions cannot deadlock over them;
// concurrent transactions spread over the lanes and commit in parallel.
// Each lane is a complete hash chain of its own, verified and
// checkpointed like any other.
func (l *Log) laneOf(ctx context.Context, chain string) string {
	if l.lanes <= 1 {
		return chain
	}
	tx, ok := db.Tx(ctx)
	if !ok {
		return chain
	}
	if k := maphash.Comparable(l.seed, tx) % l.lanes; k > 0 {
		return chain + laneSep + strconv.FormatUint(k, 10)
	}
	return chain
}

// lockHead reads a chain head and, on PostgreSQL, locks it until the
// transaction ends. SQLite needs no lock: its transactions are immediate,
// so the single writer already excludes every other append.
func (l *Log) lockHead() string {
	if l.db.Engine() == db.Postgres {
		return `SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE`
	}
	return `SELECT seq, hash FROM audit_heads WHERE chain = $1`
}

func checkEvent(e Event, outcome, tenant string) error {
	var bad []string
	if e.Action == "" || len(e.Action) > maxText || !printable(e.Action) {
		bad = append(bad, "action")
	}
	if !word(outcome) {
		bad = append(bad, "outcome")
	}
	if len(tenant) > maxText || !printable(tenant) {
		bad = append(bad, "tenant")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidEvent, strings.Join(bad, ", "))
	}
	return nil
}

// word reports whether s is a short lower-case token such as an outcome.
func word(s string) bool {
	if s == "" || len(s) > maxWord {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// clean makes s valid UTF-8 and bounds its length, so what is hashed is
// exactly what the database returns later.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// stamp rounds t to what both engines store exactly (PostgreSQL keeps
// microseconds), in UTC so SQLite's text timestamps compare in time order.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// hashInput fixes the fields, their order and their spelling in a record's
// hash. Changing it invalidates every stored chain: add a new version
// instead.
type hashInput struct {
	V            int    `json:"v"`
	Chain        string `json:"chain"`
	Seq          int64  `json:"seq"`
	At           string `json:"at"`
	TenantID     string `json:"tenant_id"`
	Actor        string `json:"actor"`
	ActorType    string `json:"actor_type"`
	ActorEmail   string `json:"actor_email"`
	Action       string `json:"action"`
	Resource     string `json:"resource"`
	Outcome      string `json:"outcome"`
	RequestID    string `json:"request_id"`
	SourceIP     string `json:"source_ip"`
	ChangeDigest string `json:"change_digest"`
	Detail       string `json:"detail"`
	PrevHash     string `json:"prev_hash"`
}

// computeHash is the hex SHA-256 of the record's canonical form, which
// covers every stored field, the chain and sequence number included, so a
// record cannot be moved within or between chains without changing it.
func (r *Record) computeHash() string {
	b, err := json.Marshal(hashInput{
		V: 1, Chain: r.Chain, Seq: r.Seq, At: r.At.UTC().Format(time.RFC3339Nano), TenantID: r.TenantID,
		Actor: r.Actor, ActorType: r.ActorType, ActorEmail: r.ActorEmail, Action: r.Action,
		Resource: r.Resource, Outcome: r.Outcome, RequestID: r.RequestID, SourceIP: r.SourceIP,
		ChangeDigest: r.ChangeDigest, Detail: r.Detail, PrevHash: r.PrevHash,
	})
	if err != nil {
		panic(err) // strings and integers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ChangeDigest is the hex SHA-256 of change's canonical JSON: object keys
// sorted, no insignificant space, no HTML escaping, numbers as written. A
// struct and a map with the same members therefore have the same digest.
// A nil change has the empty digest.
func ChangeDigest(change any) (string, error) {
	if change == nil {
		return "", nil
	}
	raw, err := json.Marshal(change)
	if err != nil {
		return "", fmt.Errorf("encode change: %w", err)
	}
	return ChangeDigestJSON(raw)
}

// ChangeDigestJSON is ChangeDigest of a change the caller has already
// encoded as JSON (any encoding of the same value gives the same digest):
// it saves encoding the change a second time.
func ChangeDigestJSON(raw []byte) (string, error) {
	b, err := canonical(raw)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonical re-encodes JSON as ChangeDigest hashes it: object keys
// sorted, numbers as written, no HTML escaping.
func canonical(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("encode change: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, fmt.Errorf("encode change: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

const recordColumns = `chain, seq, at, tenant_id, actor, actor_type, actor_email, action, resource, outcome,
	request_id, source_ip, change_digest, detail, prev_hash, hash`

func scanRecord(rows interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := rows.Scan(&r.Chain, &r.Seq, &r.At, &r.TenantID, &r.Actor, &r.ActorType, &r.ActorEmail, &r.Action,
		&r.Resource, &r.Outcome, &r.RequestID, &r.SourceIP, &r.ChangeDigest, &r.Detail, &r.PrevHash, &r.Hash)
	r.At = r.At.UTC()
	return r, err
}

// head is a chain's head row; ok is false when there is none.
func (l *Log) head(ctx context.Context, q db.Querier, chain string) (seq int64, hash string, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE chain = $1`, chain).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("audit: read head of %s: %w", chain, err)
	}
	return seq, hash, true, nil
}
