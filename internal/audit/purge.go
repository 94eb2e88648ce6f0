package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MinRetention is the youngest a record may be and still be purged.
//
// Level 3 of GB/T 22239 requires audit records to be kept for at least six
// months, and assessors check it: a purge that reached younger records
// would put every tenant of the platform out of compliance at once. The
// database triggers hold the same line, so refusing here turns what would
// be a failed, rolled-back purge into a clear error.
const MinRetention = 180 * 24 * time.Hour

// ErrRetention is returned by Purge when asked to remove records younger
// than MinRetention.
var ErrRetention = errors.New("audit: records younger than 180 days cannot be purged")

// ErrBroken is returned by Purge when a chain fails verification: a purge
// would destroy the evidence, so it waits until someone has looked.
var ErrBroken = errors.New("audit: chain fails verification")

// purgeCut is where one chain is cut: records up to seq go.
type purgeCut struct {
	chain string
	at    span
}

// Purge removes the records older than before, chain by chain, and returns
// how many it removed. It refuses a cut-off younger than MinRetention.
//
// Each chain is cut only below its first record that is not old enough, so
// what remains is always a contiguous tail. The cut leaves a signed purge
// anchor holding the hash of the last record removed: the first surviving
// record links to it, so Verify still checks the chain end to end, while a
// deletion nobody signed for is still reported as missing records. Every
// chain to be cut is verified first and a broken one stops the purge. The
// purge itself is recorded in the platform chain.
func (l *Log) Purge(ctx context.Context, before time.Time) (int64, error) {
	if l.signer == nil {
		return 0, ErrNoSigner
	}
	now := l.now()
	if before.After(now.Add(-MinRetention)) {
		return 0, fmt.Errorf("%w (asked for records before %s)", ErrRetention, before.UTC().Format(time.RFC3339))
	}
	before = stamp(before)
	l.ckpt.Lock()
	defer l.ckpt.Unlock()

	// Find and verify the cuts outside the transaction: walking long chains
	// must not hold the writer.
	cuts, err := l.purgeCuts(ctx, before)
	if err != nil || len(cuts) == 0 {
		return 0, err
	}
	var removed int64
	var notes []string
	err = l.db.InTx(ctx, func(ctx context.Context) error {
		q := l.db.Q(ctx)
		stamped := stamp(now)
		type cutDone struct {
			Chain      string `json:"chain"`
			ThroughSeq int64  `json:"through_seq"`
			Hash       string `json:"hash"`
		}
		var done []cutDone
		for _, c := range cuts {
			var h string
			err := q.QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2`,
				c.chain, c.at.seq).Scan(&h)
			if err != nil || h != c.at.hash {
				return fmt.Errorf("%w: chain %s changed at seq %d during the purge", ErrBroken, c.chain, c.at.seq)
			}
			cp := checkpoint{Chain: c.chain, Seq: c.at.seq, Hash: c.at.hash, At: stamped, PurgeBefore: before}
			msg, err := l.signCheckpoint(cp)
			if err != nil {
				return err
			}
			if err := insertCheckpoint(ctx, q, cp, msg); err != nil {
				return err
			}
			res, err := q.ExecContext(ctx, `DELETE FROM audit_events WHERE chain = $1 AND seq <= $2`, c.chain, c.at.seq)
			if err != nil {
				return fmt.Errorf("audit: purge %s: %w", c.chain, err)
			}
			n, _ := res.RowsAffected()
			removed += n
			// Checkpoints of the removed range vouch for nothing that is
			// left; the anchor replaces them.
			if _, err := q.ExecContext(ctx, `DELETE FROM audit_checkpoints WHERE chain = $1 AND seq < $2 AND at < $3`,
				c.chain, c.at.seq, before); err != nil {
				return fmt.Errorf("audit: purge checkpoints of %s: %w", c.chain, err)
			}
			notes = append(notes, msg)
			done = append(done, cutDone{c.chain, c.at.seq, c.at.hash})
		}
		return l.Record(ctx, Event{
			Action:   "audit.purge",
			Resource: "audit_events",
			TenantID: PlatformChain,
			Change:   map[string]any{"before": before.Format(time.RFC3339Nano), "chains": done},
			Detail:   fmt.Sprintf("purged %d records older than %s from %d chains", removed, before.Format(time.RFC3339), len(done)),
		})
	})
	if err != nil {
		return 0, err
	}
	if err := l.appendFile(notes); err != nil {
		l.log.Error("audit purge anchors not copied to the checkpoint file", "error", err)
	}
	return removed, nil
}

// purgeCuts finds, for each chain with records older than before, the last
// seq up to which every record is older, and verifies the chain.
func (l *Log) purgeCuts(ctx context.Context, before time.Time) ([]purgeCut, error) {
	q := l.db.Q(ctx)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT chain FROM audit_events WHERE at < $1 ORDER BY chain`, before)
	if err != nil {
		return nil, fmt.Errorf("audit: find purgeable chains: %w", err)
	}
	var chains []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit: find purgeable chains: %w", err)
		}
		chains = append(chains, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: find purgeable chains: %w", err)
	}
	var cuts []purgeCut
	for _, chain := range chains {
		var first, young, last sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM audit_events WHERE chain = $1`, chain).
			Scan(&first, &last); err != nil {
			return nil, fmt.Errorf("audit: purge %s: %w", chain, err)
		}
		if err := q.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_events WHERE chain = $1 AND at >= $2`,
			chain, before).Scan(&young); err != nil {
			return nil, fmt.Errorf("audit: purge %s: %w", chain, err)
		}
		cut := last.Int64
		if young.Valid {
			cut = young.Int64 - 1
		}
		if !first.Valid || cut < first.Int64 {
			continue
		}
		var st stats
		f, err := l.verifyChain(ctx, chain, &st)
		if err != nil {
			return nil, err
		}
		if f != nil {
			return nil, fmt.Errorf("%w: %s", ErrBroken, f)
		}
		var h string
		if err := q.QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2`,
			chain, cut).Scan(&h); err != nil {
			return nil, fmt.Errorf("audit: purge %s: %w", chain, err)
		}
		cuts = append(cuts, purgeCut{chain: chain, at: span{cut, h}})
	}
	return cuts, nil
}
