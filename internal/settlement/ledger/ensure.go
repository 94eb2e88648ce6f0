package ledger

import (
	"context"
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Accounts is what EnsureAccount needs of the ledger; *Service has it,
// and modules that book through a narrower interface of their own keep
// theirs.
type Accounts interface {
	ListAccounts(ctx context.Context, f AccountFilter, p web.Page) (web.List[Account], error)
	CreateAccount(ctx context.Context, n NewAccount) (Account, error)
}

// EnsureAccount returns the id of the account (n.Code, n.Asset), opening
// it as n describes on first use. Modules that book into accounts of
// their own open them this way rather than asking tenants to set them up
// first; an account opened meanwhile by a concurrent request (409) is
// looked up again rather than reported.
func EnsureAccount(ctx context.Context, l Accounts, n NewAccount) (string, error) {
	id, err := findAccount(ctx, l, n.Code, n.Asset)
	if err != nil || id != "" {
		return id, err
	}
	a, err := l.CreateAccount(ctx, n)
	if pe, ok := problem.As(err); ok && pe.Status == http.StatusConflict {
		return findAccount(ctx, l, n.Code, n.Asset)
	}
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// findAccount returns the id of (code, asset), or "".
func findAccount(ctx context.Context, l Accounts, code, asset string) (string, error) {
	got, err := l.ListAccounts(ctx, AccountFilter{Code: code, Asset: asset}, web.Page{Limit: 1})
	if err != nil || len(got.Items) == 0 {
		return "", err
	}
	return got.Items[0].ID, nil
}
