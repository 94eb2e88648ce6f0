package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// ruleArgs is the job alerting on one published rule version.
type ruleArgs struct {
	RuleID  string `json:"rule_id"`
	Version int    `json:"version"`
	// Previous is the version it replaced (0 for a new rule).
	Previous int `json:"previous,omitempty"`
}

func (ruleArgs) Kind() string { return "compliance_alert_rule" }

// noticeArgs is the job alerting on a notice.
type noticeArgs struct {
	NoticeID string `json:"notice_id"`
}

func (noticeArgs) Kind() string { return "compliance_alert_notice" }

// emailArgs is the job e-mailing one alert.
type emailArgs struct {
	AlertID  string `json:"alert_id"`
	TenantID string `json:"tenant_id"`
	Sandbox  bool   `json:"sandbox"`
}

func (emailArgs) Kind() string { return "compliance_alert_email" }

// emailAttempts bounds the tries of one e-mail; River backs off between
// them (attempt⁴ seconds), so the last is some hours after the first.
const emailAttempts = 10

// Use wires the service to the queue its jobs run on, the outbox its
// webhook events go to, and the rule database whose publications it
// alerts on. Call it once while wiring, before the queue starts.
func (s *Service) Use(q *jobs.Queue, pub Publisher, rs Rules) {
	s.jobs, s.pub, s.rules = q, pub, rs
	jobs.Handle(q, 10*time.Minute, func(ctx context.Context, j *jobs.Job[ruleArgs]) error {
		_, err := s.RuleChanged(ctx, j.Args.RuleID, j.Args.Version, j.Args.Previous)
		return err
	})
	jobs.Handle(q, 10*time.Minute, func(ctx context.Context, j *jobs.Job[noticeArgs]) error {
		_, err := s.NoticePublished(ctx, j.Args.NoticeID)
		return err
	})
	jobs.Handle(q, 2*time.Minute, func(ctx context.Context, j *jobs.Job[emailArgs]) error {
		return s.sendAlertEmail(ctx, j.Args, j.Attempt >= j.MaxAttempts)
	})
	if rs != nil {
		rs.OnPublish(s.rulePublished)
	}
}

// rulePublished is the rules hook: it runs in the publishing transaction,
// so the job commits with the publication. A hook cannot fail the
// publication; an enqueue that fails is logged, and the transaction it
// ran in has then usually failed as well.
func (s *Service) rulePublished(ctx context.Context, old *rules.Rule, r rules.Rule) {
	args := ruleArgs{RuleID: r.ID, Version: r.Version}
	if old != nil {
		args.Previous = old.Version
	}
	if _, err := s.jobs.Enqueue(ctx, args, nil); err != nil {
		s.log.Error("compliance alert: enqueue rule change", "rule", r.ID, "version", r.Version, "err", err)
	}
}

// RuleChanged raises the alerts about version of rule id, which replaced
// version previous (0 for none), and returns how many tenants got one.
// Running it again raises nothing new.
func (s *Service) RuleChanged(ctx context.Context, id string, version, previous int) (int, error) {
	if s.rules == nil {
		return 0, errors.New("alerts: no rule source")
	}
	r, err := s.rules.Get(ctx, id, version)
	if err != nil {
		if errors.Is(err, problem.ErrNotFound) {
			return 0, jobs.Cancel(err)
		}
		return 0, err
	}
	var old *rules.Rule
	if previous > 0 {
		o, err := s.rules.Get(ctx, id, previous)
		if err != nil && !errors.Is(err, problem.ErrNotFound) {
			return 0, err
		}
		if err == nil {
			old = &o
		}
	}
	eng := newPairEngine(old, &r)
	eng.lists = s.lists
	n, err := s.fanOut(ctx, fmt.Sprintf("rule:%s@%d", r.ID, r.Version), ruleAlert(old, r),
		func(ctx context.Context) ([]ProductEffect, map[string]int, error) {
			ps, err := s.allProducts(ctx)
			if err != nil {
				return nil, nil, err
			}
			effects, counts := assess(eng, ps)
			return effects, counts, nil
		})
	s.log.Info("compliance alerts raised", "rule", r.ID, "version", r.Version, "tenants", n)
	return n, err
}

// NoticePublished raises the alerts about notice id and returns how many
// tenants got one.
func (s *Service) NoticePublished(ctx context.Context, id string) (int, error) {
	n, err := s.getNotice(ctx, id)
	if err != nil {
		if errors.Is(err, problem.ErrNotFound) {
			return 0, jobs.Cancel(err)
		}
		return 0, err
	}
	return s.fanOut(ctx, "notice:"+n.ID, noticeAlert(n), nil)
}

// sendAlertEmail sends one alert's e-mail. A failure is kept on the alert
// and retried by the queue; after the last attempt the alert says failed.
func (s *Service) sendAlertEmail(ctx context.Context, a emailArgs, last bool) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: a.TenantID, Sandbox: a.Sandbox})
	al, err := s.getAlert(ctx, a.AlertID)
	if err != nil {
		if errors.Is(err, problem.ErrNotFound) {
			return jobs.Cancel(err)
		}
		return err
	}
	for _, d := range al.Delivery {
		if d.Channel == Email && d.Status == "sent" {
			return nil
		}
	}
	if s.mail == nil {
		return s.setEmail(ctx, al.ID, "skipped", "")
	}
	msg, err := composeEmail(s.mail.from, al, s.now())
	if err == nil {
		err = s.mail.send(ctx, al.EmailTo, msg)
	}
	if err != nil {
		status := "pending"
		if last {
			status = "failed"
		}
		if uerr := s.setEmail(ctx, al.ID, status, truncate(err.Error(), 500)); uerr != nil {
			s.log.Error("compliance alert: record e-mail failure", "alert", al.ID, "err", uerr)
		}
		return err
	}
	return s.setEmail(ctx, al.ID, "sent", "")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
