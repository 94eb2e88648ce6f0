package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// maxFormBytes bounds a console form; the router's body limit is larger.
const maxFormBytes = 64 << 10

// form parses a posted form. Anything but a urlencoded or multipart body
// (say, JSON sent to a page by mistake) reads as an empty form, which the
// handler then refuses field by field.
func form(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return problem.Invalid(problem.Field{Field: "form", Code: "invalid_value", Params: []any{"reason", "unreadable form"}})
	}
	return nil
}

func field(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// attempt runs fn under a savepoint of the request's transaction and, when
// fn fails, rolls back to it.
//
// Why: a refused form is answered with the form again, so the handler
// returns nil and the router commits. Without the savepoint, whatever fn
// wrote before failing would commit with it, and on PostgreSQL a failed
// statement (a duplicate e-mail) leaves the transaction unable to commit at
// all. Sign-in failures do not go through attempt: their strike and audit
// record must commit.
func (c *Console) attempt(ctx context.Context, fn func(ctx context.Context) error) error {
	if c.db == nil || !db.InTransaction(ctx) {
		return fn(ctx)
	}
	q := c.db.Q(ctx)
	if _, err := q.ExecContext(ctx, "SAVEPOINT console_form"); err != nil {
		return fmt.Errorf("console: savepoint: %w", err)
	}
	if err := fn(ctx); err != nil {
		// A refusal whose writes must stand (a wrong current password is
		// a strike, and audited) keeps them.
		if web.KeptWrites(err) {
			if _, rerr := q.ExecContext(ctx, "RELEASE SAVEPOINT console_form"); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
		if _, rerr := q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT console_form"); rerr != nil {
			return errors.Join(err, fmt.Errorf("console: roll back to savepoint: %w", rerr))
		}
		return err
	}
	if _, err := q.ExecContext(ctx, "RELEASE SAVEPOINT console_form"); err != nil {
		return fmt.Errorf("console: release savepoint: %w", err)
	}
	return nil
}

// refused reports whether err is the client's (a problem below 500), which
// a form shows next to its fields; anything else is the server's.
func refused(err error) bool {
	pe, ok := problem.As(err)
	return ok && pe.Status < 500
}

// statusOf is the HTTP status a refused form is answered with.
func statusOf(err error) int {
	if pe, ok := problem.As(err); ok {
		return pe.Status
	}
	return http.StatusInternalServerError
}
