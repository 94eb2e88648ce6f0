package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// StoredCard is a vault row: the card's public parts and its ciphertexts.
type StoredCard struct {
	Token       string
	Seq         string
	Fingerprint string
	Brand       Brand
	First6      string
	Last4       string
	Length      int
	ExpMonth    int
	ExpYear     int
	PANCT       []byte
	HolderCT    []byte
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Store is everything the vault keeps. Its tables are the vault's own and
// no query joins another module's table, so the vault can run as its own
// service on its own database (PCI DSS segmentation). Every method acts
// in the tenant scope ctx carries, inside the transaction ctx carries.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// InsertCard stores c unless a live card with its fingerprint exists;
	// false when it does.
	InsertCard(ctx context.Context, c StoredCard) (bool, error)
	CardByFingerprint(ctx context.Context, fingerprint string) (StoredCard, error)
	Card(ctx context.Context, token string) (StoredCard, error)
	Cards(ctx context.Context, p web.Page) ([]StoredCard, error)
	// UpdateCard replaces a live card's expiry and holder ciphertext.
	UpdateCard(ctx context.Context, c StoredCard) error
	// ShredCard clears a live card's ciphertexts and fingerprint and marks
	// it deleted.
	ShredCard(ctx context.Context, token string, at time.Time) error
	InsertCharge(ctx context.Context, c Charge) error
	Charges(ctx context.Context, token string, p web.Page) ([]Charge, error)
}

// SQLStore is the Store on the platform's database, on either engine.
type SQLStore struct{ db *db.DB }

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns the vault's tables in d.
func NewSQLStore(d *db.DB) *SQLStore { return &SQLStore{db: d} }

// InTx implements Store.
func (s *SQLStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.db.InTx(ctx, fn)
}

const cardCols = `token, seq, COALESCE(fingerprint, ''), brand, first6, last4, pan_length, exp_month, exp_year,
	pan_ct, holder_ct, created_at, updated_at`

func scanCard(r db.Row) (StoredCard, error) {
	var c StoredCard
	var brand string
	if err := r.Scan(&c.Token, &c.Seq, &c.Fingerprint, &brand, &c.First6, &c.Last4, &c.Length, &c.ExpMonth, &c.ExpYear,
		&c.PANCT, &c.HolderCT, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return StoredCard{}, err
	}
	c.Brand, c.CreatedAt, c.UpdatedAt = Brand(brand), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// InsertCard implements Store.
func (s *SQLStore) InsertCard(ctx context.Context, c StoredCard) (bool, error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	res, err := q.ExecContext(ctx, `INSERT INTO vault_cards (tenant_id, sandbox, token, seq, fingerprint, brand, first6,
		last4, pan_length, exp_month, exp_year, pan_ct, holder_ct, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (tenant_id, sandbox, fingerprint) WHERE deleted_at IS NULL DO NOTHING`,
		c.Token, c.Seq, c.Fingerprint, string(c.Brand), c.First6, c.Last4, c.Length, c.ExpMonth, c.ExpYear,
		c.PANCT, c.HolderCT, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return false, fmt.Errorf("vault: insert card: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *SQLStore) one(ctx context.Context, where string, arg any) (StoredCard, error) {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return StoredCard{}, err
	}
	c, err := scanCard(q.QueryRowContext(ctx, `SELECT `+cardCols+` FROM vault_cards
		WHERE tenant_id = $1 AND sandbox = $2 AND deleted_at IS NULL AND `+where+` = $3`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return StoredCard{}, problem.ErrNotFound
	}
	if err != nil {
		return StoredCard{}, fmt.Errorf("vault: read card: %w", err)
	}
	return c, nil
}

// CardByFingerprint implements Store.
func (s *SQLStore) CardByFingerprint(ctx context.Context, fingerprint string) (StoredCard, error) {
	return s.one(ctx, "fingerprint", fingerprint)
}

// Card implements Store.
func (s *SQLStore) Card(ctx context.Context, token string) (StoredCard, error) {
	return s.one(ctx, "token", token)
}

// Cards implements Store: newest first.
func (s *SQLStore) Cards(ctx context.Context, p web.Page) ([]StoredCard, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cardCols+` FROM vault_cards
		WHERE tenant_id = $1 AND sandbox = $2 AND deleted_at IS NULL AND ($3 = '' OR seq < $3)
		ORDER BY seq DESC LIMIT $4`, p.After, p.FetchLimit())
	if err != nil {
		return nil, fmt.Errorf("vault: list cards: %w", err)
	}
	return db.Collect(rows, scanCard)
}

// UpdateCard implements Store.
func (s *SQLStore) UpdateCard(ctx context.Context, c StoredCard) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE vault_cards SET exp_month = $4, exp_year = $5, holder_ct = $6, updated_at = $7
		WHERE tenant_id = $1 AND sandbox = $2 AND token = $3 AND deleted_at IS NULL`,
		c.Token, c.ExpMonth, c.ExpYear, c.HolderCT, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("vault: update card: %w", err)
	}
	return nil
}

// ShredCard implements Store.
func (s *SQLStore) ShredCard(ctx context.Context, token string, at time.Time) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE vault_cards SET pan_ct = NULL, holder_ct = NULL, fingerprint = NULL,
		deleted_at = $4, updated_at = $4
		WHERE tenant_id = $1 AND sandbox = $2 AND token = $3 AND deleted_at IS NULL`, token, at)
	if err != nil {
		return fmt.Errorf("vault: shred card: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return problem.ErrNotFound
	}
	return nil
}

// InsertCharge implements Store.
func (s *SQLStore) InsertCharge(ctx context.Context, c Charge) error {
	q, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO vault_charges (tenant_id, sandbox, id, token, amount, currency, status,
		decline_code, challenge_id, connector, connector_ref, brand, masked, reference, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		c.ID, c.Token, c.Amount.Amount, c.Amount.Currency, string(c.Status), c.DeclineCode, c.ChallengeID,
		c.Connector, c.ConnectorRef, string(c.Card.Brand), c.Card.Masked, c.Reference, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("vault: insert charge: %w", err)
	}
	return nil
}

// Charges implements Store: newest first.
func (s *SQLStore) Charges(ctx context.Context, token string, p web.Page) ([]Charge, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, token, amount, currency, status, decline_code, challenge_id, connector,
		connector_ref, brand, masked, reference, created_at FROM vault_charges
		WHERE tenant_id = $1 AND sandbox = $2 AND token = $3 AND ($4 = '' OR id < $4)
		ORDER BY id DESC LIMIT $5`, token, p.After, p.FetchLimit())
	if err != nil {
		return nil, fmt.Errorf("vault: list charges: %w", err)
	}
	return db.Collect(rows, func(r db.Row) (Charge, error) {
		var c Charge
		var status, brand string
		err := r.Scan(&c.ID, &c.Token, &c.Amount.Amount, &c.Amount.Currency, &status, &c.DeclineCode, &c.ChallengeID,
			&c.Connector, &c.ConnectorRef, &brand, &c.Card.Masked, &c.Reference, &c.CreatedAt)
		c.Status, c.Card.Brand, c.CreatedAt = ChargeStatus(status), Brand(brand), c.CreatedAt.UTC()
		c.Card.Last4 = c.Card.Masked[max(0, len(c.Card.Masked)-4):]
		return c, err
	})
}
