package web

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Metrics are the HTTP series every deployment scrapes from /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silkgate_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "silkgate_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "silkgate_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// statusWriter records the status and size of a response for the log and
// the metrics. It unwraps for http.ResponseController, so handlers reach
// the connection's deadlines, flushing and hijacking through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	// 1xx responses (103 Early Hints) are not the final status; 101 is.
	if s.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) headerWritten() bool { return s.status != 0 }

// Flush sends buffered data to the client; it implements http.Flusher for
// handlers that still type-assert, and FlushError for ResponseController.
func (s *statusWriter) Flush() { _ = s.FlushError() }

// FlushError is Flush reporting whether the connection supports it.
func (s *statusWriter) FlushError() error {
	err := http.NewResponseController(s.ResponseWriter).Flush()
	if err == nil && s.status == 0 {
		s.status = http.StatusOK // flushing sends the implicit 200
	}
	return err
}

// routeInfo lets the router tell the pipeline which pattern served a
// request, whatever middleware sits between them (a request copied with
// WithContext does not carry the mux's Pattern back).
type routeInfo struct{ pattern string }

type routeInfoKey struct{}

func setRoutePattern(r *http.Request, pattern string) {
	if ri, ok := r.Context().Value(routeInfoKey{}).(*routeInfo); ok && pattern != "" {
		ri.pattern = pattern
	}
}

// newRequestID returns 96 random bits in hex. Request ids correlate logs;
// they guard nothing, so they come from the runtime's fast generator
// rather than a getrandom system call on every request.
func newRequestID() string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return "req_" + hex.EncodeToString(b[:])
}

// Pipeline wraps next with what every request gets: a request id (a
// client-supplied X-Request-Id is kept when it is sane), the negotiated
// language, panic recovery, security headers, metrics and one structured
// log line. Secrets never reach the log: it records the route pattern, not
// the query string or headers.
func Pipeline(env *Env, m *Metrics, next http.Handler) http.Handler {
	if env == nil {
		env = &Env{}
	}
	if env.Log == nil {
		env = &Env{Log: slog.New(slog.DiscardHandler), Catalog: env.Catalog}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if !saneID(rid) {
			rid = newRequestID()
		}
		ctx := WithRequestID(WithEnv(r.Context(), env), rid)
		lang := i18n.Supported[0]
		if env.Catalog != nil {
			lang = env.Catalog.FromRequest(r, "")
		}
		ctx = i18n.WithLang(ctx, lang)
		ri := &routeInfo{}
		ctx = context.WithValue(ctx, routeInfoKey{}, ri)
		r = r.WithContext(ctx)

		h := w.Header()
		h.Set("X-Request-Id", rid)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")

		sw := &statusWriter{ResponseWriter: w}
		if m != nil {
			m.inflight.Inc()
			defer m.inflight.Dec()
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				env.Log.LogAttrs(ctx, slog.LevelError, "panic", slog.String("request_id", rid),
					slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					WriteError(sw, r, problem.ErrInternal)
				}
			}
			route := ri.pattern
			if route == "" {
				route = r.Pattern
			}
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			if m != nil {
				m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
				m.duration.WithLabelValues(route).Observe(d.Seconds())
			}
			if env.Log.Enabled(ctx, slog.LevelInfo) {
				env.Log.LogAttrs(ctx, slog.LevelInfo, "request",
					slog.String("request_id", rid),
					slog.Group("request", slog.String("method", r.Method), slog.String("route", route)),
					slog.Int("status", status), slog.Int("bytes", sw.bytes),
					slog.Float64("duration_ms", float64(d.Microseconds())/1000))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func saneID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
