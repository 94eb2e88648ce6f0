package sanctions

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Source is a list file known by name, which background jobs can import:
// the embedded snapshots, or a folder a download job fills.
type Source struct {
	Name    string
	FS      fs.FS
	Path    string
	Options ImportOptions
}

type importArgs struct {
	Source string `json:"source"`
	// IfEmpty skips the import when the list already has a version in
	// force (seeding must never replace a real list by a snapshot).
	IfEmpty bool `json:"if_empty"`
}

func (importArgs) Kind() string { return "sanctions_import" }

type freshnessArgs struct{}

func (freshnessArgs) Kind() string { return "sanctions_freshness" }

// UseJobs registers the background import of sources and the hourly
// freshness check on q. Call it while wiring, before q starts.
func (s *Service) UseJobs(q *jobs.Queue, sources ...Source) {
	s.jobs = q
	s.sources = slices.Clone(sources)
	jobs.Handle(q, 10*time.Minute, func(ctx context.Context, job *jobs.Job[importArgs]) error {
		i := slices.IndexFunc(s.sources, func(src Source) bool { return src.Name == job.Args.Source })
		if i < 0 {
			return jobs.Cancel(fmt.Errorf("sanctions: unknown source %q", job.Args.Source))
		}
		src := s.sources[i]
		if job.Args.IfEmpty {
			if list := ListOf(src.Options.Format); list != "" {
				if _, ok, err := s.inForce(ctx, list); err != nil {
					return err
				} else if ok {
					return nil
				}
			}
		}
		res, err := s.Import(ctx, src.FS, src.Path, src.Options)
		if _, ok := problem.As(err); ok {
			// A file that does not parse will not parse on retry; the
			// failure is recorded and alarmed.
			return jobs.Cancel(err)
		}
		if err != nil {
			return err // the store: retried with back-off
		}
		s.log.Info("sanctions source imported", "source", src.Name, "list", res.Version.List, "entries", res.Version.Entries)
		return nil
	})
	jobs.Handle(q, time.Minute, func(ctx context.Context, _ *jobs.Job[freshnessArgs]) error {
		_, err := s.CheckFreshness(ctx)
		return err
	})
	q.Every("sanctions_freshness", time.Hour, func() jobs.Args { return freshnessArgs{} })
}

// EnqueueImports queues a background import of each named source (every
// source when names is empty). With ifEmpty, a source whose list already
// has a version in force is left alone when its job runs.
func (s *Service) EnqueueImports(ctx context.Context, ifEmpty bool, names ...string) error {
	if s.jobs == nil {
		return fmt.Errorf("sanctions: no job queue")
	}
	var args []jobs.Args
	for _, src := range s.sources {
		if len(names) == 0 || slices.Contains(names, src.Name) {
			args = append(args, importArgs{Source: src.Name, IfEmpty: ifEmpty})
		}
	}
	if len(args) == 0 {
		return nil
	}
	_, err := s.jobs.EnqueueMany(ctx, args, nil)
	return err
}
