package console

import (
	"sync"
	"testing"
)

// TestTemplatesParse parses every page template, as serving would on the
// page's first request, concurrently, and refuses names that are not pages.
func TestTemplatesParse(t *testing.T) {
	v := mustViews(mustAssets())
	names := v.names()
	if len(names) < 50 {
		t.Fatalf("only %d page templates found", len(names))
	}
	var wg sync.WaitGroup
	for _, name := range names {
		for range 2 {
			wg.Go(func() {
				if _, err := v.page(name); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	for _, bad := range []string{"_layout", "../view", "nope"} {
		if _, err := v.page(bad); err == nil {
			t.Errorf("page %q parsed", bad)
		}
	}
}
