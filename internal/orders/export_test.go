package orders

import "sync"

// HoldBatches keeps single orders queued until release, so that a test
// can make a batch of a known size; queued reports how many wait.
func HoldBatches(s *Service) (queued func() int, release func()) {
	gate := make(chan struct{})
	s.batch.gate = gate
	var once sync.Once
	return func() int {
			s.batch.mu.Lock()
			defer s.batch.mu.Unlock()
			return len(s.batch.queue)
		}, func() {
			once.Do(func() { close(gate) })
		}
}

// FailNextBatch makes the next batch's write fail before its first
// statement, as a store fault would.
func FailNextBatch(s *Service, err error) {
	var once sync.Once
	s.batch.fault = func() error {
		var e error
		once.Do(func() { e = err })
		return e
	}
}

// PanicNextBatch makes the next batch's write panic, as a bug would.
func PanicNextBatch(s *Service) {
	var once sync.Once
	s.batch.fault = func() error {
		once.Do(func() { panic("injected bug") })
		return nil
	}
}
