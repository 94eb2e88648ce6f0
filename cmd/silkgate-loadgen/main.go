// Command silkgate-loadgen produces realistic orders and measures how fast
// a Silkgate server takes them in.
//
//	silkgate-loadgen ndjson    -n 1000000 -seed 1 -o orders.ndjson
//	silkgate-loadgen bulk      -key sk_live_… -n 1000000 [-file orders.ndjson] [-pid 1234]
//	silkgate-loadgen single    -key sk_live_… -c 32 -d 30s
//	silkgate-loadgen yardstick -what sqlite,postgres,decode -n 1000000 [-pg postgres://…]
//
// The same seed always gives the same orders. Targets must be loopback
// addresses unless -allow-remote is given: a load test is not something
// to point at a production server by accident.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "silkgate-loadgen:", err)
		os.Exit(1)
	}
}

const usage = `usage: silkgate-loadgen <mode> [flags]

modes:
  ndjson     write N orders as NDJSON to stdout or -o FILE
  bulk       stream N orders (or -file) to POST /api/v1/orders/bulk; report time, rate, server RSS (-pid)
  single     closed-loop concurrent POST /api/v1/orders for -d; report rps, p50/p90/p99, errors
  yardstick  reference figures on this machine: raw SQLite inserts, PostgreSQL COPY, encoding/json decoding

run "silkgate-loadgen <mode> -h" for a mode's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no mode given")
	}
	mode, rest := args[0], args[1:]
	switch mode {
	case "ndjson":
		return runNDJSON(rest, stdout, stderr)
	case "bulk":
		return runBulk(ctx, rest, stdout, stderr)
	case "single":
		return runSingle(ctx, rest, stdout, stderr)
	case "yardstick":
		return runYardstick(ctx, rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown mode %q", mode)
}

// target holds the flags every mode that talks to a server shares.
type target struct {
	url         string
	key         string
	allowRemote bool
}

func (t *target) flags(fs *flag.FlagSet) {
	fs.StringVar(&t.url, "url", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&t.key, "key", os.Getenv("SILKGATE_KEY"), "API key (or SILKGATE_KEY); lift its rate limit with: silkgate tenant limits --rps 0")
	fs.BoolVar(&t.allowRemote, "allow-remote", false, "allow a target that is not a loopback address")
}

func (t *target) check() error {
	if t.key == "" {
		return errors.New("-key (or SILKGATE_KEY) is required")
	}
	u, err := url.Parse(t.url)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: not an absolute URL", t.url)
	}
	if t.allowRemote {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		addrs, err := net.LookupIP(host)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("-url %q: cannot resolve %s", t.url, host)
		}
		for _, a := range addrs {
			if !a.IsLoopback() {
				return fmt.Errorf("-url %q is not a loopback address; pass -allow-remote to load a remote server", t.url)
			}
		}
		return nil
	}
	if !ip.IsLoopback() {
		return fmt.Errorf("-url %q is not a loopback address; pass -allow-remote to load a remote server", t.url)
	}
	return nil
}

// rss reads a process's resident set (current and peak) in bytes from
// /proc.
func rss(pid int) (cur, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			cur = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	return cur, peak, nil
}

// cpuTime reads a process's user and system CPU time from /proc.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from the
	// closing parenthesis.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// Linux reports clock ticks of 1/100 s (USER_HZ) on every common
	// platform.
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
