package orders

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// BulkResult is the answer to a bulk ingest.
type BulkResult struct {
	// Accepted counts the valid lines, each of which is now stored: as a
	// new order, or — counted again in Duplicates — as one that already
	// existed with the same (channel, external_id).
	Accepted int `json:"accepted"`
	// Rejected counts the lines refused; Errors lists them.
	Rejected int `json:"rejected"`
	// Duplicates counts the accepted lines whose order already existed (a
	// re-sent line, or a repeat within the body); no second row is made.
	Duplicates int `json:"duplicates"`
	// Errors lists the first MaxErrors rejected lines in line order.
	Errors []LineError `json:"errors"`
	// ErrorsTruncated says that more lines were rejected than are listed.
	ErrorsTruncated bool `json:"errors_truncated,omitempty"`
}

// XMLRoot names the XML root element of a bulk result.
func (BulkResult) XMLRoot() string { return "bulk_result" }

// LineError is one rejected line.
type LineError struct {
	// Line is the 1-based line number in the body.
	Line int `json:"line"`
	// Code is stable: malformed_json, invalid_utf8, line_too_long, or the
	// validation code of the first field at fault (required,
	// invalid_country, currency_mismatch, …).
	Code string `json:"code"`
	// Field names the first field at fault, when the line was JSON.
	Field string `json:"field,omitempty"`
	// Detail explains every fault of the line, in the caller's language.
	Detail string `json:"detail"`
}

// Bulk ingest limits and tuning.
const (
	// MaxLineBytes bounds one NDJSON line. A longer line is rejected
	// without being held in memory.
	MaxLineBytes = 1 << 20
	// MaxErrors bounds the errors listed in one answer; the counts stay
	// exact.
	MaxErrors = 1000
	// BulkIdleTimeout is how long a bulk upload may stall before the
	// connection is closed; a steady upload may take as long as it needs.
	BulkIdleTimeout = 2 * time.Minute
	// DefaultBatch is how many orders one transaction writes.
	DefaultBatch = 2500
	// rowsPerStatement is how many orders one multi-row INSERT carries
	// (11 or 13 parameters each, far below either engine's limit).
	rowsPerStatement = 250
	// blockLines and blockBytes bound one unit of work handed to a decoder.
	blockLines = 256
	blockBytes = 256 << 10
)

// IngestOptions tune Ingest; zero values take the defaults.
type IngestOptions struct {
	// Batch is the number of orders per transaction.
	Batch int
	// Workers is the number of decoding goroutines (default: one per CPU).
	Workers int
	// Lang is the language of error details.
	Lang string
	// Catalog translates error details; nil leaves the codes.
	Catalog *i18n.Catalog
	// Silent skips the order.created events: for back-fills of historical
	// orders that downstream systems must not act on.
	Silent bool
	// Progress, when set, is called every few hundred lines read; the HTTP
	// handler uses it to push the connection's deadlines out.
	Progress func()
}

// span locates one line in a block; long marks a line that exceeded
// MaxLineBytes and was skipped.
type span struct {
	start, end int32
	long       bool
}

// block is a run of consecutive lines read from the body.
type block struct {
	seq   int
	first int // line number of the first span
	buf   []byte
	spans []span
}

// row is one validated order ready to insert.
type row struct {
	id, channel, externalID string
	placedAt                time.Time
	currency, total, doc    string
	shipCountry             string
	quantity                int64
	// event is the order.created data, built by the decoder so that the
	// single writer only stores it (nil when no event is published).
	event []byte
}

// decoded is a block after decoding: the valid rows and the rejected lines,
// both in line order.
type decoded struct {
	seq      int
	rows     []row
	errs     []LineError
	rejected int
}

// batch is one transaction's worth of rows; the last one of a request
// carries the summary that goes into the audit record.
type batch struct {
	rows  []row
	last  bool
	total *BulkResult
}

var blockPool = sync.Pool{New: func() any {
	return &block{buf: make([]byte, 0, blockBytes+4096), spans: make([]span, 0, blockLines)}
}}

// Ingest reads NDJSON orders from body and stores the valid ones, batched,
// in the scope of ctx. It returns only after every accepted line has been
// committed. On an error (the client went away, the body was too large,
// the store failed) the batches already committed stay — re-sending the
// same body is safe — and nothing is acknowledged.
func (s *Service) Ingest(ctx context.Context, body io.Reader, opt IngestOptions) (BulkResult, error) {
	scope, ok := db.ScopeFrom(ctx)
	if !ok {
		return BulkResult{}, db.ErrNoScope
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var hbuf bytes.Buffer
	history, err := marshalDoc(&hbuf, []StatusChange{{Status: Received, At: now, By: audit.ActorFrom(ctx).ID, Note: "bulk"}})
	if err != nil {
		return BulkResult{}, err
	}
	w, err := s.newBulkWriter(ctx, scope, now, history)
	if err != nil {
		return BulkResult{}, err
	}
	w.silent = opt.Silent
	defer w.close()
	var ev *eventShape
	if s.events != nil && !opt.Silent {
		ev = &eventShape{now: now.Format(time.RFC3339Nano), history: history}
	}
	if d, ok := s.events.(deferrer); ok && !opt.Silent {
		defer d.Defer()()
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	blocks := make(chan *block, 2*opt.Workers)
	// Enough decoded blocks queue up to fill the next batch while the
	// writer commits the current one.
	results := make(chan *decoded, opt.Batch/blockLines+2*opt.Workers)
	batches := make(chan *batch, 1)

	var decoders sync.WaitGroup
	for range opt.Workers {
		decoders.Go(func() { s.decodeLoop(ctx, cancel, blocks, results, opt, ev) })
	}
	var res BulkResult
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		defer close(batches)
		s.collect(ctx, results, batches, opt.Batch, &res)
	}()
	written := make(chan error, 1)
	go func() { written <- s.writeLoop(ctx, cancel, w, batches, &res, opt.Silent) }()

	readErr := readBlocks(ctx, body, blocks, opt.Progress)
	close(blocks)
	if readErr != nil {
		cancel(readErr)
	}
	decoders.Wait()
	close(results)
	<-collected
	werr := <-written
	switch {
	case readErr != nil:
		return BulkResult{}, readErr
	case werr != nil:
		return BulkResult{}, werr
	case context.Cause(ctx) != nil:
		return BulkResult{}, context.Cause(ctx)
	}
	if res.Accepted+res.Rejected == 0 {
		return BulkResult{}, problem.BadRequest("empty_body")
	}
	if res.Errors == nil {
		res.Errors = []LineError{}
	}
	return res, nil
}

// readBlocks splits body into lines and hands them to the decoders in
// blocks. A line longer than MaxLineBytes is skipped to its end and marked,
// so memory stays bounded whatever the body holds.
func readBlocks(ctx context.Context, body io.Reader, out chan<- *block, progress func()) error {
	br := bufio.NewReaderSize(body, MaxLineBytes)
	seq, line := 0, 0
	b := newBlock(seq, 1)
	send := func() error {
		if len(b.spans) == 0 {
			return nil
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if progress != nil {
			progress()
		}
		seq++
		b = newBlock(seq, line+1)
		return nil
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			b.spans = append(b.spans, span{long: true})
			chunk = nil
		} else if len(chunk) > 0 {
			line++
			start := int32(len(b.buf))
			b.buf = append(b.buf, chunk...)
			b.spans = append(b.spans, span{start: start, end: int32(len(b.buf))})
		}
		if err != nil && err != io.EOF {
			if pe := tooLarge(err); pe != nil {
				return pe
			}
			return fmt.Errorf("orders: read body: %w", err)
		}
		if len(b.spans) >= blockLines || len(b.buf) >= blockBytes || err == io.EOF {
			if serr := send(); serr != nil {
				return serr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

func newBlock(seq, first int) *block {
	b := blockPool.Get().(*block)
	b.seq, b.first, b.buf, b.spans = seq, first, b.buf[:0], b.spans[:0]
	return b
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}}
	}
	return nil
}

// decodeLoop decodes and validates blocks until they run out.
func (s *Service) decodeLoop(ctx context.Context, cancel context.CancelCauseFunc, in <-chan *block, out chan<- *decoded,
	opt IngestOptions, ev *eventShape) {
	var buf bytes.Buffer
	for b := range in {
		if ctx.Err() != nil {
			blockPool.Put(b)
			continue
		}
		d := &decoded{seq: b.seq, rows: make([]row, 0, len(b.spans))}
		for i, sp := range b.spans {
			lineNo := b.first + i
			if sp.long {
				d.rejected++
				d.errs = append(d.errs, LineError{Line: lineNo, Code: "line_too_long",
					Detail: detail(opt, "validation.line_too_long", "max", MaxLineBytes)})
				continue
			}
			line := bytes.TrimRight(b.buf[sp.start:sp.end], "\r\n")
			if len(bytes.Trim(line, " \t")) == 0 {
				continue // blank lines separate nothing and are skipped
			}
			r, lerr, err := decodeLine(line, &buf)
			if err != nil {
				cancel(err)
				break
			}
			if lerr != nil {
				d.rejected++
				d.errs = append(d.errs, lineError(lineNo, lerr, opt))
				continue
			}
			if ev != nil {
				r.event = ev.appendTo(nil, &r)
			}
			d.rows = append(d.rows, r)
		}
		blockPool.Put(b)
		select {
		case out <- d:
		case <-ctx.Done():
		}
	}
}

// decodeLine parses and validates one order. A line the client got wrong
// comes back as lerr; err is reserved for failures of our own.
//
// Profiling showed encoding/json costing most of a decoder's time, so a
// line is first decoded with go-json-experiment/json (the proposed
// encoding/json/v2), strict about unknown members, which is a good deal
// cheaper. Only a line it refuses goes through web.DecodeBytes, the
// platform's encoding/json path: that one decides (it is what the
// single-order API applies, so both paths accept exactly the same
// orders) and names the field at fault.
func decodeLine(line []byte, buf *bytes.Buffer) (r row, lerr, err error) {
	var n NewOrder
	fast := utf8.Valid(line) && jsonv2.Unmarshal(line, &n, jsonv2.RejectUnknownMembers(true)) == nil
	if fast {
		if err := n.Validate(); err != nil {
			return row{}, err, nil
		}
	} else {
		n = NewOrder{}
		if err := web.DecodeBytes("application/json", line, &n); err != nil {
			if _, ok := problem.As(err); ok {
				return row{}, err, nil
			}
			return row{}, nil, err
		}
	}
	buf.Reset()
	if err := jsonv2.MarshalWrite(buf, document{Buyer: n.Buyer, ShipTo: n.ShipTo, Lines: n.Lines}); err != nil {
		return row{}, nil, fmt.Errorf("orders: encode: %w", err)
	}
	return row{id: ids.New("ord"), channel: n.Channel, externalID: n.ExternalID, placedAt: n.PlacedAt,
		currency: n.Currency, total: n.Totals().Lines.Amount, doc: buf.String(), shipCountry: n.ShipTo.Country,
		quantity: n.quantity}, nil, nil
}

// lineError reports a rejected line: the problem's own code for a line
// that is not JSON at all, the first field's code for an invalid order.
func lineError(lineNo int, err error, opt IngestOptions) LineError {
	pe, _ := problem.As(err)
	le := LineError{Line: lineNo, Code: pe.Code}
	if pe.Status == http.StatusUnprocessableEntity && len(pe.Fields) > 0 {
		le.Code, le.Field = pe.Fields[0].Code, pe.Fields[0].Field
	}
	var parts []string
	for _, f := range pe.Fields {
		msg := detail(opt, "validation."+f.Code, f.Params...)
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		parts = append(parts, msg)
	}
	if len(parts) == 0 {
		parts = append(parts, detail(opt, "error."+pe.Code+".detail", pe.Params...))
	}
	le.Detail = strings.Join(parts, "; ")
	return le
}

func detail(opt IngestOptions, key string, params ...any) string {
	if opt.Catalog == nil {
		s := strings.TrimPrefix(strings.TrimPrefix(key, "validation."), "error.")
		for i := 0; i+1 < len(params); i += 2 {
			s += fmt.Sprintf(" %v=%v", params[i], params[i+1])
		}
		return s
	}
	return opt.Catalog.T(opt.Lang, key, params...)
}

// collect puts decoded blocks back in line order, keeps the error list and
// counts, and cuts the rows into batches for the writer. The last batch,
// possibly empty, carries the request's summary.
func (s *Service) collect(ctx context.Context, in <-chan *decoded, out chan<- *batch, size int, res *BulkResult) {
	pending := map[int]*decoded{}
	next := 0
	cur := &batch{rows: make([]row, 0, size)}
	send := func(b *batch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for d := range in {
		if ctx.Err() != nil {
			continue
		}
		pending[d.seq] = d
		for {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			res.Rejected += d.rejected
			for _, e := range d.errs {
				if len(res.Errors) < MaxErrors {
					res.Errors = append(res.Errors, e)
				} else {
					res.ErrorsTruncated = true
				}
			}
			for len(d.rows) > 0 {
				n := min(size-len(cur.rows), len(d.rows))
				cur.rows = append(cur.rows, d.rows[:n]...)
				d.rows = d.rows[n:]
				res.Accepted += n
				if len(cur.rows) == size {
					if !send(cur) {
						return
					}
					cur = &batch{rows: make([]row, 0, size)}
				}
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	cur.last, cur.total = true, res
	send(cur)
}

// writeLoop commits batches in order. The last batch's transaction also
// holds the request's audit record, with its counts.
func (s *Service) writeLoop(ctx context.Context, cancel context.CancelCauseFunc, w *bulkWriter, in <-chan *batch, res *BulkResult, silent bool) error {
	var err error
	inserted := 0
	for b := range in {
		if err != nil || ctx.Err() != nil {
			continue
		}
		err = w.write(ctx, b.rows, b.last, func(ctx context.Context, n int) error {
			inserted += n
			if !b.last {
				return nil
			}
			t := b.total
			if t.Accepted+t.Rejected == 0 {
				return nil
			}
			dups := t.Accepted - inserted
			return s.audit.Record(ctx, audit.Event{Action: "order.bulk_ingest", Resource: "orders/bulk",
				Change: map[string]any{"accepted": t.Accepted, "rejected": t.Rejected, "duplicates": dups, "created": inserted,
					"events": !silent},
				Detail: "accepted " + strconv.Itoa(t.Accepted) + ", rejected " + strconv.Itoa(t.Rejected) +
					", duplicates " + strconv.Itoa(dups) + map[bool]string{true: ", without events", false: ""}[silent]})
		})
		if err != nil {
			cancel(err)
		}
	}
	if err != nil {
		return err
	}
	res.Duplicates = res.Accepted - inserted
	return nil
}

// bulkWriter inserts batches of rows with multi-row prepared INSERTs, in
// the tenant scope fixed when it was made.
type bulkWriter struct {
	s       *Service
	scope   db.Scope
	now     time.Time
	history string
	full    *sql.Stmt // rowsPerStatement rows
	args    []any
	silent  bool
}

const bulkCols = 12

// bulkInsertSQL is a multi-row INSERT of n orders. On PostgreSQL the
// tenant and the sandbox flag are $1 and $2 in every row, bound once from
// the request's scope. On SQLite the parameters are anonymous ("?") and
// the scope is bound in every row: modernc's driver looks up the name of
// each numbered parameter in a list, which makes binding a statement with
// thousands of "$N" parameters quadratic.
func bulkInsertSQL(n int, e db.Engine) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO orders (tenant_id, sandbox, id, channel, external_id, status, placed_at, currency,
	total, doc, history, created_at, updated_at, ship_country) VALUES `)
	p := 3
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if e == db.SQLite {
			b.WriteString("(?,?")
			for range bulkCols {
				b.WriteString(",?")
			}
			b.WriteByte(')')
			continue
		}
		b.WriteString("($1,$2")
		for range bulkCols {
			b.WriteString(",$")
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	b.WriteString(` ON CONFLICT (tenant_id, sandbox, channel, external_id) DO NOTHING RETURNING id`)
	return b.String()
}

func (s *Service) newBulkWriter(ctx context.Context, scope db.Scope, now time.Time, history string) (*bulkWriter, error) {
	st, err := s.db.Writer().PrepareContext(ctx, bulkInsertSQL(rowsPerStatement, s.db.Engine()))
	if err != nil {
		return nil, fmt.Errorf("orders: prepare bulk insert: %w", err)
	}
	return &bulkWriter{s: s, scope: scope, now: now, history: history, full: st,
		args: make([]any, 0, (2+bulkCols)*rowsPerStatement)}, nil
}

func (w *bulkWriter) close() { w.full.Close() }

func (w *bulkWriter) bind(rows []row) []any {
	perRow := w.s.db.Engine() == db.SQLite
	a := w.args[:0]
	if !perRow {
		a = append(a, w.scope.TenantID, w.scope.Sandbox)
	}
	for i := range rows {
		r := &rows[i]
		if perRow {
			a = append(a, w.scope.TenantID, w.scope.Sandbox)
		}
		a = append(a, r.id, r.channel, r.externalID, string(Received), r.placedAt, r.currency, r.total, r.doc,
			w.history, w.now, w.now, r.shipCountry)
	}
	w.args = a
	return a
}

// write inserts rows in one transaction and calls done, inside it, with
// the number of rows created (the rest already existed). It publishes
// order.created for the rows created, in the same transaction. The last
// write of a request is made durable against power loss, not just a crash
// of the process, before the answer goes out.
func (w *bulkWriter) write(ctx context.Context, rows []row, last bool, done func(ctx context.Context, inserted int) error) error {
	d := w.s.db
	if last && d.Engine() == db.SQLite {
		release, err := syncFull(ctx, d)
		if err != nil {
			return err
		}
		defer release()
	}
	return d.InTx(ctx, func(ctx context.Context) error {
		tx, ok := db.Tx(ctx)
		if !ok {
			return errors.New("orders: bulk write outside a transaction")
		}
		st := tx.StmtContext(ctx, w.full)
		defer st.Close()
		created := make(map[string]struct{}, len(rows))
		for rest := rows; len(rest) > 0; {
			n := min(len(rest), rowsPerStatement)
			var res *sql.Rows
			var err error
			if n == rowsPerStatement {
				res, err = st.QueryContext(ctx, w.bind(rest[:n])...)
			} else {
				res, err = tx.QueryContext(ctx, bulkInsertSQL(n, d.Engine()), w.bind(rest[:n])...)
			}
			if err != nil {
				return fmt.Errorf("orders: bulk insert: %w", err)
			}
			for res.Next() {
				var id string
				if err := res.Scan(&id); err != nil {
					res.Close()
					return fmt.Errorf("orders: bulk insert: %w", err)
				}
				created[id] = struct{}{}
			}
			if err := res.Close(); err != nil {
				return fmt.Errorf("orders: bulk insert: %w", err)
			}
			if err := res.Err(); err != nil {
				return fmt.Errorf("orders: bulk insert: %w", err)
			}
			rest = rest[n:]
		}
		if err := w.publish(ctx, rows, created); err != nil {
			return err
		}
		return done(ctx, len(created))
	})
}

// publish announces the created orders, each as the API shows it. The
// JSON is assembled from the stored parts rather than marshalled again.
func (w *bulkWriter) publish(ctx context.Context, rows []row, created map[string]struct{}) error {
	if w.s.events == nil || w.silent || len(created) == 0 {
		return nil
	}
	es := make([]events.Event, 0, len(created))
	for i := range rows {
		r := &rows[i]
		if _, ok := created[r.id]; !ok || r.event == nil {
			continue
		}
		es = append(es, events.Event{Type: events.OrderCreated, ResourceID: r.id, Data: events.TrustedJSON(r.event)})
	}
	return w.s.events.PublishMany(ctx, es)
}

// eventShape builds the order.created data of bulk-ingested orders: the
// order as the API shows it, written directly from the validated row
// (encoding it through the Order type would cost the decoders more).
type eventShape struct {
	now, history string
}

func (e *eventShape) appendTo(b []byte, r *row) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, r.id...)
	b = append(b, `","external_id":`...)
	b = appendJSONString(b, r.externalID)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, r.channel)
	b = append(b, `,"placed_at":"`...)
	b = r.placedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","currency":"`...)
	b = append(b, r.currency...)
	b = append(b, `",`...)
	b = append(b, r.doc[1:len(r.doc)-1]...)
	b = append(b, `,"status":"received","totals":{"lines":{"amount":"`...)
	b = append(b, r.total...)
	b = append(b, `","currency":"`...)
	b = append(b, r.currency...)
	b = append(b, `"},"quantity":`...)
	b = strconv.AppendInt(b, r.quantity, 10)
	b = append(b, `},"status_history":`...)
	b = append(b, e.history...)
	b = append(b, `,"created_at":"`...)
	b = append(b, e.now...)
	b = append(b, `","updated_at":"`...)
	b = append(b, e.now...)
	b = append(b, `"}`...)
	return b
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := jsonv2.Marshal(s)
	return append(b, q...)
}

// syncFull switches the SQLite writer to synchronous=FULL until release:
// in WAL mode a FULL commit syncs the log, and with it every transaction
// before it, so the request's earlier batches (committed at NORMAL) become
// durable too. Concurrent bulk requests share the setting.
var syncMu struct {
	sync.Mutex
	holders int
}

func syncFull(ctx context.Context, d *db.DB) (func(), error) {
	syncMu.Lock()
	defer syncMu.Unlock()
	if syncMu.holders == 0 {
		if _, err := d.Writer().ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			return nil, fmt.Errorf("orders: durable commit: %w", err)
		}
	}
	syncMu.holders++
	return func() {
		syncMu.Lock()
		defer syncMu.Unlock()
		syncMu.holders--
		if syncMu.holders == 0 {
			_, _ = d.Writer().ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`)
		}
	}, nil
}

// ndjsonTypes are the media types accepted for bulk bodies.
var ndjsonTypes = []string{"application/x-ndjson", "application/ndjson", "application/jsonl",
	"application/x-jsonlines", "application/jsonlines"}

func (s *Service) handleBulk(w http.ResponseWriter, r *http.Request) error {
	mt := web.MediaType(r)
	okType := false
	for _, t := range ndjsonTypes {
		okType = okType || mt == t
	}
	if !okType {
		return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Params: []any{"type", mt}}
	}
	var body io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			if pe := tooLarge(err); pe != nil {
				return pe
			}
			if errors.Is(err, io.EOF) {
				return problem.BadRequest("empty_body")
			}
			return problem.BadRequest("malformed_gzip")
		}
		defer zr.Close()
		body = gzipReader{zr}
	default:
		return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_encoding",
			Params: []any{"encoding", enc}}
	}
	silent := false
	switch v := r.URL.Query().Get("events"); v {
	case "", "true":
	case "false":
		silent = true
	default:
		return problem.Invalid(problem.Field{Field: "events", Code: "one_of", Params: []any{"values", "true, false"}})
	}
	// The server's read and write timeouts bound a whole request; a bulk
	// upload may rightly take longer, so while lines keep arriving the
	// deadlines move: only a stalled client is cut off.
	rc := http.NewResponseController(w)
	var last time.Time
	progress := func() {
		if now := time.Now(); now.Sub(last) > time.Second {
			last = now
			_ = rc.SetReadDeadline(now.Add(BulkIdleTimeout))
			_ = rc.SetWriteDeadline(now.Add(BulkIdleTimeout))
		}
	}
	env := web.EnvFrom(r.Context())
	res, err := s.Ingest(r.Context(), body, IngestOptions{Lang: i18n.Lang(r.Context()), Catalog: env.Catalog,
		Silent: silent, Progress: progress})
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

// gzipReader turns a corrupt gzip stream into a 400 rather than a 500.
type gzipReader struct{ r *gzip.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF && tooLarge(err) == nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return n, problem.BadRequest("malformed_gzip")
		}
	}
	return n, err
}
