package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silkgate/silkgate/internal/orders/ordergen"
)

func runNDJSON(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ndjson", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "number of orders")
	from := fs.Int("from", 0, "index of the first order")
	seed := fs.Uint64("seed", 1, "seed: the same seed gives the same orders")
	invalid := fs.Float64("invalid", 0, "fraction of orders made invalid on purpose (0..1)")
	out := fs.String("o", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g := ordergen.New(*seed)
	g.Invalid = *invalid
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := g.WriteNDJSON(bw, *from, *n); err != nil {
		return err
	}
	return bw.Flush()
}

type bulkAnswer struct {
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
	Duplicates int `json:"duplicates"`
	Errors     []struct {
		Line   int    `json:"line"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func runBulk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var t target
	t.flags(fs)
	n := fs.Int("n", 100000, "number of orders to generate (ignored with -file)")
	from := fs.Int("from", 0, "index of the first order")
	seed := fs.Uint64("seed", 1, "seed")
	invalid := fs.Float64("invalid", 0, "fraction of orders made invalid on purpose")
	file := fs.String("file", "", "send this NDJSON file instead of generating (keeps generation off the measurement)")
	pid := fs.Int("pid", 0, "server process id: sample its resident memory during the run")
	gz := fs.Bool("gzip", false, "compress the body")
	noEvents := fs.Bool("no-events", false, "ask the server not to publish order.created events (?events=false)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := t.check(); err != nil {
		return err
	}
	var body io.Reader
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		body = bufio.NewReaderSize(f, 1<<20)
	} else {
		g := ordergen.New(*seed)
		g.Invalid = *invalid
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriterSize(pw, 1<<20)
			err := g.WriteNDJSON(bw, *from, *n)
			if err == nil {
				err = bw.Flush()
			}
			pw.CloseWithError(err)
		}()
		body = pr
	}
	if *gz {
		pr, pw := io.Pipe()
		src := body
		go func() {
			zw := gzip.NewWriter(pw)
			_, err := io.Copy(zw, src)
			if err == nil {
				err = zw.Close()
			}
			pw.CloseWithError(err)
		}()
		body = pr
	}
	var sent atomic.Int64
	body = countingReader{body, &sent}

	var peak atomic.Int64
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	if *pid > 0 {
		sampler.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				if cur, _, err := rss(*pid); err == nil && cur > peak.Load() {
					peak.Store(cur)
				}
				select {
				case <-tick.C:
				case <-stopSampling:
					return
				}
			}
		})
	}
	u := t.url + "/api/v1/orders/bulk"
	if *noEvents {
		u += "?events=false"
	}
	req, err := http.NewRequestWithContext(ctx, "POST", u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+t.key)
	if *gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	var cpu0 time.Duration
	if *pid > 0 {
		cpu0, _ = cpuTime(*pid)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		close(stopSampling)
		return err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	close(stopSampling)
	sampler.Wait()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("server answered %d: %s", resp.StatusCode, raw)
	}
	var a bulkAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	lines := a.Accepted + a.Rejected
	fmt.Fprintf(stdout, "bulk: %d lines (%.1f MiB sent) in %.2f s = %.0f orders/s\n", lines,
		float64(sent.Load())/(1<<20), elapsed.Seconds(), float64(lines)/elapsed.Seconds())
	fmt.Fprintf(stdout, "accepted %d (duplicates %d), rejected %d\n", a.Accepted, a.Duplicates, a.Rejected)
	for i, e := range a.Errors {
		if i == 5 {
			fmt.Fprintf(stdout, "  … %d more listed\n", len(a.Errors)-5)
			break
		}
		fmt.Fprintf(stdout, "  line %d: %s: %s\n", e.Line, e.Code, e.Detail)
	}
	if *pid > 0 {
		_, hwm, _ := rss(*pid)
		cpu1, _ := cpuTime(*pid)
		fmt.Fprintf(stdout, "server RSS: peak sampled during the run %s; process high-water mark %s\n", mib(peak.Load()), mib(hwm))
		fmt.Fprintf(stdout, "server CPU time: %.1f s (%.0f%% of one core over the run)\n", (cpu1 - cpu0).Seconds(),
			100*(cpu1-cpu0).Seconds()/elapsed.Seconds())
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func runSingle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("single", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var t target
	t.flags(fs)
	conc := fs.Int("c", 32, "concurrent clients (closed loop: each sends its next order when the last is answered)")
	dur := fs.Duration("d", 20*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "unmeasured warm-up before it")
	seed := fs.Uint64("seed", uint64(time.Now().Unix()), "seed (default: the time, so that runs do not collide on external ids)")
	pid := fs.Int("pid", 0, "server process id: report its CPU time per order over the measured period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := t.check(); err != nil {
		return err
	}
	g := ordergen.New(*seed)
	tr := &http.Transport{MaxIdleConns: *conc, MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		next    atomic.Int64
		mu      sync.Mutex
		lat     []time.Duration
		byCode  = map[int]int{}
		netErrs int
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	measureFrom := time.Now().Add(*warm)
	end := measureFrom.Add(*dur)
	var wg sync.WaitGroup
	for range *conc {
		wg.Go(func() {
			var local []time.Duration
			codes := map[int]int{}
			nerr := 0
			buf := make([]byte, 0, 2048)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				buf = g.Append(buf[:0], i)
				req, _ := http.NewRequestWithContext(ctx, "POST", t.url+"/api/v1/orders", bytes.NewReader(buf))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+t.key)
				s := time.Now()
				resp, err := client.Do(req)
				d := time.Since(s)
				if s.After(end) {
					break
				}
				measured := s.After(measureFrom)
				if err != nil {
					if measured && ctx.Err() == nil {
						nerr++
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if measured {
					local = append(local, d)
					codes[resp.StatusCode]++
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			for k, v := range codes {
				byCode[k] += v
			}
			netErrs += nerr
			mu.Unlock()
		})
	}
	var cpu0, cpu1 time.Duration
	if *pid > 0 {
		// Sampled at the edges of the measured period, like the latencies.
		time.Sleep(time.Until(measureFrom))
		cpu0, _ = cpuTime(*pid)
	}
	select {
	case <-time.After(time.Until(end)):
	case <-ctx.Done():
	}
	if *pid > 0 {
		cpu1, _ = cpuTime(*pid)
	}
	wg.Wait()
	if len(lat) == 0 {
		return errors.New("no request completed")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	ok := byCode[201]
	fmt.Fprintf(stdout, "single: %d clients, %s measured after %s warm-up\n", *conc, *dur, *warm)
	fmt.Fprintf(stdout, "%d requests, %d created = %.0f orders/s\n", len(lat), ok, float64(ok)/dur.Seconds())
	fmt.Fprintf(stdout, "latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(lat[len(lat)-1]))
	fmt.Fprintf(stdout, "status codes %v, network errors %d\n", byCode, netErrs)
	if *pid > 0 && ok > 0 {
		used := cpu1 - cpu0
		fmt.Fprintf(stdout, "server CPU time: %.1f s (%.0f%% of one core), %.0f µs per created order\n", used.Seconds(),
			100*used.Seconds()/dur.Seconds(), float64(used.Microseconds())/float64(ok))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
