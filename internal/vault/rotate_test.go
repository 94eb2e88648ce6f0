package vault_test

import (
	"context"
	"encoding/binary"
	"net/http"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/vault"
)

// keyID is the Tink key id a ciphertext names (version byte, then the id).
func keyID(t *testing.T, env *apptest.Env, token string) uint32 {
	t.Helper()
	ctx := context.Background()
	var ct []byte
	if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT pan_ct FROM vault_cards WHERE token = $1`, token).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	if len(ct) < 5 {
		t.Fatalf("ciphertext of %d bytes", len(ct))
	}
	return binary.BigEndian.Uint32(ct[1:5])
}

// TestKeyRotation: cards vaulted before `silkgate keys rotate` (data keys
// and KEK) still open and charge after it; cards vaulted after it use the
// new key.
func TestKeyRotation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Rotating")
		key := env.Key(tid, identity.Finance, true)
		var old vault.Card
		if r := call(t, env, "POST", "/api/v1/vault/cards", key, "", card("5555555555554444", "123"), &old); r.StatusCode != http.StatusCreated {
			t.Fatalf("vault: %d %s", r.StatusCode, apptest.Body(r))
		}
		before := keyID(t, env, old.Token)
		for _, o := range []keyring.RotateOptions{{All: true}, {KEK: true}, {Tenant: tid}} {
			if _, err := env.App.Keys.Rotate(env.Ctx, o); err != nil {
				t.Fatalf("rotate %+v: %v", o, err)
			}
		}
		var got vault.Card
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+old.Token, key, "", nil, &got); r.StatusCode != http.StatusOK || got.Holder != "Chen Li" {
			t.Fatalf("read after rotation: %d %s", r.StatusCode, apptest.Body(r))
		}
		var ch vault.Charge
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+old.Token+"/charges", key, "rot-1",
			map[string]any{"amount": map[string]any{"amount": "1.00", "currency": "EUR"}}, &ch); r.StatusCode != http.StatusCreated || ch.Status != vault.ChargeAuthorized {
			t.Fatalf("charge after rotation: %d %s", r.StatusCode, apptest.Body(r))
		}
		var fresh vault.Card
		call(t, env, "POST", "/api/v1/vault/cards", key, "", card("6200000000000005", "123"), &fresh)
		if after := keyID(t, env, fresh.Token); after == before {
			t.Errorf("a card vaulted after rotation still uses key %d", before)
		}
		// The same card after rotation is still recognised: fingerprints
		// do not depend on the data key.
		var dup vault.Card
		if r := call(t, env, "POST", "/api/v1/vault/cards", key, "", card("5555555555554444", "123"), &dup); r.StatusCode != http.StatusOK || dup.Token != old.Token {
			t.Errorf("duplicate after rotation: %d %+v", r.StatusCode, dup)
		}
	})
}

// TestCiphertextBoundToItsRow: a card's ciphertext copied into another
// card's row does not open there (associated data names the row).
func TestCiphertextBoundToItsRow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Swapping")
		key := env.Key(tid, identity.Finance, true)
		var a, b vault.Card
		call(t, env, "POST", "/api/v1/vault/cards", key, "", card("4242424242424242", "123"), &a)
		call(t, env, "POST", "/api/v1/vault/cards", key, "", card("4000000000000002", "123"), &b)
		ctx := context.Background()
		if _, err := env.App.DB.Writer().ExecContext(ctx, `UPDATE vault_cards SET pan_ct = (SELECT pan_ct FROM vault_cards WHERE token = $1) WHERE token = $2`,
			a.Token, b.Token); err != nil {
			t.Fatal(err)
		}
		r := call(t, env, "POST", "/api/v1/vault/cards/"+b.Token+"/charges", key, "swap",
			map[string]any{"amount": map[string]any{"amount": "1.00", "currency": "EUR"}}, nil)
		if r.StatusCode != http.StatusInternalServerError {
			t.Fatalf("a swapped ciphertext was charged: %d %s", r.StatusCode, apptest.Body(r))
		}
	})
}
