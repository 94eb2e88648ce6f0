package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTrustProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, nonsense"); err == nil {
		t.Fatal("bad entry accepted")
	}
	tests := []struct {
		name, peer, xff, proto string
		wantIP                 string
		wantHTTPS              bool
	}{
		{"direct client ignores headers", "203.0.113.5:4000", "198.51.100.1", "https", "203.0.113.5:4000", false},
		{"through a trusted proxy", "10.1.2.3:4000", "198.51.100.1", "https", "198.51.100.1:0", true},
		{"spoofed left entries are skipped", "10.1.2.3:4000", "6.6.6.6, 198.51.100.1", "http", "198.51.100.1:0", false},
		{"chain of trusted proxies", "192.0.2.7:4000", "198.51.100.1, 10.9.9.9", "HTTPS", "198.51.100.1:0", true},
		{"garbled hop stops the walk", "10.1.2.3:4000", "198.51.100.1, junk", "", "10.1.2.3:0", false},
		{"no header keeps the proxy", "10.1.2.3:4000", "", "", "10.1.2.3:0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotIP string
			var gotHTTPS bool
			h := TrustProxies(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotIP, gotHTTPS = r.RemoteAddr, IsHTTPS(r)
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if gotIP != tt.wantIP || gotHTTPS != tt.wantHTTPS {
				t.Fatalf("got %s https=%v, want %s https=%v", gotIP, gotHTTPS, tt.wantIP, tt.wantHTTPS)
			}
		})
	}
}
