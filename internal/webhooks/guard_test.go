package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
	} {
		if got := public(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("public(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

// TestCheckTarget: https always; http only to loopback from the sandbox
// (or anywhere when the operator allows private targets); no internal
// address from a live webhook.
func TestCheckTarget(t *testing.T) {
	t.Parallel()
	strict := &Service{cfg: Config{}}
	open := &Service{cfg: Config{AllowPrivate: true}}
	for _, tc := range []struct {
		name    string
		s       *Service
		url     string
		sandbox bool
		code    string
	}{
		{"https public live", strict, "https://hooks.example.com/x", false, ""},
		{"http public live", strict, "http://hooks.example.com/x", false, "https_required"},
		{"http public sandbox", strict, "http://hooks.example.com/x", true, "https_required"},
		{"http localhost sandbox", strict, "http://localhost:8080/x", true, ""},
		{"http 127.0.0.1 sandbox", strict, "http://127.0.0.1:9/x", true, ""},
		{"http [::1] sandbox", strict, "http://[::1]:9/x", true, ""},
		{"https loopback live", strict, "https://127.0.0.1/x", false, "private_address"},
		{"https localhost live", strict, "https://localhost/x", false, "private_address"},
		{"https private live", strict, "https://10.0.0.5/x", false, "private_address"},
		{"https metadata sandbox", strict, "https://169.254.169.254/latest", true, "private_address"},
		{"http loopback live allowed", open, "http://127.0.0.1:9/x", false, ""},
		{"https private live allowed", open, "https://10.0.0.5/x", false, ""},
	} {
		err := tc.s.checkTarget(tc.url, tc.sandbox)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		pe, ok := problem.As(err)
		if !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != "url" || pe.Fields[0].Code != tc.code {
			t.Errorf("%s: %v, want url %s", tc.name, err, tc.code)
		}
	}
}

// TestDialerRefusesInternalAddresses: the check applies to the address
// connected to, so a live webhook cannot reach a loopback server even by
// a name that resolves to it; a sandbox one can; redirects are not
// followed.
func TestDialerRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s := &Service{cfg: Config{}}
	live := newClient(2*time.Second, s.allowed(false))
	sandbox := newClient(2*time.Second, s.allowed(true))
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{srv.URL, byName} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, nil)
		_, err := live.Do(req)
		var b errBlocked
		if !errors.As(err, &b) {
			t.Errorf("live POST %s: %v, want a blocked address", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the live client reached the loopback server %d times", hits)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/redirect", nil)
	resp, err := sandbox.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || hits != 1 {
		t.Errorf("sandbox POST: %d after %d requests, want the 302 itself, not followed", resp.StatusCode, hits)
	}
}

func TestValidUTF8(t *testing.T) {
	t.Parallel()
	b := []byte("ok 中文")
	for n := len(b); n > 0; n-- {
		if s := validUTF8(b[:n]); !strings.HasPrefix("ok 中文", s) {
			t.Errorf("validUTF8(%q) = %q", b[:n], s)
		}
	}
}
