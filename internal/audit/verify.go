package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
)

// What Verify can find wrong with a chain, as Finding.Code.
const (
	// CodeMissing: a record is absent (deleted) where the chain needs one.
	CodeMissing = "missing"
	// CodeAltered: a record's content does not match its own hash (edited).
	CodeAltered = "altered"
	// CodeBrokenLink: a record does not link to the one before it
	// (reordered, replaced or inserted records).
	CodeBrokenLink = "broken_link"
	// CodeTruncated: the head row or a signed checkpoint says the chain is
	// longer than the records are (the tail was cut off).
	CodeTruncated = "truncated"
	// CodeCheckpointMismatch: a record differs from what a signed
	// checkpoint vouched for (the chain was recomputed).
	CodeCheckpointMismatch = "checkpoint_mismatch"
	// CodeBadSignature: a checkpoint is not validly signed by a trusted key,
	// or its row disagrees with its signed note.
	CodeBadSignature = "bad_signature"
	// CodeHeadMismatch: the head row is missing, behind the records, or
	// does not hold the last record's hash.
	CodeHeadMismatch = "head_mismatch"
)

// Finding is the first bad record of one chain.
type Finding struct {
	Chain  string `json:"chain"`
	Seq    int64  `json:"seq"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

func (f Finding) String() string {
	return fmt.Sprintf("chain %s seq %d: %s: %s", f.Chain, f.Seq, f.Code, f.Reason)
}

func (f Finding) attrs() []slog.Attr {
	return []slog.Attr{slog.String("chain", f.Chain), slog.Int64("seq", f.Seq),
		slog.String("code", f.Code), slog.String("reason", f.Reason)}
}

// maxBroken bounds Report.Broken so a report stays readable when something
// broke every chain at once.
const maxBroken = 100

// Report is the outcome of a verification. When OK is false, Chain, Seq,
// Code and Reason name the first bad record found (chains are walked in
// name order) and Broken lists the first bad record of each broken chain.
type Report struct {
	OK          bool      `json:"ok"`
	Chain       string    `json:"chain,omitempty"`
	Seq         int64     `json:"seq,omitempty"`
	Code        string    `json:"code,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Chains      int       `json:"chains"`
	Records     int64     `json:"records"`
	Checkpoints int64     `json:"checkpoints"`
	Broken      []Finding `json:"broken,omitempty"`
}

func (r *Report) add(f Finding) {
	if r.OK {
		r.OK = false
		r.Chain, r.Seq, r.Code, r.Reason = f.Chain, f.Seq, f.Code, f.Reason
	}
	if len(r.Broken) < maxBroken {
		r.Broken = append(r.Broken, f)
	}
}

// Verify walks every chain from its first stored record to its head and
// reports the first bad record of each. It reads records in batches by
// sequence number, so memory stays flat however long the chains are, and
// it holds no transaction of its own, so writers are never held up while
// it runs; records appended meanwhile are simply not covered. Call it with
// a ctx that carries no transaction, and not during a Purge, whose
// deletions it would see half-done.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	chains, err := l.chains(ctx)
	if err != nil {
		return Report{}, err
	}
	return l.verify(ctx, chains)
}

// VerifyChain is Verify for one tenant's chain, with all its lanes: a
// tenant id, or PlatformChain.
func (l *Log) VerifyChain(ctx context.Context, chain string) (Report, error) {
	all, err := l.chains(ctx)
	if err != nil {
		return Report{}, err
	}
	mine := []string{chain}
	for _, c := range all {
		if base, _, ok := strings.Cut(c, laneSep); ok && base == chain {
			mine = append(mine, c)
		}
	}
	return l.verify(ctx, mine)
}

func (l *Log) verify(ctx context.Context, chains []string) (Report, error) {
	rep := Report{OK: true}
	for _, c := range chains {
		var st stats
		f, err := l.verifyChain(ctx, c, &st)
		if err != nil {
			return Report{}, err
		}
		rep.Chains++
		rep.Records += st.records
		rep.Checkpoints += st.checkpoints
		if f != nil {
			rep.add(*f)
		}
	}
	return rep, nil
}

// chains lists every chain named by a head, a checkpoint or a record, so a
// chain whose head row was deleted is still walked. Records are probed one
// chain at a time (a loose index scan) rather than with DISTINCT over the
// whole table.
func (l *Log) chains(ctx context.Context) ([]string, error) {
	q := l.db.Q(ctx)
	seen := map[string]bool{}
	var out []string
	rows, err := q.QueryContext(ctx, `SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_checkpoints`)
	if err != nil {
		return nil, fmt.Errorf("audit: list chains: %w", err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit: list chains: %w", err)
		}
		seen[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list chains: %w", err)
	}
	after := ""
	for {
		var c sql.NullString
		if err := q.QueryRowContext(ctx, `SELECT MIN(chain) FROM audit_events WHERE chain > $1`, after).Scan(&c); err != nil {
			return nil, fmt.Errorf("audit: list chains: %w", err)
		}
		if !c.Valid {
			break
		}
		seen[c.String] = true
		after = c.String
	}
	for c := range seen {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

type stats struct{ records, checkpoints int64 }

// span is a position in a chain: a sequence number and the hash there.
type span struct {
	seq  int64
	hash string
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// verifyChain checks one chain. The order of reads matters: the highest
// checkpoint is read before the head, and records are walked only up to the
// head, so appends and checkpoints racing the walk are ignored instead of
// being mistaken for tampering, while a head moved back behind a
// checkpoint is still caught.
func (l *Log) verifyChain(ctx context.Context, chain string, st *stats) (*Finding, error) {
	q := l.db.Q(ctx)
	var maxCP sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_checkpoints WHERE chain = $1`, chain).Scan(&maxCP); err != nil {
		return nil, fmt.Errorf("audit: read checkpoints of %s: %w", chain, err)
	}
	headSeq, headHash, hasHead, err := l.head(ctx, q, chain)
	if err != nil {
		return nil, err
	}
	anchors, err := l.purgeAnchors(ctx, q, chain)
	if err != nil {
		return nil, err
	}
	var first sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_events WHERE chain = $1`, chain).Scan(&first); err != nil {
		return nil, fmt.Errorf("audit: read first record of %s: %w", chain, err)
	}

	// Where the stored records must start, and what vouches for the hash
	// they link to: genesis, or the signed anchor of a purge.
	start := span{0, genesis}
	switch {
	case !first.Valid:
		for seq, h := range anchors {
			if seq > start.seq {
				start = span{seq, h}
			}
		}
	case first.Int64 > 1:
		h, ok := anchors[first.Int64-1]
		if !ok {
			missing := int64(1)
			for seq := range anchors {
				if seq < first.Int64 && seq+1 > missing {
					missing = seq + 1
				}
			}
			return &Finding{Chain: chain, Seq: missing, Code: CodeMissing,
				Reason: fmt.Sprintf("records before seq %d are gone and no signed purge accounts for them", first.Int64)}, nil
		}
		start = span{first.Int64 - 1, h}
	}

	cps := &cpCursor{l: l, q: q, chain: chain, max: -1, afterSeq: -1}
	if maxCP.Valid {
		cps.max = maxCP.Int64
	}
	to := int64(math.MaxInt64)
	if hasHead {
		to = headSeq
	}
	last, f, err := l.walk(ctx, q, chain, start, to, cps, st)
	if f != nil || err != nil {
		return f, err
	}
	// Checkpoints beyond the last record: the tail was cut off.
	for {
		cp, f, err := cps.next(ctx, st)
		if f != nil || err != nil {
			return f, err
		}
		if cp == nil {
			break
		}
		switch {
		case cp.Seq == last.seq && cp.Hash != last.hash:
			return &Finding{Chain: chain, Seq: last.seq, Code: CodeCheckpointMismatch,
				Reason: fmt.Sprintf("record hash differs from the checkpoint signed at %s", cp.At.Format(time.RFC3339))}, nil
		case cp.Seq > last.seq:
			return &Finding{Chain: chain, Seq: last.seq + 1, Code: CodeTruncated,
				Reason: fmt.Sprintf("a checkpoint signed at %s covers seq %d but records end at %d",
					cp.At.Format(time.RFC3339), cp.Seq, last.seq)}, nil
		}
	}
	switch {
	case !hasHead && last.seq > 0:
		return &Finding{Chain: chain, Seq: last.seq, Code: CodeHeadMismatch, Reason: "the chain head row is missing"}, nil
	case hasHead && headSeq > last.seq:
		return &Finding{Chain: chain, Seq: last.seq + 1, Code: CodeTruncated,
			Reason: fmt.Sprintf("the chain head says seq %d but records end at %d", headSeq, last.seq)}, nil
	case hasHead && headHash != last.hash:
		return &Finding{Chain: chain, Seq: last.seq, Code: CodeHeadMismatch,
			Reason: "the chain head hash differs from the last record"}, nil
	}
	return nil, nil
}

// purgeAnchors returns the validly signed purge anchors of chain by seq.
// Anchors with a bad signature are left out here and reported when the
// checkpoint cursor reaches them.
func (l *Log) purgeAnchors(ctx context.Context, q db.Querier, chain string) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT note FROM audit_checkpoints WHERE chain = $1 AND kind = 'purge'`, chain)
	if err != nil {
		return nil, fmt.Errorf("audit: read purge anchors of %s: %w", chain, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return nil, fmt.Errorf("audit: read purge anchors of %s: %w", chain, err)
		}
		if c, err := l.openCheckpoint(msg); err == nil && c.purge() && c.Chain == chain {
			out[c.Seq] = c.Hash
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read purge anchors of %s: %w", chain, err)
	}
	return out, nil
}

// walkBatch is how many records or checkpoints one query fetches.
const walkBatch = 1000

// walk checks the records of chain after from, up to seq to: contiguous
// sequence numbers, each record's own hash, each link, and every signed
// checkpoint cps yields along the way (cps may be nil). It returns the last
// position reached, or the first bad record.
func (l *Log) walk(ctx context.Context, q db.Querier, chain string, from span, to int64, cps *cpCursor, st *stats) (span, *Finding, error) {
	prev := from
	lastGood := int64(-1) // seq of the last checkpoint that matched
	for prev.seq < to {
		rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_events
			WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, chain, prev.seq, to, walkBatch)
		if err != nil {
			return prev, nil, fmt.Errorf("audit: read %s: %w", chain, err)
		}
		var batch []Record
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return prev, nil, fmt.Errorf("audit: read %s: %w", chain, err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return prev, nil, fmt.Errorf("audit: read %s: %w", chain, err)
		}
		for _, r := range batch {
			st.records++
			switch {
			case r.Seq != prev.seq+1:
				return prev, &Finding{Chain: chain, Seq: prev.seq + 1, Code: CodeMissing,
					Reason: fmt.Sprintf("seq %d is followed by seq %d", prev.seq, r.Seq)}, nil
			case r.computeHash() != r.Hash:
				return prev, &Finding{Chain: chain, Seq: r.Seq, Code: CodeAltered,
					Reason: "the record does not match its hash: it was edited"}, nil
			case r.PrevHash != prev.hash:
				return prev, &Finding{Chain: chain, Seq: r.Seq, Code: CodeBrokenLink,
					Reason: fmt.Sprintf("the record does not link to seq %d: records were reordered, replaced or inserted", prev.seq)}, nil
			}
			for cps != nil {
				cp, err := cps.peek(ctx)
				if err != nil {
					return prev, nil, err
				}
				if cp == nil || cp.seq > r.Seq {
					break
				}
				c, f, err := cps.next(ctx, st)
				if f != nil || err != nil {
					return prev, f, err
				}
				switch {
				case c.Seq == r.Seq && c.Hash != r.Hash:
					since := "the start of the chain"
					if lastGood >= 0 {
						since = fmt.Sprintf("seq %d", lastGood)
					}
					return prev, &Finding{Chain: chain, Seq: r.Seq, Code: CodeCheckpointMismatch,
						Reason: fmt.Sprintf("the record differs from the checkpoint signed at %s: the chain was recomputed after %s",
							c.At.Format(time.RFC3339), since)}, nil
				case c.Seq == prev.seq && c.Hash != prev.hash:
					return prev, &Finding{Chain: chain, Seq: r.Seq, Code: CodeCheckpointMismatch,
						Reason: fmt.Sprintf("the record links to a hash that differs from the checkpoint of seq %d", c.Seq)}, nil
				case c.Seq == r.Seq:
					lastGood = r.Seq
				}
			}
			prev = span{r.Seq, r.Hash}
		}
		if len(batch) < walkBatch {
			break
		}
	}
	return prev, nil, nil
}

// cpCursor streams a chain's checkpoints in seq order, in batches, up to a
// fixed highest seq, verifying each signature as it goes.
type cpCursor struct {
	l        *Log
	q        db.Querier
	chain    string
	max      int64 // highest seq to read; -1 reads none
	afterSeq int64
	afterID  int64
	buf      []cpRow
	done     bool
}

type cpRow struct {
	id   int64
	seq  int64
	hash string
	kind string
	note string
}

func (c *cpCursor) fill(ctx context.Context) error {
	if len(c.buf) > 0 || c.done {
		return nil
	}
	rows, err := c.q.QueryContext(ctx, `SELECT id, seq, hash, kind, note FROM audit_checkpoints
		WHERE chain = $1 AND (seq > $2 OR (seq = $2 AND id > $3)) AND seq <= $4
		ORDER BY seq, id LIMIT $5`, c.chain, c.afterSeq, c.afterID, c.max, walkBatch)
	if err != nil {
		return fmt.Errorf("audit: read checkpoints of %s: %w", c.chain, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r cpRow
		if err := rows.Scan(&r.id, &r.seq, &r.hash, &r.kind, &r.note); err != nil {
			return fmt.Errorf("audit: read checkpoints of %s: %w", c.chain, err)
		}
		c.buf = append(c.buf, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: read checkpoints of %s: %w", c.chain, err)
	}
	if len(c.buf) < walkBatch {
		c.done = true
	}
	if n := len(c.buf); n > 0 {
		c.afterSeq, c.afterID = c.buf[n-1].seq, c.buf[n-1].id
	}
	return nil
}

// peek returns the next row without verifying it, or nil at the end.
func (c *cpCursor) peek(ctx context.Context) (*cpRow, error) {
	if err := c.fill(ctx); err != nil {
		return nil, err
	}
	if len(c.buf) == 0 {
		return nil, nil
	}
	return &c.buf[0], nil
}

// next consumes the next checkpoint and returns its verified content, a
// finding if it is forged or altered, or nil at the end.
func (c *cpCursor) next(ctx context.Context, st *stats) (*checkpoint, *Finding, error) {
	r, err := c.peek(ctx)
	if err != nil || r == nil {
		return nil, nil, err
	}
	c.buf = c.buf[1:]
	st.checkpoints++
	cp, err := c.l.openCheckpoint(r.note)
	if err != nil {
		return nil, &Finding{Chain: c.chain, Seq: r.seq, Code: CodeBadSignature,
			Reason: "the checkpoint of this seq is " + errUntrusted.Error()}, nil
	}
	if cp.Chain != c.chain || cp.Seq != r.seq || cp.Hash != r.hash || cp.kind() != r.kind {
		return nil, &Finding{Chain: c.chain, Seq: r.seq, Code: CodeBadSignature,
			Reason: "the checkpoint row differs from its signed note"}, nil
	}
	return &cp, nil, nil
}
