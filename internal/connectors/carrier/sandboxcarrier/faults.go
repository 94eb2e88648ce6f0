package sandboxcarrier

import (
	"context"
	"errors"
	"sync"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

// ErrInjected is the failure Faulty injects: a transient one, as a
// dropped connection or a carrier's 503 would be.
var ErrInjected = errors.New("sandboxcarrier: injected failure")

// Faulty wraps a carrier to rehearse what a network connector does to its
// callers: its first FailFirst label purchases fail with ErrInjected
// (after reaching the carrier when FailAfter is set, as when the answer
// is lost on the way back), and while Hold is non-nil every purchase
// waits until Hold is closed or its context ends. Tracking and
// cancellation pass through. For tests and drills.
type Faulty struct {
	carrier.Carrier
	FailFirst int
	// FailAfter makes the injected failures happen after the wrapped
	// carrier has issued the label.
	FailAfter bool
	Hold      chan struct{}

	mu    sync.Mutex
	calls int
}

// CreateLabel implements carrier.Carrier.
func (f *Faulty) CreateLabel(ctx context.Context, req carrier.LabelRequest) (carrier.Label, error) {
	f.mu.Lock()
	f.calls++
	n, hold := f.calls, f.Hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return carrier.Label{}, ctx.Err()
		}
	}
	if n > f.FailFirst {
		return f.Carrier.CreateLabel(ctx, req)
	}
	if f.FailAfter {
		if _, err := f.Carrier.CreateLabel(ctx, req); err != nil {
			return carrier.Label{}, err
		}
	}
	return carrier.Label{}, ErrInjected
}

// Calls returns how many label purchases were asked for.
func (f *Faulty) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Release lets every held purchase go on and holds no more.
func (f *Faulty) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Hold != nil {
		close(f.Hold)
		f.Hold = nil
	}
}
