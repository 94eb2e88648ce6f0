package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
)

// The yardsticks say what this machine can do at all with the same data,
// so that the ingest figures can be read against them:
//
//   - decode:   encoding/json decoding the NDJSON into the order type, on
//     one core, nothing else;
//   - sqlite:   the orders and their lines (one row per order plus one per
//     line) inserted into plain SQLite tables by prepared statements,
//     10,000 orders per transaction, WAL and synchronous=NORMAL like the
//     server;
//   - postgres: the same rows loaded with COPY.
//
// Only the step named is timed: the rows are decoded from the generator in
// chunks between the timed inserts.

func runYardstick(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("yardstick", flag.ContinueOnError)
	fs.SetOutput(stderr)
	what := fs.String("what", "decode,sqlite", "comma-separated: decode, sqlite, postgres")
	n := fs.Int("n", 1000000, "number of orders")
	seed := fs.Uint64("seed", 1, "seed")
	dir := fs.String("dir", os.TempDir(), "folder for the scratch SQLite file and NDJSON")
	pg := fs.String("pg", os.Getenv("SILKGATE_TEST_POSTGRES"), "PostgreSQL DSN of a scratch database (tables orders_ys and order_lines_ys are dropped and made)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g := ordergen.New(*seed)
	for _, w := range strings.Split(*what, ",") {
		var (
			d   time.Duration
			err error
		)
		switch strings.TrimSpace(w) {
		case "decode":
			d, err = yardDecode(g, *n, *dir)
		case "sqlite":
			d, err = yardSQLite(ctx, g, *n, *dir)
		case "postgres":
			if *pg == "" {
				return errors.New("postgres: -pg DSN (or SILKGATE_TEST_POSTGRES) is required")
			}
			d, err = yardPostgres(ctx, g, *n, *pg)
		default:
			return fmt.Errorf("unknown yardstick %q", w)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
		fmt.Fprintf(stdout, "yardstick %s: %d orders in %.2f s = %.0f orders/s\n", w, *n, d.Seconds(), float64(*n)/d.Seconds())
	}
	return nil
}

func yardDecode(g *ordergen.Generator, n int, dir string) (time.Duration, error) {
	f, err := os.CreateTemp(dir, "yardstick-*.ndjson")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := g.WriteNDJSON(bw, 0, n); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return 0, err
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	start := time.Now()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	count := 0
	for {
		var o orders.NewOrder
		if err := dec.Decode(&o); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		count++
	}
	d := time.Since(start)
	if count != n {
		return 0, fmt.Errorf("decoded %d of %d", count, n)
	}
	return d, nil
}

// chunks decodes the generator's orders in chunks of size and calls fn with
// each; only fn's time is counted.
func chunks(g *ordergen.Generator, n, size int, fn func([]orders.NewOrder, int) error) (time.Duration, error) {
	var total time.Duration
	buf := make([]byte, 0, 4096)
	batch := make([]orders.NewOrder, 0, size)
	for from := 0; from < n; from += size {
		batch = batch[:0]
		for i := from; i < min(n, from+size); i++ {
			buf = g.Append(buf[:0], i)
			var o orders.NewOrder
			if err := json.Unmarshal(buf, &o); err != nil {
				return 0, err
			}
			batch = append(batch, o)
		}
		start := time.Now()
		if err := fn(batch, from); err != nil {
			return 0, err
		}
		total += time.Since(start)
	}
	return total, nil
}

const (
	yardOrderCols = "id, channel, external_id, placed_at, currency, buyer_name, buyer_email, buyer_phone, buyer_country, " +
		"ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postcode, ship_country, ship_phone"
	yardLineCols = "order_id, n, sku, quantity, amount, currency, title"
)

func orderArgs(o *orders.NewOrder, id string) []any {
	return []any{id, o.Channel, o.ExternalID, o.PlacedAt, o.Currency, o.Buyer.Name, o.Buyer.Email, o.Buyer.Phone,
		o.Buyer.Country, o.ShipTo.Name, o.ShipTo.Line1, o.ShipTo.Line2, o.ShipTo.City, o.ShipTo.Region,
		o.ShipTo.Postcode, o.ShipTo.Country, o.ShipTo.Phone}
}

func yardSQLite(ctx context.Context, g *ordergen.Generator, n int, dir string) (time.Duration, error) {
	path := filepath.Join(dir, fmt.Sprintf("yardstick-%d.db", time.Now().UnixNano()))
	defer os.Remove(path)
	defer os.Remove(path + "-wal")
	defer os.Remove(path + "-shm")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE orders_ys (id TEXT PRIMARY KEY, channel TEXT, external_id TEXT, placed_at TIMESTAMP, currency TEXT,
			buyer_name TEXT, buyer_email TEXT, buyer_phone TEXT, buyer_country TEXT, ship_name TEXT, ship_line1 TEXT,
			ship_line2 TEXT, ship_city TEXT, ship_region TEXT, ship_postcode TEXT, ship_country TEXT, ship_phone TEXT)`,
		`CREATE TABLE order_lines_ys (order_id TEXT, n INTEGER, sku TEXT, quantity INTEGER, amount TEXT, currency TEXT, title TEXT)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return 0, err
		}
	}
	return chunks(g, n, 10000, func(batch []orders.NewOrder, from int) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		so, err := tx.PrepareContext(ctx, `INSERT INTO orders_ys (`+yardOrderCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`)
		if err != nil {
			return err
		}
		sl, err := tx.PrepareContext(ctx, `INSERT INTO order_lines_ys (`+yardLineCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`)
		if err != nil {
			return err
		}
		for k := range batch {
			o := &batch[k]
			id := fmt.Sprintf("ord_%012d", from+k)
			if _, err := so.ExecContext(ctx, orderArgs(o, id)...); err != nil {
				return err
			}
			for j, l := range o.Lines {
				if _, err := sl.ExecContext(ctx, id, j, l.SKU, l.Quantity, l.UnitPrice.Amount, l.UnitPrice.Currency, l.Title); err != nil {
					return err
				}
			}
		}
		return tx.Commit()
	})
}

func yardPostgres(ctx context.Context, g *ordergen.Generator, n int, dsn string) (time.Duration, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	for _, s := range []string{
		`DROP TABLE IF EXISTS orders_ys`, `DROP TABLE IF EXISTS order_lines_ys`,
		`CREATE TABLE orders_ys (id TEXT PRIMARY KEY, channel TEXT, external_id TEXT, placed_at TIMESTAMPTZ, currency TEXT,
			buyer_name TEXT, buyer_email TEXT, buyer_phone TEXT, buyer_country TEXT, ship_name TEXT, ship_line1 TEXT,
			ship_line2 TEXT, ship_city TEXT, ship_region TEXT, ship_postcode TEXT, ship_country TEXT, ship_phone TEXT)`,
		`CREATE TABLE order_lines_ys (order_id TEXT, n INTEGER, sku TEXT, quantity BIGINT, amount TEXT, currency TEXT, title TEXT)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return 0, err
		}
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS orders_ys; DROP TABLE IF EXISTS order_lines_ys`)
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ocols := strings.Split(strings.ReplaceAll(yardOrderCols, " ", ""), ",")
	lcols := strings.Split(strings.ReplaceAll(yardLineCols, " ", ""), ",")
	return chunks(g, n, 10000, func(batch []orders.NewOrder, from int) error {
		return conn.Raw(func(dc any) error {
			c := dc.(*stdlib.Conn).Conn()
			tx, err := c.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			var orows, lrows [][]any
			for k := range batch {
				o := &batch[k]
				id := fmt.Sprintf("ord_%012d", from+k)
				orows = append(orows, orderArgs(o, id))
				for j, l := range o.Lines {
					lrows = append(lrows, []any{id, j, l.SKU, l.Quantity, l.UnitPrice.Amount, l.UnitPrice.Currency, l.Title})
				}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"orders_ys"}, ocols, pgx.CopyFromRows(orows)); err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"order_lines_ys"}, lcols, pgx.CopyFromRows(lrows)); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
	})
}
