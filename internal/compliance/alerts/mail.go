package alerts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// mailer sends mail through one SMTP server.
type mailer struct {
	host, addr string
	// implicitTLS is smtps: TLS from the first byte (port 465);
	// otherwise STARTTLS is used whenever the server offers it.
	implicitTLS bool
	user, pass  string
	from        string
	// tlsConfig is for tests against a server with its own certificate.
	tlsConfig *tls.Config
}

// parseSMTP reads SILKGATE_SMTP_URL and SILKGATE_SMTP_FROM.
func parseSMTP(raw, from string) (*mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("alerts: SILKGATE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	m := &mailer{host: u.Hostname(), implicitTLS: u.Scheme == "smtps"}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicitTLS {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	a, err := mail.ParseAddress(strings.TrimSpace(from))
	if err != nil {
		return nil, errors.New("alerts: SILKGATE_SMTP_FROM must be an e-mail address when SILKGATE_SMTP_URL is set")
	}
	m.from = a.String()
	return m, nil
}

// send delivers msg to every address of to. The whole exchange is bounded
// by ctx (the job's timeout).
func (m *mailer) send(ctx context.Context, to []string, msg []byte) error {
	if len(to) == 0 {
		return errors.New("no recipients")
	}
	cfg := m.tlsConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
	}
	d := &net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	if m.implicitTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", m.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: dial %s: %w", m.addr, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(2 * time.Minute)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if err := c.Hello("silkgate"); err != nil {
		return fmt.Errorf("smtp: hello: %w", err)
	}
	if !m.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(cfg); err != nil {
				return fmt.Errorf("smtp: starttls: %w", err)
			}
		}
	}
	if m.user != "" {
		// PlainAuth refuses to send the password over a connection that is
		// neither TLS nor to localhost.
		if err := c.Auth(smtp.PlainAuth("", m.user, m.pass, m.host)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	from, _ := mail.ParseAddress(m.from)
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: mail from: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp: rcpt %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	return c.Quit()
}

// effectText names an effect in both languages for the e-mail.
var effectText = map[string][2]string{
	NewFail:   {"now fails", "新增不合规"},
	NewWarn:   {"now warns", "新增警告"},
	Resolved:  {"resolved", "已解决"},
	StillFail: {"still fails", "仍不合规"},
	StillWarn: {"still warns", "仍有警告"},
	Passes:    {"passes", "合规"},
}

// composeEmail renders a in English and Chinese as a plain-text message
// (quoted-printable UTF-8, so any line length and script is safe).
func composeEmail(from string, a Alert, now time.Time) ([]byte, error) {
	var body strings.Builder
	zhTitle := a.Titles["zh-CN"]
	fmt.Fprintf(&body, "%s\n%s\n\n", a.Title, zhTitle)
	fmt.Fprintf(&body, "Markets / 市场: %s\n", strings.Join(a.Markets, ", "))
	if len(a.Categories) > 0 {
		fmt.Fprintf(&body, "Categories / 品类: %s\n", strings.Join(a.Categories, ", "))
	}
	if rc := a.Rule; rc != nil {
		fmt.Fprintf(&body, "Rule / 规则: %s version %d (%s), %s\n", rc.ID, rc.Version, rc.Change, rc.Reference)
		for _, f := range rc.Summary {
			fmt.Fprintf(&body, "- %s: %q -> %q\n", f.Field, f.Old, f.New)
		}
		if rc.SourceURL != "" {
			fmt.Fprintf(&body, "Source / 来源: %s\n", rc.SourceURL)
		}
	}
	if n := a.Notice; n != nil {
		fmt.Fprintf(&body, "Effective from / 生效日期: %s\n\n%s\n\n%s\n\nSource / 来源: %s\n", n.EffectiveFrom, n.Body["en"], n.Body["zh-CN"], n.SourceURL)
	}
	if len(a.Products) > 0 {
		body.WriteString("\nYour products / 您的商品:\n")
		for _, p := range a.Products {
			t := effectText[p.Effect]
			fmt.Fprintf(&body, "- %s %s (%s): %s / %s\n", p.SKU, p.Title, strings.Join(p.Markets, ", "), t[0], t[1])
		}
	}
	fmt.Fprintf(&body, "\nAlert / 提醒: %s\n", a.ID)

	var msg bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, err
	}
	host := fromAddr.Address[strings.LastIndex(fromAddr.Address, "@")+1:]
	hdr := func(k, v string) { fmt.Fprintf(&msg, "%s: %s\r\n", k, v) }
	hdr("From", fromAddr.String())
	hdr("To", strings.Join(a.EmailTo, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", "[Silkgate] "+strings.Join(strings.Fields(a.Title), " ")))
	hdr("Date", now.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id)+"@"+host+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="utf-8"`)
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("X-Silkgate-Alert", a.ID)
	msg.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&msg)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return msg.Bytes(), nil
}
