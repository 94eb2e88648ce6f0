package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/silkgate/silkgate/internal/app"
)

type cli struct {
	t   *testing.T
	env map[string]string
}

func (c cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = app.Run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// runJSON runs a command with --json and requires exactly one JSON object
// on stdout.
func (c cli) runJSON(stdin string, args ...string) map[string]any {
	c.t.Helper()
	out, errs, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("%v: %v\n%s", args, err, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		c.t.Fatalf("%v: stdout is not one JSON object: %q", args, out)
	}
	if dec.More() {
		c.t.Fatalf("%v: more than one JSON value on stdout: %q", args, out)
	}
	return v
}

// TestCommandLine covers the CONTRACT commands end to end on a data folder
// given by flag (before and after the command) and by environment.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	c := cli{t: t, env: map[string]string{"SILKGATE_DATA": dir}}

	if out, _, err := c.run("", "version"); err != nil || !strings.Contains(out, "go1.") {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, _, err := c.run("", "migrate"); err != nil {
		t.Fatal(err)
	}
	ten := c.runJSON("", "tenant", "create", "--name", "Yiwu Toys", "--json")
	id, _ := ten["id"].(string)
	if id == "" || ten["region"] != "cn" || ten["plan"] != "saas" {
		t.Fatalf("tenant create defaults: %v", ten)
	}
	eu := c.runJSON("", "--data", dir, "tenant", "create", "--name", "Weber AG", "--region", "eu", "--plan", "enterprise", "--json")
	if eu["region"] != "eu" || eu["plan"] != "enterprise" {
		t.Fatalf("tenant create flags: %v", eu)
	}
	if _, _, err := c.run("", "tenant", "limits", "--tenant", id, "--rps", "0", "--burst", "0"); err != nil {
		t.Fatal(err)
	}

	u := c.runJSON("Owner-Passw0rd!\n", "user", "create", "--tenant", id, "--email", "chen@example.com", "--role", "tenant_owner", "--password-stdin", "--json")
	if u["id"] == nil || u["totp_secret"] != nil {
		t.Fatalf("tenant user: %v", u)
	}
	p := c.runJSON("Audit-Passw0rd!\n", "user", "create", "--platform", "--email", "liu@example.com", "--role", "auditor", "--password-stdin", "--json")
	secret, _ := p["totp_secret"].(string)
	if secret == "" {
		t.Fatalf("platform user has no totp_secret: %v", p)
	}
	if _, err := totp.GenerateCode(secret, time.Now()); err != nil {
		t.Fatalf("totp_secret is not base32: %v", err)
	}
	k := c.runJSON("", "apikey", "create", "--tenant", id, "--role", "operator", "--json", "--data", dir)
	if !strings.HasPrefix(k["key"].(string), "sk_live_") || k["signing_secret"] == "" || k["id"] == "" {
		t.Fatalf("apikey: %v", k)
	}
	tk := c.runJSON("", "apikey", "create", "--tenant", id, "--role", "viewer", "--sandbox", "--json")
	if !strings.HasPrefix(tk["key"].(string), "sk_test_") {
		t.Fatalf("sandbox apikey: %v", tk)
	}

	if _, _, err := c.run("", "keys", "rotate"); err == nil || app.ExitCode(err) != 2 {
		t.Errorf("keys rotate with nothing to do: %v", err)
	}
	rot := c.runJSON("", "keys", "rotate", "--all", "--json")
	if ts, _ := rot["tenants"].([]any); len(ts) == 0 {
		t.Errorf("keys rotate --all rotated nothing: %v", rot)
	}
	if _, _, err := c.run("", "audit", "purge", "--before", time.Now().Format("2006-01-02")); err == nil {
		t.Error("audit purge of records younger than 180 days succeeded")
	}

	// The key works against a server on the same store.
	a, err := app.Open(context.Background(), app.Config{DataDir: dir}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	for _, bad := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"weak password", "short\n", []string{"user", "create", "--tenant", id, "--email", "x@example.com", "--role", "viewer", "--password-stdin"}, "--password"},
		{"password contains email", "Xchen@example.comX1\n", []string{"user", "create", "--tenant", id, "--email", "chen@example.com", "--role", "viewer", "--password-stdin"}, "e-mail"},
		{"duplicate email", "Owner-Passw0rd!\n", []string{"user", "create", "--tenant", id, "--email", "CHEN@example.com", "--role", "viewer", "--password-stdin"}, "already exists"},
		{"unknown role", "Owner-Passw0rd!\n", []string{"user", "create", "--tenant", id, "--email", "y@example.com", "--role", "king", "--password-stdin"}, "--role"},
		{"platform role in tenant", "Owner-Passw0rd!\n", []string{"user", "create", "--tenant", id, "--email", "z@example.com", "--role", "auditor", "--password-stdin"}, "--tenant-id"},
		{"second duty for one person", "Admin-Passw0rd!\n", []string{"user", "create", "--platform", "--email", "liu+admin@example.com", "--role", "platform_admin", "--password-stdin"}, "separate duties"},
		{"bad region", "", []string{"tenant", "create", "--name", "X", "--region", "mars"}, "--region"},
		{"unknown command", "", []string{"frobnicate"}, "unknown command"},
		{"no password flag", "", []string{"user", "create", "--tenant", id, "--email", "q@example.com", "--role", "viewer"}, "password-stdin"},
		{"unknown tenant key", "", []string{"apikey", "create", "--tenant", "ten_nope", "--role", "viewer"}, "--tenant-id"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			out, _, err := c.run(bad.stdin, bad.args...)
			if err == nil {
				t.Fatalf("succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), bad.want) {
				t.Errorf("error %q does not mention %q", err, bad.want)
			}
			if app.ExitCode(err) == 0 {
				t.Error("exit code 0")
			}
		})
	}
}
