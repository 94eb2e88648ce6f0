package db

import "testing"

func TestPoolSize(t *testing.T) {
	tests := []struct {
		dsn, want string
		size      int
		bad       bool
	}{
		{"postgres://u@h/db", "postgres://u@h/db", defaultPoolSize(), false},
		{"postgres://u@h/db?pool_max_conns=64&sslmode=disable", "postgres://u@h/db?sslmode=disable", 64, false},
		{"postgres://u@h/db?plan_cache_mode=force_custom_plan&pool_max_conns=8", "postgres://u@h/db?plan_cache_mode=force_custom_plan", 8, false},
		{"postgres://u@h/db?pool_max_conns=0", "", 0, true},
		{"postgres://u@h/db?pool_max_conns=many", "", 0, true},
	}
	for _, tt := range tests {
		got, size, err := poolSize(tt.dsn)
		if (err != nil) != tt.bad || got != tt.want || size != tt.size {
			t.Errorf("poolSize(%q) = %q, %d, %v", tt.dsn, got, size, err)
		}
	}
}
