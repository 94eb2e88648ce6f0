package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// systemCtx marks work done by the command line or a background job, so
// its audit records name the system as the actor.
func systemCtx(ctx context.Context) context.Context {
	host, _ := os.Hostname()
	ctx = audit.WithActor(ctx, audit.Actor{ID: "system", Type: "system", SourceIP: host})
	return web.WithRequestID(ctx, fmt.Sprintf("cli_%d", time.Now().UnixNano()))
}

// serveGCPercent is the collector's target for a serving node (Go's
// default is 100); see docs/BENCHMARKS.md.
const serveGCPercent = 200

func (e cliEnv) serve(ctx context.Context, args []string) error {
	fs := commandFlags("serve", &e.cfg, e.stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	demo := fs.Bool("demo", false, "seed a demo tenant with sample data (once) and print its sign-in")
	logText := fs.Bool("log-text", false, "log as text instead of JSON")
	logLevel := fs.String("log-level", "info", "debug, info (one line per request), warn or error")
	debugAddr := fs.String("debug-addr", "", "serve Go's pprof profiles on this (loopback) address")
	drain := fs.Duration("drain", 2*time.Second, "on shutdown, answer /readyz with 503 this long before closing, so load balancers stop sending traffic")
	if err := parse(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{"--log-level: " + err.Error()}
	}
	var h slog.Handler = slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level})
	if *logText {
		h = slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(h)
	// A serving node allocates mostly short-lived request garbage while
	// its live heap stays small, so collecting half as often buys about a
	// tenth more writes per second for a few tens of MB. GOGC, when set,
	// wins.
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	start := time.Now()
	if *demo {
		e.getenv = demoEnv(e.getenv)
	}
	a, err := e.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if *demo {
		if err := a.SeedDemo(systemCtx(ctx), e.stderr); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	// Start-up (migrations, the rule set, catalogs, templates, demo data)
	// leaves tens of MB of freed heap that the runtime would hand back to
	// the system only slowly; an idle node should not hold it.
	debug.FreeOSMemory()
	if *debugAddr != "" {
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			log.Warn("pprof serving", "addr", *debugAddr, "error", http.ListenAndServe(*debugAddr, mux))
		}()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	a.DrainDelay = *drain
	return a.Serve(ctx, ln, start)
}

// Serve answers HTTP on ln until ctx ends, then shuts down in order: stop
// taking requests (readyz turns 503 first, so a load balancer drains the
// node), finish those in flight, stop background work, close the store.
func (a *App) Serve(ctx context.Context, ln net.Listener, start time.Time) error {
	var stopping atomic.Bool
	a.ready = func() bool { return !stopping.Load() }
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // bulk uploads stream for a while
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	a.startBackground(bg, &wg)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("serving", "addr", ln.Addr().String(), "engine", string(a.DB.Engine()),
		"version", Version, "startup_ms", time.Since(start).Milliseconds())

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		stopping.Store(true)
		a.Log.Info("shutting down", "drain", a.DrainDelay.String())
		time.Sleep(a.DrainDelay)
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// startBackground runs the periodic work of a serving node.
func (a *App) startBackground(ctx context.Context, wg *sync.WaitGroup) {
	wg.Go(func() { a.Audit.RunCheckpoints(ctx, time.Minute, 1000) })
	wg.Go(func() { every(ctx, time.Hour, a.housekeeping) })
	wg.Go(func() {
		if err := a.Jobs.Run(ctx); err != nil {
			a.Log.Error("jobs", "error", err)
		}
	})
	wg.Go(func() { a.Events.Run(ctx) })
	// The screening index is built before the first screening needs it,
	// and kept current with lists another node imported: product checks
	// read the product lists from it without asking the store.
	wg.Go(func() {
		every(ctx, time.Minute, func(ctx context.Context) {
			if err := a.Screening.Warm(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("screening: warm index", "error", err)
			}
		})
	})
}
