package screening

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

// screenPartyArgs screens one counterparty of an order (buyer or
// consignee) in its tenant's scope.
type screenPartyArgs struct {
	TenantID  string `json:"tenant_id"`
	Sandbox   bool   `json:"sandbox"`
	Name      string `json:"name"`
	Country   string `json:"country,omitempty"`
	SourceRef string `json:"source_ref"`
}

func (screenPartyArgs) Kind() string { return "screening_party" }

// screenPartiesArgs screens the counterparties of one relayed batch of
// orders. One job per batch rather than per party: a bulk ingest of a
// million orders would otherwise queue two million jobs, each a write on
// the store's single writer.
type screenPartiesArgs struct {
	Parties []screenPartyArgs `json:"parties"`
}

func (screenPartiesArgs) Kind() string { return "screening_parties" }

// maxPartiesPerJob bounds one job's work, so that a retry repeats little.
const maxPartiesPerJob = 500

// rescreenArgs re-screens every tenant's known counterparties after a
// list changed.
type rescreenArgs struct {
	Generation int64 `json:"generation"`
}

func (rescreenArgs) Kind() string { return "screening_rescreen" }

// UseJobs registers the screening jobs on q and subscribes the service to
// the outbox, so that order buyers and consignees are screened on
// ingest. Call it while wiring, before the queue starts.
func (s *Service) UseJobs(q *jobs.Queue, o *events.Outbox) {
	s.jobs = q
	jobs.Handle(q, time.Minute, func(ctx context.Context, job *jobs.Job[screenPartyArgs]) error {
		return s.screenOrderParty(ctx, job.Args)
	})
	jobs.Handle(q, 10*time.Minute, func(ctx context.Context, job *jobs.Job[screenPartiesArgs]) error {
		return s.screenOrderParties(ctx, job.Args.Parties)
	})
	jobs.Handle(q, 30*time.Minute, func(ctx context.Context, job *jobs.Job[rescreenArgs]) error {
		_, err := s.Rescreen(ctx)
		return err
	})
	if o != nil {
		o.Subscribe(s)
	}
}

func (s *Service) screenOrderParty(ctx context.Context, a screenPartyArgs) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: a.TenantID, Sandbox: a.Sandbox})
	p := party{Name: a.Name, Country: a.Country, Source: SourceOrder, SourceRef: a.SourceRef}
	_, err := s.screenParty(ctx, p)
	if err == errNoLists {
		// Nothing to screen against yet; the re-screen after the first
		// import covers this party.
		return s.remember(ctx, p)
	}
	return err
}

// screenOrderParties screens each party of a batch, all in one
// transaction (one commit rather than one per party). If that fails, each
// party is screened on its own, and a party that fails then is handed to a
// job of its own, which retries it alone, so that a retry never screens
// the others twice.
func (s *Service) screenOrderParties(ctx context.Context, ps []screenPartyArgs) error {
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if sn, err := s.current(ctx); err == nil && len(sn.versions) == 0 {
			// Nothing to screen against yet: the parties are only
			// remembered, all in one statement per scope, for the
			// re-screen after the first import.
			return s.rememberAll(ctx, ps)
		}
		for _, a := range ps {
			if err := s.screenOrderParty(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return nil
	}
	var failed []jobs.Args
	for _, a := range ps {
		if err := s.screenOrderParty(ctx, a); err != nil {
			s.log.Warn("screening: order party", "tenant", a.TenantID, "order", a.SourceRef, "err", err)
			failed = append(failed, a)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	_, err = s.jobs.EnqueueMany(ctx, failed, nil)
	return err
}

// ListsUpdated is the hook package sanctions calls after a list import
// commits: the index is rebuilt on the next screening, and a durable job
// re-screens the known counterparties.
func (s *Service) ListsUpdated(ctx context.Context) {
	s.Invalidate()
	// Build ahead, after the import's transaction ends, so that no
	// screening waits for it.
	go func() {
		bctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := s.current(bctx); err != nil {
			s.log.Warn("screening: build index after list update", "err", err)
		}
	}()
	if s.jobs == nil {
		return
	}
	gen, _ := s.lists.Generation(ctx)
	if _, err := s.jobs.Enqueue(ctx, rescreenArgs{Generation: gen}, nil); err != nil {
		s.log.Error("screening: enqueue re-screen", "err", err)
	}
}

// orderParties is the part of an order.created payload screening reads.
type orderParties struct {
	ID    string `json:"id"`
	Buyer struct {
		Name    string `json:"name"`
		Country string `json:"country"`
	} `json:"buyer"`
	ShipTo struct {
		Name    string `json:"name"`
		Country string `json:"country"`
	} `json:"ship_to"`
}

// Consume receives committed order.created events (events.Consumer) and
// enqueues a screening of the buyer and the consignee, in the relay's
// transaction: the screening itself runs as a job, so a slow index build
// never holds the relay.
func (s *Service) Consume(ctx context.Context, batch []events.Event) error {
	var args []screenPartyArgs
	for _, e := range batch {
		if e.Type != events.OrderCreated {
			continue
		}
		raw, ok := e.Data.(json.RawMessage)
		if !ok {
			b, err := json.Marshal(e.Data)
			if err != nil {
				continue
			}
			raw = b
		}
		var o orderParties
		if err := jsonv2.Unmarshal(raw, &o); err != nil {
			s.log.Warn("screening: order event", "event", e.ID, "err", err)
			continue
		}
		seen := map[string]bool{}
		for _, p := range []struct{ name, country string }{{o.Buyer.Name, o.Buyer.Country}, {o.ShipTo.Name, o.ShipTo.Country}} {
			name := strings.TrimSpace(p.name)
			key := PartyKey(name)
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			args = append(args, screenPartyArgs{TenantID: e.TenantID, Sandbox: e.Sandbox, Name: name,
				Country: p.country, SourceRef: o.ID})
		}
	}
	if len(args) == 0 || s.jobs == nil {
		return nil
	}
	var batches []jobs.Args
	for start := 0; start < len(args); start += maxPartiesPerJob {
		batches = append(batches, screenPartiesArgs{Parties: args[start:min(start+maxPartiesPerJob, len(args))]})
	}
	if _, err := s.jobs.EnqueueMany(ctx, batches, nil); err != nil {
		return fmt.Errorf("screening: enqueue order parties: %w", err)
	}
	return nil
}

// remember records a counterparty without screening it.
func (s *Service) remember(ctx context.Context, p party) error {
	key := PartyKey(p.Name)
	if key == "" {
		return nil
	}
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	_, err = q.ExecContext(ctx, `INSERT INTO screening_parties (tenant_id, sandbox, party_key, name, party_type,
		country, source, source_ref, first_seen, screened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (tenant_id, sandbox, party_key) DO NOTHING`, key, p.Name, p.Type, p.Country, p.Source, p.SourceRef, now)
	if err != nil {
		return fmt.Errorf("screening: remember party: %w", err)
	}
	return nil
}

// partiesPerInsert bounds one multi-row INSERT of parties (10 parameters
// each).
const partiesPerInsert = 200

// rememberAll is remember for a batch of order parties, one multi-row
// INSERT per scope and chunk.
func (s *Service) rememberAll(ctx context.Context, as []screenPartyArgs) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	scope := func(a screenPartyArgs) db.Scope { return db.Scope{TenantID: a.TenantID, Sandbox: a.Sandbox} }
	for _, group := range db.ByScope(as, scope) {
		sc := scope(group[0])
		seen := map[string]bool{}
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			var b strings.Builder
			b.WriteString(`INSERT INTO screening_parties (tenant_id, sandbox, party_key, name, party_type, country, source,
				source_ref, first_seen, screened_at) VALUES `)
			s.db.ValuesList(&b, len(args)/10, 10, 1)
			b.WriteString(` ON CONFLICT (tenant_id, sandbox, party_key) DO NOTHING`)
			_, err := s.db.Q(ctx).ExecContext(ctx, b.String(), args...)
			args = args[:0]
			if err != nil {
				return fmt.Errorf("screening: remember parties: %w", err)
			}
			return nil
		}
		for _, a := range group {
			key := PartyKey(a.Name)
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			args = append(args, sc.TenantID, sc.Sandbox, key, a.Name, "", a.Country, SourceOrder, a.SourceRef, now, now)
			if len(args) == partiesPerInsert*10 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// Rescreen screens every known counterparty of every tenant against the
// lists in force and opens cases for new hits (a cleared false positive
// stays cleared unless its entry changed; a confirmed one is not raised
// again). It returns how many parties it screened. Parties are read in
// pages, each screened in its own transaction, so a long run never holds
// the store.
func (s *Service) Rescreen(ctx context.Context) (int, error) {
	s.Invalidate()
	if _, err := s.current(ctx); err != nil {
		return 0, err
	}
	type row struct {
		tenant  string
		sandbox bool
		p       party
		key     string
	}
	var last row
	n := 0
	for {
		// Platform-wide on purpose: this system job serves every tenant,
		// and each party is screened in its own tenant's scope below.
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT tenant_id, sandbox, party_key, name, party_type, country,
			source_ref FROM screening_parties
			WHERE (tenant_id, sandbox, party_key) > ($1, $2, $3)
			ORDER BY tenant_id, sandbox, party_key LIMIT 200`, last.tenant, last.sandbox, last.key)
		if err != nil {
			return n, fmt.Errorf("screening: parties: %w", err)
		}
		var page []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.tenant, &r.sandbox, &r.key, &r.p.Name, &r.p.Type, &r.p.Country, &r.p.SourceRef); err != nil {
				rows.Close()
				return n, err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		for _, r := range page {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			r.p.Source = SourceRescreen
			sctx := db.WithScope(ctx, db.Scope{TenantID: r.tenant, Sandbox: r.sandbox})
			if _, err := s.screenParty(sctx, r.p); err != nil {
				return n, err
			}
			n++
		}
		if len(page) < 200 {
			return n, nil
		}
		last = page[len(page)-1]
	}
}
