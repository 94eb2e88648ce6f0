package gateway

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// MaxAllowedIPs bounds one credential's allow-list.
const MaxAllowedIPs = 100

// AllowedIPs is a credential's IP allow-list. An empty list lets the
// credential be used from anywhere.
type AllowedIPs struct {
	CredentialID string     `json:"credential_id"`
	AllowedIPs   []string   `json:"allowed_ips"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// AllowedIPsChange is the body of PUT …/allowed-ips.
type AllowedIPsChange struct {
	AllowedIPs []string `json:"allowed_ips"`
}

// ParseAllowedIPs validates and normalises a list of addresses and CIDR
// blocks: a bare address becomes a /32 or /128, host bits are cleared, and
// duplicates are dropped. Field errors name the entry ("allowed_ips[2]").
func ParseAllowedIPs(in []string) ([]netip.Prefix, error) {
	var fs problem.Errors
	if len(in) > MaxAllowedIPs {
		fs.Add("allowed_ips", "out_of_range", "min", 0, "max", MaxAllowedIPs)
		return nil, fs.Err()
	}
	seen := map[netip.Prefix]bool{}
	out := []netip.Prefix{}
	for i, s := range in {
		p, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			fs.Add("allowed_ips["+strconv.Itoa(i)+"]", "invalid_format", "format", "an IP address or CIDR block, e.g. 203.0.113.0/24")
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, fs.Err()
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Zone() != "" {
			return netip.Prefix{}, errors.New("zone not allowed")
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, errors.New("mapped prefix too short")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("zone not allowed")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func formatPrefixes(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// allowLists reads and caches credentials' allow-lists. A list changed on
// this node applies at once; one changed on another node within ttl.
type allowLists struct {
	db  *db.DB
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex // guards cache and fresh
	cache map[string]cachedList
	// fresh holds credentials whose list this node changed lately: until
	// the change has surely committed (and the cache entry made before it
	// has expired), they are read from the store on every request.
	fresh map[string]time.Time
}

type cachedList struct {
	prefixes []netip.Prefix
	expires  time.Time
}

func (a *allowLists) get(ctx context.Context, credID string) ([]netip.Prefix, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[credID]
	until, changed := a.fresh[credID]
	if changed && !now.Before(until) {
		delete(a.fresh, credID)
		changed = false
	}
	a.mu.Unlock()
	if ok && now.Before(c.expires) && !changed {
		return c.prefixes, nil
	}
	l, err := a.read(ctx, credID)
	if err != nil {
		return nil, err
	}
	ps, err := ParseAllowedIPs(l.AllowedIPs)
	if err != nil {
		// A stored list that no longer parses fails closed.
		return nil, fmt.Errorf("gateway: stored allow-list of %s: %w", credID, err)
	}
	if !changed {
		a.mu.Lock()
		if len(a.cache) > 100_000 {
			clear(a.cache)
		}
		a.cache[credID] = cachedList{prefixes: ps, expires: now.Add(a.ttl)}
		a.mu.Unlock()
	}
	return ps, nil
}

// changed makes this node read credID's list from the store for a while:
// the change is about to commit, and until it has, the store still holds
// the old list. So the new list applies here as soon as it is committed,
// and never before.
func (a *allowLists) changed(credID string) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.cache, credID)
	for k, until := range a.fresh {
		if !now.Before(until) {
			delete(a.fresh, k)
		}
	}
	a.fresh[credID] = now.Add(a.ttl + time.Minute)
}

// read returns the stored list (empty when none).
func (a *allowLists) read(ctx context.Context, credID string) (AllowedIPs, error) {
	l := AllowedIPs{CredentialID: credID, AllowedIPs: []string{}}
	var cidrs string
	var at time.Time
	err := a.db.Q(ctx).QueryRowContext(ctx, `SELECT cidrs, updated_by, updated_at FROM credential_allowed_ips
		WHERE credential_id = $1`, credID).Scan(&cidrs, &l.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("gateway: read allow-list: %w", err)
	}
	l.UpdatedAt = &at
	if cidrs != "" {
		l.AllowedIPs = strings.Split(cidrs, " ")
	}
	return l, nil
}

// set replaces credID's list inside the caller's transaction and audits
// the change.
func (a *allowLists) set(ctx context.Context, rec Recorder, tenantID, credID, resource string, ps []netip.Prefix) (AllowedIPs, error) {
	now := a.now().UTC()
	by := audit.ActorFrom(ctx).ID
	ips := formatPrefixes(ps)
	before, err := a.read(ctx, credID)
	if err != nil {
		return AllowedIPs{}, err
	}
	if len(ps) == 0 {
		_, err = a.db.W(ctx).ExecContext(ctx, `DELETE FROM credential_allowed_ips WHERE credential_id = $1`, credID)
	} else {
		_, err = a.db.W(ctx).ExecContext(ctx, `INSERT INTO credential_allowed_ips (credential_id, tenant_id, cidrs, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO UPDATE
			SET cidrs = excluded.cidrs, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			credID, tenantID, strings.Join(ips, " "), by, now)
	}
	if err != nil {
		return AllowedIPs{}, fmt.Errorf("gateway: store allow-list: %w", err)
	}
	a.changed(credID)
	if err := rec.Record(ctx, audit.Event{Action: "security.allowed_ips.set", Resource: resource, TenantID: tenantID,
		Change: map[string]any{"before": before.AllowedIPs, "after": ips}}); err != nil {
		return AllowedIPs{}, err
	}
	out := AllowedIPs{CredentialID: credID, AllowedIPs: ips}
	if len(ps) > 0 {
		out.UpdatedBy, out.UpdatedAt = by, &now
	}
	return out, nil
}

// permits reports whether ip may use a credential with list ps.
func permits(ps []netip.Prefix, ip string) bool {
	if len(ps) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// CredentialKind names what an allow-list belongs to.
type CredentialKind string

// Credential kinds that carry allow-lists.
const (
	CredentialAPIKey CredentialKind = "apikey"
	CredentialClient CredentialKind = "oauth_client"
)

// credential resolves a credential the caller may see: its tenant and the
// resource name its audit records use. Another tenant's is ErrNotFound.
func (g *Gateway) credential(ctx context.Context, kind CredentialKind, id string) (tenantID, resource string, err error) {
	switch kind {
	case CredentialAPIKey:
		k, err := g.id.GetAPIKey(ctx, id)
		if err != nil {
			return "", "", err
		}
		return k.TenantID, "apikey/" + k.ID, nil
	case CredentialClient:
		c, err := g.GetClient(ctx, id)
		if err != nil {
			return "", "", err
		}
		return c.TenantID, "oauth_client/" + c.ID, nil
	}
	return "", "", problem.ErrNotFound
}

// AllowedIPs returns the allow-list of a credential the caller may see.
func (g *Gateway) AllowedIPs(ctx context.Context, kind CredentialKind, id string) (AllowedIPs, error) {
	if _, _, err := g.credential(ctx, kind, id); err != nil {
		return AllowedIPs{}, err
	}
	return g.allow.read(ctx, id)
}

// SetAllowedIPs replaces the allow-list of a credential the caller may
// see, audited, in the transaction carried by ctx (or one of its own). An
// empty list lifts the restriction.
func (g *Gateway) SetAllowedIPs(ctx context.Context, kind CredentialKind, id string, list []string) (AllowedIPs, error) {
	ps, err := ParseAllowedIPs(list)
	if err != nil {
		return AllowedIPs{}, err
	}
	var out AllowedIPs
	err = g.db.InTx(ctx, func(ctx context.Context) error {
		tenantID, resource, err := g.credential(ctx, kind, id)
		if err != nil {
			return err
		}
		out, err = g.allow.set(ctx, g.audit, tenantID, id, resource, ps)
		return err
	})
	return out, err
}
